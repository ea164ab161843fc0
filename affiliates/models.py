"""Referral links editors manage in one place, the clicks they earn, and the disclosure."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import LockableMixin, Page, RevisionMixin
from wagtail.search import index

from careersite import outbound

from .forwarding import FORWARDED_PARAMETERS_HELP, validate_parameter_names
from .tracking_templates import validate_tracking_template


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
    "Placeholders: {page_slug}, {page_id}, {section_slug}, {site}, {link_slug}."
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


class Click(models.Model):
    """One reader following an affiliate link. Holds no IP address or user agent."""

    # NULL, not "", for clicks stored before click ids: unique allows many NULLs.
    click_id = models.CharField(  # noqa: DJ001
        max_length=16,
        unique=True,
        null=True,
        editable=False,
        help_text="Random, made when the reader clicked; stores each click once however "
        "often it is delivered.",
    )
    link = models.ForeignKey(AffiliateLink, on_delete=models.CASCADE, related_name="clicks")
    clicked_at = models.DateTimeField(db_index=True)
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor_key = models.CharField(
        max_length=64,
        help_text="Salted hash of the address and day; the salt rotates daily and is "
        "never stored in the database.",
    )
    is_bot = models.BooleanField(default=False)
    is_staff = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Made by someone signed in to the admin, or from a preview: kept, "
        "but left out of reports.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["link", "clicked_at"]),
            models.Index(fields=["page", "clicked_at"]),
        ]
        # Seeing how links perform is a separate job from managing them.
        permissions = [("view_click_reports", "Can view affiliate click reports")]

    def __str__(self):
        return f"{self.link} at {self.clicked_at:%Y-%m-%d %H:%M}"


class LinkHealth(models.Model):
    """What the last check of a link's destination found (``manage.py check_link_health``).

    Editors see it in the links listing and the link health report; acknowledging a
    warning hides it until the status changes again.
    """

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "OK"
        REDIRECTED = "redirected", "Redirected elsewhere"
        BLOCKED = "blocked", "Blocked the checker"
        BROKEN = "broken", "Broken"

    #: Statuses an editor is warned about.
    WARNINGS = (Status.REDIRECTED, Status.BROKEN)

    link = models.OneToOneField(
        AffiliateLink, on_delete=models.CASCADE, primary_key=True, related_name="health"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNCHECKED)
    checked_at = models.DateTimeField("last checked", null=True, blank=True)
    reason = models.CharField(
        max_length=300, blank=True, help_text="What the last check saw, e.g. “HTTP 404”."
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(
        max_length=2000, blank=True, help_text="Where the destination's redirects ended."
    )
    consecutive_failures = models.PositiveSmallIntegerField(
        default=0, help_text="A link is broken only after two failing checks in a row."
    )
    acknowledged_status = models.CharField(
        max_length=12,
        choices=Status.choices,
        blank=True,
        help_text="The warning an editor has seen; hidden until the status changes.",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "link health"
        verbose_name_plural = "link health"
        indexes = [models.Index(fields=["status"], name="affiliates_health_status")]

    def __str__(self):
        return f"{self.link_id}: {self.get_status_display()}"

    @property
    def needs_attention(self):
        """A warning status the editor has not acknowledged."""
        return self.status in self.WARNINGS and self.acknowledged_status != self.status


class ClickCountsQuerySet(models.QuerySet):
    """Report queries over a roll-up. Bots are left out unless ``include_bots``."""

    def clicks_sum(self, include_bots=False, **extra):
        if include_bots:
            return models.Sum("clicks", **extra)
        return models.Sum(models.F("clicks") - models.F("bot_clicks"), **extra)

    def total_expressions(self, include_bots=False):
        visitors = "unique_visitors_with_bots" if include_bots else "unique_visitors"
        return {
            "clicks_total": self.clicks_sum(include_bots),
            "visitors_total": models.Sum(visitors),
            "bot_clicks_total": models.Sum("bot_clicks"),
        }

    def totals_by(self, *fields, include_bots=False):
        """Clicks, unique visitors and bot clicks added up per value of ``fields``."""
        return self.values(*fields).annotate(**self.total_expressions(include_bots)).order_by()


class DailyClickSummaryQuerySet(ClickCountsQuerySet):
    def between(self, first_day, last_day):
        """Rows for ``first_day`` to ``last_day``, both included (days in the site's zone)."""
        return self.filter(day__gte=first_day, day__lte=last_day)

    def per_day(self, include_bots=False):
        """{day: clicks} for the days that have any."""
        rows = self.values("day").annotate(total=self.clicks_sum(include_bots)).order_by()
        return {row["day"]: row["total"] for row in rows}


class ClickCounts(models.Model):
    """The counters every roll-up keeps. Rows are added up: a period, link and page
    may have several rows (``shard``) until ``rollup.compact`` merges them.

    On PostgreSQL clicks are counted by the ``affiliates_count_click`` function
    (migration 0005): a change to these tables needs a migration replacing it.
    """

    shard = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        help_text="Spreads simultaneous clicks over rows (PostgreSQL only); 0 once compacted.",
    )
    clicks = models.PositiveIntegerField(default=0, help_text="All clicks, bots included.")
    bot_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class VisitorCounts(ClickCounts):
    unique_visitors = models.PositiveIntegerField(
        default=0, help_text="Distinct visitor keys per day among the clicks that were not bots."
    )
    unique_visitors_with_bots = models.PositiveIntegerField(
        default=0, help_text="Distinct visitor keys per day among all the clicks."
    )

    class Meta:
        abstract = True


