"""Clicks and the roll-ups reports read instead of them.

Part of ``affiliates.clicks``, which imports only ``affiliates.links``.
"""

from django.db import models
from wagtail.models import Page

from affiliates.links.models import AffiliateLink


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
    placement = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text="Where on the page the link sat (intro, product-box-4…); signed by "
        "the page, empty when not known.",
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


class ClickCountsQuerySet(models.QuerySet):
    """Report queries over a roll-up. Bots are left out unless ``include_bots``."""

    def clicks_sum(self, include_bots=False, **extra):
        if include_bots:
            return models.Sum("clicks", **extra)
        return models.Sum(models.F("clicks") - models.F("bot_clicks"), **extra)

    def total_expressions(self, include_bots=False):
        visitors = "unique_visitors_with_bots" if include_bots else "unique_visitors"
        counts_visitors = issubclass(self.model, VisitorCounts)
        return {
            "clicks_total": self.clicks_sum(include_bots),
            # Placement roll-ups count no visitors: None, never a misleading 0.
            "visitors_total": models.Sum(visitors)
            if counts_visitors
            else models.Value(None, models.IntegerField()),
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

    Kept exact on every click (``affiliates.clicks.rollup``), rebuilt from raw clicks by
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


class PlacementCounts(ClickCounts):
    """Clicks on one link at one placement of one page, per period. No unique visitors
    here: a reader is unique once per link and page, whichever spot they use."""

    link = models.ForeignKey(AffiliateLink, on_delete=models.CASCADE, related_name="+")
    page_key = models.PositiveIntegerField("page", default=DailyClickSummary.NO_PAGE)
    placement = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        abstract = True


class DailyPlacementClicks(PlacementCounts):
    """Clicks per day, link, page and placement: counted on every click beside
    ``DailyClickSummary`` and rebuilt with it."""

    day = models.DateField(help_text="In the site's time zone (TIME_ZONE).")

    objects = DailyClickSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "daily placement clicks"
        verbose_name_plural = "daily placement clicks"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "link", "page_key", "placement", "shard"],
                name="affiliates_placement_day",
            ),
        ]

    def __str__(self):
        return f"{self.link_id} on {self.day:%Y-%m-%d} from {self.page_key}/{self.placement}"


class MonthlyPlacementClicks(PlacementCounts):
    """The daily placement clicks added up per calendar month."""

    month = models.DateField(help_text="The month's first day.")

    objects = ClickCountsQuerySet.as_manager()

    class Meta:
        verbose_name = "monthly placement clicks"
        verbose_name_plural = "monthly placement clicks"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "link", "page_key", "placement", "shard"],
                name="affiliates_placement_month",
            ),
        ]

    def __str__(self):
        return f"{self.link_id} in {self.month:%Y-%m} from {self.page_key}/{self.placement}"


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


class ClickAttribution(models.Model):
    """Which link, page and day a click id stands for, kept after the raw click is
    pruned: networks report sales weeks after the click and change their status for
    months. Holds no visitor key. Deleted after ``ATTRIBUTION_RETENTION_DAYS``."""

    click_id = models.CharField(max_length=16, unique=True)
    link = models.ForeignKey(AffiliateLink, on_delete=models.CASCADE, related_name="+")
    page_key = models.PositiveIntegerField("page", default=DailyClickSummary.NO_PAGE)
    placement = models.CharField(max_length=40, blank=True, default="")
    day = models.DateField(db_index=True, help_text="In the site's time zone (TIME_ZONE).")

    def __str__(self):
        return f"{self.click_id}: link {self.link_id}, page {self.page_key}, {self.day}"
