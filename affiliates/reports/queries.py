"""What the click reports show, read from the roll-ups (never raw clicks).

Clicks leave bots out unless asked. Unique visitors are counted once per day, link
and page (visitor keys change every day by design), and added up over the rest.
Everything here answers in a few queries however many rows: names and addresses are
read in bulk for the rows shown.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.urls import reverse
from wagtail.models import Page

from affiliates.admin_display import page_admin_label, page_edit_url, snippet_url
from affiliates.clicks.models import DailyClickSummary
from affiliates.clicks.rollup import NO_PAGE, range_totals
from affiliates.days import describe_range, last_days
from affiliates.links import placements
from affiliates.links.models import AffiliateLink, Partner

from .charts import DailyChart

LINK_INSPECT_DAYS = 30
DASHBOARD_DAYS = 7
DASHBOARD_ROWS = 5


class Grouping(models.TextChoices):
    LINK = "link", "Link"
    PARTNER = "partner", "Partner"
    PAGE = "page", "Page"
    PLACEMENT = "placement", "Placement on a page"


#: The roll-up field each grouping adds up by.
GROUP_FIELDS = {
    Grouping.LINK: "link",
    Grouping.PARTNER: "link__partner",
    Grouping.PAGE: "page_key",
    Grouping.PLACEMENT: ("page_key", "placement"),
}


@dataclass
class ReportRow:
    """One line of the report: a link, a partner or a page and its clicks."""

    key: object
    name: str
    clicks: int
    unique_visitors: int | None  # None per placement, which counts no visitors
    bot_clicks: int
    partner: str = ""
    url: str | None = None
    placement: str = ""

    @property
    def pk(self):
        return self.key


def report_rows(grouping, first_day, last_day, *, include_bots=False):
    """Every link, partner or page with clicks in the range, with its totals (unsorted)."""
    totals = range_totals(GROUP_FIELDS[grouping], first_day, last_day, include_bots=include_bots)
    totals = {key: counts for key, counts in totals.items() if counts["clicks"] > 0}
    describe = DESCRIBE[grouping](list(totals))
    return [
        ReportRow(
            key=key,
            clicks=counts["clicks"],
            unique_visitors=counts["unique_visitors"],
            bot_clicks=counts["bot_clicks"],
            **describe(key),
        )
        for key, counts in totals.items()
    ]


def _inspect_url(link_id):
    return snippet_url(AffiliateLink, "inspect", link_id)


def _describe_links(keys):
    links = AffiliateLink.objects.select_related("partner").in_bulk(keys)

    def describe(key):
        link = links.get(key)
        if link is None:  # deleted since: its roll-up went with it, so only in a race
            return {"name": f"Deleted link (id {key})"}
        partner = link.partner.name if link.partner else ""
        return {"name": link.name, "partner": partner, "url": _inspect_url(link.pk)}

    return describe


def _describe_partners(keys):
    partners = Partner.objects.in_bulk([key for key in keys if key is not None])

    def describe(key):
        partner = partners.get(key)
        if partner is None:
            return {"name": "No partner"}
        return {"name": partner.name, "url": snippet_url(Partner, "edit", partner.pk)}

    return describe


def _describe_pages(keys):
    pages = Page.objects.only("id", "title", "draft_title").in_bulk(
        [key for key in keys if key != NO_PAGE]
    )

    def describe(key):
        url = page_edit_url(key) if key in pages else None
        return {"name": page_admin_label(key, pages), "url": url}

    return describe


def _describe_placements(keys):
    """Rows per (page, placement): named by the page, with the placement beside it."""
    describe_page = _describe_pages([page_key for page_key, _ in keys])

    def describe(key):
        page_key, placement = key
        return {**describe_page(page_key), "placement": placements.describe(placement)}

    return describe


#: How each grouping's keys are named and linked, read in bulk for the rows shown.
DESCRIBE = {
    Grouping.LINK: _describe_links,
    Grouping.PARTNER: _describe_partners,
    Grouping.PAGE: _describe_pages,
    Grouping.PLACEMENT: _describe_placements,
}


SORT_KEYS = {
    "name": lambda row: (row.name.casefold(), row.placement),
    "partner": lambda row: (row.partner.casefold(), row.name.casefold()),
    "clicks": lambda row: (row.clicks, row.unique_visitors or 0),
    "unique_visitors": lambda row: (row.unique_visitors or 0, row.clicks),
    "bot_clicks": lambda row: (row.bot_clicks, row.clicks),
}


def sort_rows(rows, ordering):
    descending = ordering.startswith("-")
    key = SORT_KEYS[ordering.lstrip("-")]
    # Ties keep a stable, readable order: by name, A to Z, whichever way the column goes.
    rows = sorted(rows, key=lambda row: row.name.casefold())
    return sorted(rows, key=key, reverse=descending)


# A link's own clicks, on its inspect view.


@dataclass
class LinkClicks:
    """One link's clicks over the last ``days`` days: totals, a chart and top pages."""

    link: AffiliateLink
    days: int = LINK_INSPECT_DAYS
    top_pages: list = field(default_factory=list)

    def __post_init__(self):
        self.first_day, self.last_day = last_days(self.days)
        summaries = DailyClickSummary.objects.between(self.first_day, self.last_day).filter(
            link=self.link
        )
        totals = summaries.aggregate(**DailyClickSummary.objects.total_expressions())
        self.clicks = totals["clicks_total"] or 0
        self.unique_visitors = totals["visitors_total"] or 0
        self.bot_clicks = totals["bot_clicks_total"] or 0
        self.chart = DailyChart(
            summaries.per_day(),
            self.first_day,
            self.last_day,
            chart_id=f"link-{self.link.pk}-clicks",
            title=f"Clicks per day on “{self.link.name}”, "
            f"{describe_range(self.first_day, self.last_day)}",
        )
        pages = list(
            summaries.totals_by("page_key")
            .filter(clicks_total__gt=0)
            .order_by("-clicks_total")[:10]
        )
        titles = Page.objects.in_bulk([row["page_key"] for row in pages if row["page_key"]])
        self.top_pages = [
            {
                "name": page_admin_label(row["page_key"], titles),
                "url": page_edit_url(row["page_key"]) if row["page_key"] in titles else None,
                "clicks": row["clicks_total"],
                "unique_visitors": row["visitors_total"],
            }
            for row in pages
        ]
        self.report_url = reverse("affiliates_click_report")