class DailyClickSummary(VisitorCounts):
    """Clicks on one link from one page on one day: what reports read.

    Kept exact on every click (``affiliates.rollup``), rebuilt from raw clicks by
    ``manage.py rebuild_click_rollup``, and kept when ``prune_clicks`` deletes them.
    """

    #: ``page_key`` for clicks from no live page (a unique constraint needs a value).
    NO_PAGE = 0

    day = models.DateField(help_text="In the site's time zone (TIME_ZONE).")
    link = models.ForeignKey(
        AffiliateLink, on_delete=models.CASCADE, related_name="daily_click_summaries"
    )
    page_key = models.PositiveIntegerField(
        "page",
        default=NO_PAGE,
        help_text="Id of the page the clicks came from, or 0 for none. Not a foreign key: "
        "the totals outlive the page.",
    )

    objects = DailyClickSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "daily click summary"
        verbose_name_plural = "daily click summaries"
        constraints = [
            # Also the index every report's date range uses.
            models.UniqueConstraint(
                fields=["day", "link", "page_key", "shard"],
                name="affiliates_summary_day_link_page",
            ),
        ]
        indexes = [
            # A link's own clicks over time (its inspect view).
            models.Index(fields=["link", "day"], name="affiliates_summary_link_day"),
        ]

    def __str__(self):
        return f"{self.link_id} on {self.day:%Y-%m-%d} from page {self.page_key}"


class MonthlyClickSummary(VisitorCounts):
    """The daily summary added up per calendar month, so a year is twelve rows per
    link and page, not 365. Kept alongside it on every click and by every rebuild."""

    month = models.DateField(help_text="The month's first day.")
    link = models.ForeignKey(AffiliateLink, on_delete=models.CASCADE, related_name="+")
    page_key = models.PositiveIntegerField("page", default=DailyClickSummary.NO_PAGE)

    objects = ClickCountsQuerySet.as_manager()

    class Meta:
        verbose_name = "monthly click summary"
        verbose_name_plural = "monthly click summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "link", "page_key", "shard"],
                name="affiliates_monthly_month_link_page",
            ),
        ]

    def __str__(self):
        return f"{self.link_id} in {self.month:%Y-%m} from page {self.page_key}"


