"""Referral links editors manage in one place, the clicks they earn, and the disclosure."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


def validate_destination_url(value):
    """Only absolute http(s) URLs may be a redirect target."""
    URLValidator(
        schemes=["http", "https"],
        message="Enter a full web address starting "
        "with https:// or http:// (for example https://partner.example.com/offer).",
    )(value)


class Partner(index.Indexed, models.Model):
    """A company or affiliate programme whose links the site carries."""

    name = models.CharField(max_length=120, unique=True)
    network = models.CharField(
        max_length=120, blank=True, help_text="Affiliate network, e.g. Awin or Impact, if any."
    )
    notes = models.TextField(blank=True, help_text="Programme terms, contacts, payout notes.")

    panels = [FieldPanel("name"), FieldPanel("network"), FieldPanel("notes")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AffiliateLink(index.Indexed, models.Model):
    """A referral link readers reach through the site's own /go/<slug>/ address."""

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
        help_text="Forward query parameters from the /go/ address to the destination.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive links go to the fallback address, if any."
    )
    fallback_url = models.URLField(
        max_length=2000,
        blank=True,
        validators=[validate_destination_url],
        help_text="Where readers go while the link is inactive. Leave blank to show a "
        "'link no longer available' page.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("destination_url"),
        FieldPanel("partner"),
        MultiFieldPanel(
            [
                FieldPanel("is_active"),
                FieldPanel("fallback_url"),
                FieldPanel("redirect_status"),
                FieldPanel("pass_query_parameters"),
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

    @classmethod
    def from_db(cls, db, field_names, values):
        link = super().from_db(db, field_names, values)
        # Remember the slug as stored, so renaming a link also forgets its old /go/ address.
        link._stored_slug = link.__dict__.get("slug")
        return link


class Click(models.Model):
    """One reader following an affiliate link. Holds no IP address or user agent."""

    link = models.ForeignKey(AffiliateLink, on_delete=models.CASCADE, related_name="clicks")
    clicked_at = models.DateTimeField(db_index=True)
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor_key = models.CharField(
        max_length=64,
        help_text="Salted hash of address, browser and day; the salt rotates daily.",
    )
    is_bot = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["link", "clicked_at"]),
            models.Index(fields=["page", "clicked_at"]),
        ]

    def __str__(self):
        return f"{self.link} at {self.clicked_at:%Y-%m-%d %H:%M}"


class VisitorSalt(models.Model):
    """The secret mixed into one day's visitor keys.

    Only the current day's salt is kept: once a new day's salt exists the older ones
    are deleted, so nobody (including us) can recompute a past key from an address
    and browser and follow a reader from one day to the next.
    """

    day = models.DateField(unique=True)
    value = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"Visitor salt for {self.day:%Y-%m-%d}"

    @classmethod
    def for_day(cls, day):
        """The salt for ``day``, made (and the older ones deleted) on first use."""
        try:
            salt, created = cls.objects.get_or_create(
                day=day, defaults={"value": secrets.token_hex(32)}
            )
        except IntegrityError:
            # get_or_create re-reads after losing an insert race, but under stricter
            # isolation that read can miss the winner's row; by now it is committed.
            salt, created = cls.objects.get(day=day), False
        if created:
            cls.objects.filter(day__lt=day).delete()
        return salt.value


class DisclosurePage(Page):
    """The page explaining how the site earns referral fees. One per site."""

    body = RichTextField(features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    parent_page_types = ["guides.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    template = "affiliates/disclosure_page.html"


@register_setting(icon="warning")
class DisclosureSettings(BaseSiteSetting):
    """The referral notice readers see on pages that carry affiliate links."""

    class Policy(models.TextChoices):
        AFFILIATE_PAGES = "affiliate_pages", "Only on pages that contain affiliate links"
        EVERY_PAGE = "every_page", "On every page"

    notice_text = models.CharField(
        max_length=300,
        default="Referral fees may be earned for purchases made using links on this site. "
        "To learn more, see",
        help_text="Shown before the link to the disclosure page.",
    )
    link_text = models.CharField(max_length=80, default="my disclosure")
    disclosure_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The page the notice links to. Pages with affiliate links cannot be "
        "published without one.",
    )
    policy = models.CharField(max_length=20, choices=Policy.choices, default=Policy.AFFILIATE_PAGES)

    panels = [
        FieldPanel("notice_text"),
        FieldPanel("link_text"),
        PageChooserPanel("disclosure_page", "affiliates.DisclosurePage"),
        FieldPanel("policy"),
    ]

    class Meta:
        verbose_name = "Referral disclosure"


@receiver([post_save, post_delete], sender=AffiliateLink, dispatch_uid="affiliates_forget_link")
def forget_cached_redirect(sender, instance, **kwargs):
    """Drop the cached redirect for a link that changed, under its new and old slugs.

    Queryset ``update()`` sends no signal; change links through ``save()``.
    """
    from .tracking import forget_links  # tracking imports this module

    forget_links({instance.slug, getattr(instance, "_stored_slug", None)} - {None})
    instance._stored_slug = instance.slug
