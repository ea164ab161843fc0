"""Partners and the affiliate links editors manage in one place.

Part of ``affiliates.links``: the bottom of the app, importing no other part of it.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import LockableMixin, Page, RevisionMixin
from wagtail.search import index

from careersite import outbound

from . import forwarding
from .forwarding import FORWARDED_PARAMETERS_HELP, validate_parameter_names
from .tracking_templates import validate_tracking_template

#: The history entry written when a link's destination changes
#: (``affiliates.signal_handlers.log_destination_change``).
DESTINATION_CHANGED = "affiliates.change_destination"


def validate_destination_url(value):
    """Only absolute http(s) URLs of public websites may be a redirect target: the link
    checker fetches them from our servers (see ``careersite.outbound``). Names are not
    looked up here, so the form works without DNS; the checker refuses a name that
    resolves inside a private network when it fetches it."""
    URLValidator(
        schemes=["http", "https"],
        message="Enter a full web address starting "
        "with https:// or http:// (for example https://partner.example.com/offer).",
    )(value)
    reason = outbound.refusal(value)
    if reason:
        raise ValidationError(outbound.editor_message(reason), code="refused")


TRACKING_TEMPLATE_HELP = (
    "Query parameters added when a reader follows the link, e.g. "
    "subid={page_slug}&utm_source={site}&utm_campaign={section_slug}. "
    "Placeholders: {page_slug}, {page_id}, {section_slug}, {site}, {link_slug}, and "
    "{click_id} for networks that report each sale with the sub-ID it was clicked with "
    "(cloaked links only), {tracking_id} for networks that report earnings per tracking "
    "ID (Amazon Associates' tag; see Affiliates › Tracking IDs)."
)


class Partner(index.Indexed, models.Model):
    """A company or affiliate programme whose links the site carries, and the rules
    its programme sets for them (the compliance profile)."""

    class LinkStyle(models.TextChoices):
        CLOAKED = "cloaked", "Cloaked redirect through this site (/go/…)"
        DIRECT = "direct", "Direct link to the partner's address"

    name = models.CharField(max_length=120, unique=True)
    network = models.CharField(
        max_length=120, blank=True, help_text="Affiliate network, e.g. Awin or Impact, if any."
    )
    link_style = models.CharField(
        max_length=10,
        choices=LinkStyle.choices,
        default=LinkStyle.CLOAKED,
        help_text="Choose direct links for programmes that forbid hiding the destination "
        "(Amazon Associates does). Direct links are still counted where the reader's "
        "browser supports it.",
    )
    disclosure_sentence = models.CharField(
        max_length=300,
        blank=True,
        help_text="Added to the disclosure notice on every page that links to this partner, "
        "e.g. “As an Amazon Associate I earn from qualifying purchases.”",
    )
    link_marker = models.CharField(
        max_length=40,
        blank=True,
        help_text="Shown after each of this partner's links, e.g. “(paid link)” or “Ad”.",
    )
    tracking_template = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_tracking_template],
        help_text=TRACKING_TEMPLATE_HELP + " Applies to all this partner's links.",
    )
    forwarded_parameters = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_parameter_names],
        help_text=FORWARDED_PARAMETERS_HELP
        + " Applies to this partner's links that forward parameters.",
    )
    notes = models.TextField(blank=True, help_text="Programme terms, contacts, payout notes.")

    panels = [
        FieldPanel("name"),
        FieldPanel("network"),
        MultiFieldPanel(
            [
                FieldPanel("link_style"),
                FieldPanel("disclosure_sentence"),
                FieldPanel("link_marker"),
                FieldPanel("tracking_template"),
                FieldPanel("forwarded_parameters"),
            ],
            heading="Programme rules",
        ),
        FieldPanel("notes"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


#: How far ahead the links listing warns of a link's expiry.
EXPIRES_SOON = datetime.timedelta(days=14)


class TrackingId(models.Model):
    """A tracking ID a partner's programme reports earnings by (Amazon Associates' ``tag``),
    used by its links on one page or section and every page below it.

    Links fill ``{tracking_id}`` in their tracking templates with the ID of the nearest
    page above the one clicked on (itself included), else the partner's default (no
    page); sales reported per tracking ID are credited back to that page.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tracking_ids")
    value = models.CharField(
        "tracking ID",
        max_length=120,
        unique=True,
        help_text="Exactly as the network shows it, e.g. careersite-interview-21. Create "
        "it in the network's own account first.",
    )
    page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="page or section",
        help_text="The page or section whose links use this ID, pages below it included. "
        "Leave empty for the partner's default.",
    )

    panels = [FieldPanel("partner"), FieldPanel("value"), FieldPanel("page")]

    class Meta:
        verbose_name = "tracking ID"
        verbose_name_plural = "tracking IDs"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "page"], name="affiliates_tracking_id_per_page"
            ),
            models.UniqueConstraint(
                fields=["partner"],
                condition=models.Q(page__isnull=True),
                name="affiliates_tracking_id_default",
                violation_error_message="This partner already has a default tracking ID.",
            ),
        ]

    def __str__(self):
        return self.value