class DailyClickTotal(ClickCounts):
    """All clicks on a day, whatever the link or page: the report's chart reads these."""

    day = models.DateField(help_text="In the site's time zone (TIME_ZONE).")

    objects = DailyClickSummaryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "shard"], name="affiliates_total_day"),
        ]

    def __str__(self):
        return f"{self.clicks} clicks on {self.day:%Y-%m-%d}"


class DailyVisitor(models.Model):
    """A visitor key already counted for a link and page on a day.

    Its unique constraint is what makes a unique visitor count once, however many
    of their clicks arrive at the same moment. Each key is stored once for all
    clicks and, if any of its clicks was not a bot, once for readers only. Rows
    are needed only while their day can still get clicks; ``prune_clicks`` deletes
    the older ones.
    """

    day = models.DateField()
    link = models.ForeignKey(
        AffiliateLink, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    page_key = models.PositiveIntegerField("page", default=DailyClickSummary.NO_PAGE)
    visitor_key = models.CharField(max_length=64)
    readers_only = models.BooleanField(
        default=False, help_text="Counted among readers (not bots), not among all clicks."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "link", "page_key", "visitor_key", "readers_only"],
                name="affiliates_visitor_once_per_day",
            ),
        ]

    def __str__(self):
        return f"Visitor {self.visitor_key[:8]}… on {self.day:%Y-%m-%d}"


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


@receiver(post_save, sender=Partner, dispatch_uid="affiliates_forget_partner_links")
def forget_partner_links(sender, instance, created, **kwargs):
    """Cached redirects carry the partner's rules; drop its links' ones."""
    from .tracking import forget_links

    if not created:
        forget_links(set(instance.links.values_list("slug", flat=True)))


@receiver(pre_delete, sender=Partner, dispatch_uid="affiliates_remember_partner_links")
def remember_partner_links(sender, instance, **kwargs):
    # Deleting the partner sets its links' partner to NULL by UPDATE, which sends no
    # signal for the links: remember them now and forget their cached rules after.
    instance._link_slugs = set(instance.links.values_list("slug", flat=True))


@receiver(post_delete, sender=Partner, dispatch_uid="affiliates_forget_deleted_partner_links")
def forget_deleted_partner_links(sender, instance, **kwargs):
    from .tracking import forget_links

    forget_links(getattr(instance, "_link_slugs", set()))


@receiver(post_save, sender=AffiliateLink, dispatch_uid="affiliates_log_destination")
def log_destination_change(sender, instance, created, **kwargs):
    """Write a change of destination to the link's history: who, when, from what to what.

    The user is whoever the admin's log context names (the editor, or the importer);
    a command or shell leaves it blank.
    """
    from wagtail.log_actions import log

    before = getattr(instance, "_stored_destination", None)
    instance._stored_destination = instance.destination_url
    if not created and before is not None and before != instance.destination_url:
        log(
            instance,
            DESTINATION_CHANGED,
            data={"from": before, "to": instance.destination_url},
        )


DESTINATION_CHANGED = "affiliates.change_destination"


@receiver(post_delete, sender=Page, dispatch_uid="affiliates_forget_page_clicks")
def credit_deleted_page_clicks_to_no_page(sender, instance, **kwargs):
    """A deleted page's clicks now have no page (``Click.page`` is SET_NULL); so do its
    daily totals, so reports and ``rebuild_click_rollup`` agree. (Sent for the
    ``Page`` row of every page type.)"""
    from .rollup import forget_page  # rollup imports this module

    forget_page(instance.pk)


@receiver(pre_delete, sender=AffiliateLink, dispatch_uid="affiliates_link_click_days")
def remember_link_click_days(sender, instance, **kwargs):
    from .rollup import link_days  # rollup imports this module

    instance._click_days = link_days(instance.pk)


@receiver(post_delete, sender=AffiliateLink, dispatch_uid="affiliates_forget_link_clicks")
def take_deleted_link_out_of_day_totals(sender, instance, **kwargs):
    """Its daily rows went with it (CASCADE); the per-day totals are recounted without it."""
    from .rollup import forget_link

    forget_link(*getattr(instance, "_click_days", (None, None)))
