"""Networks that report sales, and the sales (conversions) they report.

Part of ``affiliates.earnings``, which imports ``affiliates.clicks`` and ``affiliates.links``.
"""

import secrets

from django.conf import settings
from django.core.validators import MinLengthValidator, validate_slug
from django.db import models
from django.urls import reverse
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from affiliates.links.models import AffiliateLink


def new_postback_token():
    return secrets.token_urlsafe(24)


class Network(index.Indexed, models.Model):
    """An affiliate network or programme that reports the sales our readers made."""

    name = models.CharField(max_length=80, unique=True, help_text="For example “Awin”.")
    postback_token = models.CharField(
        max_length=64,
        unique=True,
        default=new_postback_token,
        # Letters, digits, - and _ (what the address can hold), and long enough not to
        # be guessed.
        validators=[validate_slug, MinLengthValidator(16)],
        help_text="The secret part of the address the network sends each sale to: "
        "/go/postback/<token>/. Change it to stop a leaked address working: at least 16 "
        "letters, digits, hyphens or underscores.",
    )
    accepts_postbacks = models.BooleanField(
        default=True, help_text="Off: the postback address answers “not found” and stores nothing."
    )

    panels = [FieldPanel("name"), FieldPanel("accepts_postbacks"), FieldPanel("postback_token")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def postback_url(self):
        """The full address to give the network (on the admin's base address)."""
        path = reverse("affiliates:postback", args=[self.postback_token])
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


class Conversion(models.Model):
    """One sale (or reversal) a network reports, tied to the click that led to it when
    the click is known. Stored as reported: amounts in the network's currency."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        PAID = "paid", "Paid"

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="conversions")
    transaction_id = models.CharField(
        max_length=120, help_text="The network's own id for the sale; unique per network."
    )
    click_id = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Our click id, passed as a sub-ID."
    )
    tracking_id = models.CharField(
        max_length=120, blank=True, help_text="A tracking ID (Amazon Associates' `tag`)."
    )
    converted_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    sale_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    commission = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Negative for a reversal."
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. GBP.")
    # Where the sale came from, found from the click when the conversion arrived (or
    # later): it outlives the raw click.
    link = models.ForeignKey(
        AffiliateLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_key = models.PositiveIntegerField(
        null=True, blank=True, help_text="Id of the page the click came from, 0 for none."
    )
    placement = models.CharField(
        max_length=40, blank=True, default="", help_text="Where on the page the link sat."
    )
    clicked_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, help_text="The file or postback it came from.")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "transaction_id"], name="affiliates_conversion_once"
            )
        ]
        indexes = [
            models.Index(fields=["converted_at"], name="affiliates_conversion_date"),
            models.Index(fields=["clicked_on"], name="affiliates_conversion_click"),
        ]
        verbose_name = "sale"
        verbose_name_plural = "sales"
        # What the site earns is for fewer eyes than what is clicked.
        permissions = [("view_earnings", "Can view earnings")]

    def __str__(self):
        return f"{self.network} {self.transaction_id}"

    @property
    def is_matched(self):
        """Tied to a click, or (for networks reporting by tracking ID) to a page."""
        return self.link_id is not None or self.page_key is not None

    @property
    def has_click(self):
        """Tied to a recorded click (only those have its day), even if its link is gone."""
        return self.clicked_on is not None

    def link_label(self):
        if self.link_id:
            return str(self.link)
        if self.has_click:
            return "Deleted link"
        return f"Tracking ID {self.tracking_id}" if self.is_matched else "No click found"

    def commission_label(self):
        return f"{self.currency} {self.commission:,.2f}"