# The dashboard.


def change_label(current, previous):
    """How a count moved against the previous period: "+12", "−3", "±0" or "new"."""
    if not previous:
        return "new" if current else "±0"
    difference = current - previous
    if difference > 0:
        return f"+{intcomma(difference)}"
    if difference < 0:
        return f"\N{MINUS SIGN}{intcomma(-difference)}"
    return "±0"


def top_movers(group_field, today=None, *, days=DASHBOARD_DAYS, limit=DASHBOARD_ROWS):
    """The ``limit`` busiest keys of ``group_field`` in the last ``days`` days, with the
    clicks of the ``days`` before. One query."""
    first, last = last_days(days, today)
    previous_first = first - datetime.timedelta(days=days)
    rows = (
        DailyClickSummary.objects.between(previous_first, last)
        .values(group_field)
        .annotate(
            current=DailyClickSummary.objects.clicks_sum(filter=models.Q(day__gte=first)),
            previous=DailyClickSummary.objects.clicks_sum(filter=models.Q(day__lt=first)),
        )
        .filter(current__gt=0)
        .order_by("-current", group_field)[:limit]
    )
    return [
        {
            "key": row[group_field],
            "clicks": row["current"],
            "previous": row["previous"] or 0,
            "change": change_label(row["current"], row["previous"] or 0),
            "trend": _trend(row["current"], row["previous"] or 0),
        }
        for row in rows
    ]


def _trend(current, previous):
    if current > previous:
        return "up"
    if current < previous:
        return "down"
    return "same"