class AffiliateLinkQuerySet(models.QuerySet):
    """Links by availability, as the listing's filter offers them."""

    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(
            models.Q(starts_at__isnull=True) | models.Q(starts_at__lte=now),
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now),
            is_active=True,
        )

    def scheduled(self, now=None):
        return self.filter(is_active=True, starts_at__gt=now or timezone.now())

    def expiring_soon(self, now=None):
        now = now or timezone.now()
        return self.live(now).filter(expires_at__lte=now + EXPIRES_SOON)

    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())

    def switched_off(self):
        return self.filter(is_active=False)


class AffiliateLink(LockableMixin, RevisionMixin, index.Indexed, models.Model):
    """A referral link readers reach through the site's own /go/<slug>/ address (or,
    for partners that require it, directly). Edits are kept as revisions; a link can
    be locked against changes."""

    class RedirectStatus(models.IntegerChoices):
        FOUND = 302, "302 Found (temporary, recommended)"
        TEMPORARY = 307, "307 Temporary Redirect"
        PERMANENT = 301, "301 Moved Permanently"

    name = models.CharField(max_length=200, help_text="What editors see in choosers and reports.")
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Used in the link readers follow: /go/<slug>/. Changing it breaks old links.",
    )
    destination_url = models.URLField(
        max_length=2000,
        validators=[validate_destination_url],
        help_text="The partner's tracking address readers are sent to.",
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    redirect_status = models.PositiveSmallIntegerField(
        choices=RedirectStatus.choices, default=RedirectStatus.FOUND
    )
    pass_query_parameters = models.BooleanField(
        default=False,
        help_text="Forward the reader's utm_* campaign tags (and the parameters listed "
        "below or on the partner) from the /go/ address to the destination.",
    )
    forwarded_parameters = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_parameter_names],
        help_text=FORWARDED_PARAMETERS_HELP,
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive links go to the fallback address, if any."
    )
    fallback_url = models.URLField(
        max_length=2000,
        blank=True,
        validators=[validate_destination_url],
        help_text="Where readers go while the link is inactive or outside its dates. Leave "
        "blank to show a 'link no longer available' page.",
    )
    starts_at = models.DateTimeField(
        "start", null=True, blank=True, help_text="Optional: the link works from this moment."
    )
    expires_at = models.DateTimeField(
        "expiry",
        null=True,
        blank=True,
        help_text="Optional: the link stops working at this moment, e.g. when an offer ends.",
    )
    tracking_template = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_tracking_template],
        help_text=TRACKING_TEMPLATE_HELP
        + " Added after the partner's; a parameter set here replaces the partner's.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AffiliateLinkQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("destination_url"),
        FieldPanel("partner"),
        MultiFieldPanel(
            [
                FieldPanel("is_active"),
                FieldPanel("starts_at"),
                FieldPanel("expires_at"),
                FieldPanel("fallback_url"),
                FieldPanel("redirect_status"),
                FieldPanel("pass_query_parameters"),
                FieldPanel("forwarded_parameters"),
                FieldPanel("tracking_template"),
            ],
            heading="Behaviour",
        ),
        FieldPanel("notes"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("slug"),
        index.SearchField("destination_url"),
        index.AutocompleteField("name"),
        index.FilterField("is_active"),
        index.FilterField("partner"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("affiliates:go", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.fallback_url and self.fallback_url == self.destination_url:
            raise ValidationError(
                {"fallback_url": "The fallback must differ from the destination."}
            )
        if self.starts_at and self.expires_at and self.expires_at <= self.starts_at:
            raise ValidationError({"expires_at": "The expiry must come after the start."})

    def is_live(self, now=None):
        """Whether readers reach the destination now: active and within its dates."""
        return link_is_live(self, now)

    def availability(self, now=None):
        """(label, needs attention) for the listing: switched off, not started, expired,
        expiring within ``EXPIRES_SOON``, or live."""
        now = now or timezone.now()
        if not self.is_active:
            return "Switched off", False
        if self.expires_at is not None and self.expires_at <= now:
            return f"Expired {_date(self.expires_at)}", True
        if self.starts_at is not None and now < self.starts_at:
            return f"Starts {_date(self.starts_at)}", False
        if self.expires_at is not None and self.expires_at <= now + EXPIRES_SOON:
            return f"Expires {_date(self.expires_at)}", True
        return "Live", False

    @property
    def tracking_templates(self):
        """The partner's tracking template, then the link's own (which wins on a name)."""
        partner_template = self.partner.tracking_template if self.partner_id else ""
        return [t for t in (partner_template, self.tracking_template) if t]

    @property
    def allowed_parameters(self):
        """The reader parameters this link passes on (see ``forwarding``)."""
        partner_parameters = self.partner.forwarded_parameters if self.partner_id else ""
        return forwarding.allowed_names(partner_parameters, self.forwarded_parameters)

    @classmethod
    def from_db(cls, db, field_names, values):
        link = super().from_db(db, field_names, values)
        # Remember the slug as stored, so renaming a link also forgets its old /go/ address.
        link._stored_slug = link.__dict__.get("slug")
        # …and the destination, so a change to it is written to the link's history.
        link._stored_destination = link.__dict__.get("destination_url")
        return link


def _date(moment):
    return date_format(timezone.localtime(moment), "j M Y")


def link_is_live(link, now=None):
    """Active and within its start and expiry dates (for a link or its cached form)."""
    if not link.is_active:
        return False
    now = now or timezone.now()
    if link.starts_at is not None and now < link.starts_at:
        return False
    return link.expires_at is None or now < link.expires_at
