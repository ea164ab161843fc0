"""Click reports in the admin: the "Affiliate clicks" report, a link's own clicks, the dashboard.

All of them read the daily roll-up (``DailyClickSummary``, see ``rollup``), never
raw clicks, and all need the ``affiliates.view_click_reports`` permission; managing
links is the snippet's own add/change/delete permissions and is separate.

Clicks leave bots out unless asked. Unique visitors are counted once per day, link
and page (visitor keys change every day by design), and added up over the rest.
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, NumberColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.models import Page
from wagtail.snippets.views.snippets import InspectView

from .charts import DailyChart
from .models import AffiliateLink, DailyClickSummary, Partner
from .rollup import NO_PAGE, clicks_per_day, range_totals, site_today
from .spreadsheets import FormulaSafeExportMixin

VIEW_CLICK_REPORTS = "affiliates.view_click_reports"
#: The longest custom range the report draws, in days.
MAX_RANGE_DAYS = 731
LINK_INSPECT_DAYS = 30
DASHBOARD_DAYS = 7
DASHBOARD_ROWS = 5


def can_view_click_reports(user):
    return user.has_perm(VIEW_CLICK_REPORTS)


def permission_denied(request):
    """A real 403 in the admin's clothes (Wagtail's own answer is a redirect home)."""
    return TemplateResponse(
        request,
        "affiliates/admin/permission_denied.html",
        {"page_title": "Permission denied"},
        status=403,
    )


class ClickReportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_click_reports(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


def last_days(days, today=None):
    """(first, last) of the ``days`` days ending today, today included."""
    today = today or site_today()
    return today - datetime.timedelta(days=days - 1), today


def page_admin_label(page_key, pages):
    if page_key == NO_PAGE:
        return "No page (direct visits and unknown pages)"
    page = pages.get(page_key)
    return page.get_admin_display_title() if page else f"Deleted page (id {page_key})"


# The report.


class Grouping(models.TextChoices):
    LINK = "link", "Link"
    PARTNER = "partner", "Partner"
    PAGE = "page", "Page"


#: The roll-up field each grouping adds up by.
GROUP_FIELDS = {Grouping.LINK: "link", Grouping.PARTNER: "link__partner", Grouping.PAGE: "page_key"}


class Period(models.TextChoices):
    LAST_7 = "7", "Last 7 days"
    LAST_30 = "30", "Last 30 days"
    LAST_90 = "90", "Last 90 days"
    CUSTOM = "custom", "Custom dates"


class ClickReportForm(forms.Form):
    """What the report shows. Plain GET fields: it works without JavaScript."""

    group_by = forms.ChoiceField(label="Clicks per", choices=Grouping.choices)
    period = forms.ChoiceField(label="Period", choices=Period.choices)
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="For custom dates; both days included.",
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for today.",
    )
    include_bots = forms.BooleanField(label="Include bots", required=False)

    defaults = {"group_by": Grouping.LINK, "period": Period.LAST_30}

    def __init__(self, query):
        data = {**self.defaults, **{key: query[key] for key in self.base_fields if key in query}}
        super().__init__(data)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["period"] != Period.CUSTOM:
            cleaned["first_day"], cleaned["last_day"] = last_days(int(cleaned["period"]))
            return cleaned
        first, last = cleaned.get("date_from"), cleaned.get("date_to") or site_today()
        if first is None:
            self.add_error("date_from", "Choose the first day for custom dates.")
        elif last < first:
            self.add_error("date_to", "The last day cannot be before the first.")
        elif (last - first).days + 1 > MAX_RANGE_DAYS:
            self.add_error("date_from", f"Choose at most {MAX_RANGE_DAYS} days.")
        else:
            cleaned["first_day"], cleaned["last_day"] = first, last
        return cleaned


@dataclass
class ReportRow:
    """One line of the report: a link, a partner or a page and its clicks."""

    key: int | None
    name: str
    clicks: int
    unique_visitors: int
    bot_clicks: int
    partner: str = ""
    url: str | None = None

    @property
    def pk(self):
        return self.key


def report_rows(grouping, first_day, last_day, *, include_bots=False):
    """Every link, partner or page with clicks in the range, with its totals (unsorted)."""
    totals = range_totals(GROUP_FIELDS[grouping], first_day, last_day, include_bots=include_bots)
    totals = {key: counts for key, counts in totals.items() if counts["clicks"] > 0}
    describe = {
        Grouping.LINK: _describe_links,
        Grouping.PARTNER: _describe_partners,
        Grouping.PAGE: _describe_pages,
    }[grouping](list(totals))
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
    return reverse(AffiliateLink.snippet_viewset.get_url_name("inspect"), args=[link_id])


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
    edit_url = Partner.snippet_viewset.get_url_name("edit")

    def describe(key):
        partner = partners.get(key)
        if partner is None:
            return {"name": "No partner"}
        return {"name": partner.name, "url": reverse(edit_url, args=[partner.pk])}

    return describe


def _describe_pages(keys):
    pages = Page.objects.only("id", "title", "draft_title").in_bulk(
        [key for key in keys if key != NO_PAGE]
    )

    def describe(key):
        url = reverse("wagtailadmin_pages:edit", args=[key]) if key in pages else None
        return {"name": page_admin_label(key, pages), "url": url}

    return describe


SORT_KEYS = {
    "name": lambda row: (row.name.casefold(),),
    "partner": lambda row: (row.partner.casefold(), row.name.casefold()),
    "clicks": lambda row: (row.clicks, row.unique_visitors),
    "unique_visitors": lambda row: (row.unique_visitors, row.clicks),
    "bot_clicks": lambda row: (row.bot_clicks, row.clicks),
}


def sort_rows(rows, ordering):
    descending = ordering.startswith("-")
    key = SORT_KEYS[ordering.lstrip("-")]
    # Ties keep a stable, readable order: by name, A to Z, whichever way the column goes.
    rows = sorted(rows, key=lambda row: row.name.casefold())
    return sorted(rows, key=key, reverse=descending)


class ClickReportView(ClickReportPermissionMixin, FormulaSafeExportMixin, ReportView):
    """Reports › Affiliate clicks: clicks and unique visitors per link, partner or page."""

    template_name = "affiliates/admin/click_report.html"
    results_template_name = "affiliates/admin/click_report_results.html"
    page_title = "Affiliate clicks"
    header_icon = "link-external"
    index_url_name = "affiliates_click_report"
    default_ordering = "-clicks"
    paginate_by = 50

    @cached_property
    def form(self):
        return ClickReportForm(self.request.GET)

    @cached_property
    def options(self):
        """The valid choices, or None when the form has errors."""
        return self.form.cleaned_data if self.form.is_valid() else None

    @property
    def grouping(self):
        return Grouping(self.options["group_by"] if self.options else Grouping.LINK)

    @property
    def include_bots(self):
        return bool(self.options and self.options["include_bots"])

    @cached_property
    def columns(self):
        name_label = self.grouping.label
        columns = [
            TitleColumn("name", label=name_label, get_url=lambda row: row.url, sort_key="name")
        ]
        if self.grouping == Grouping.LINK:
            columns.append(Column("partner", label="Partner", sort_key="partner"))
        bots = "bots included" if self.include_bots else "bots left out"
        columns += [
            NumberColumn("clicks", label=f"Clicks ({bots})", sort_key="clicks"),
            NumberColumn("unique_visitors", label="Unique visitors", sort_key="unique_visitors"),
            NumberColumn("bot_clicks", label="Bot clicks", sort_key="bot_clicks"),
        ]
        return columns

    @property
    def list_export(self):
        fields = ["name", "clicks", "unique_visitors", "bot_clicks"]
        if self.grouping == Grouping.LINK:
            fields.insert(1, "partner")
        return fields

    @property
    def export_headings(self):
        return {
            "name": self.grouping.label,
            "partner": "Partner",
            "clicks": "Clicks (bots included)" if self.include_bots else "Clicks",
            "unique_visitors": "Unique visitors",
            "bot_clicks": "Bot clicks",
        }

    def get_filename(self):
        if not self.options:
            return "affiliate-clicks"
        first, last = self.options["first_day"], self.options["last_day"]
        bots = "-with-bots" if self.include_bots else ""
        period = f"{first:%Y-%m-%d}-to-{last:%Y-%m-%d}"
        return f"affiliate-clicks-per-{self.grouping.value}-{period}{bots}"

    def get_queryset(self):
        if not self.options:
            return []
        rows = report_rows(
            self.grouping,
            self.options["first_day"],
            self.options["last_day"],
            include_bots=self.include_bots,
        )
        return sort_rows(rows, self.ordering)

    def filter_queryset(self, queryset):
        return queryset  # the form has already chosen the rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if self.options:
            first, last = self.options["first_day"], self.options["last_day"]
            rows = self.object_list
            context["totals"] = {
                "clicks": sum(row.clicks for row in rows),
                "unique_visitors": sum(row.unique_visitors for row in rows),
                "bot_clicks": sum(row.bot_clicks for row in rows),
            }
            context["range_label"] = describe_range(first, last)
            context["include_bots"] = self.include_bots
            context["time_zone"] = settings.TIME_ZONE
            context["grouping"] = self.grouping
            context["chart"] = DailyChart(
                clicks_per_day(first, last, include_bots=self.include_bots),
                first,
                last,
                chart_id="click-report-chart",
                title=f"Clicks per day, {describe_range(first, last)}"
                + (" (bots included)" if self.include_bots else ""),
            )
        return context


def describe_range(first, last):
    if first == last:
        return date_format(first, "j F Y")
    return f"{date_format(first, 'j F Y')} to {date_format(last, 'j F Y')}"


class ClickReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_click_reports(request.user)


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
                "url": reverse("wagtailadmin_pages:edit", args=[row["page_key"]])
                if row["page_key"] in titles
                else None,
                "clicks": row["clicks_total"],
                "unique_visitors": row["visitors_total"],
            }
            for row in pages
        ]
        self.report_url = reverse("affiliates_click_report")


class AffiliateLinkInspectView(InspectView):
    """The link's details and, for those allowed to see reports, its recent clicks."""

    template_name = "affiliates/admin/affiliatelink_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if can_view_click_reports(self.request.user):
            context["link_clicks"] = LinkClicks(self.object)
        return context

    @property
    def media(self):
        return forms.Media(css={"all": ["affiliates/css/click-reports.css"]})


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


class ClickDashboardPanel(Component):
    """Admin home: the top links and pages of the last 7 days against the 7 before."""

    name = "affiliate_clicks"
    template_name = "affiliates/admin/dashboard_panel.html"
    order = 150

    class Media:
        css = {"all": ["affiliates/css/click-reports.css"]}

    def get_context_data(self, parent_context):
        links = top_movers("link")
        pages = top_movers("page_key")
        link_objects = AffiliateLink.objects.in_bulk([row["key"] for row in links])
        page_objects = Page.objects.in_bulk([row["key"] for row in pages if row["key"]])
        for row in links:
            link = link_objects.get(row["key"])
            row["name"] = link.name if link else f"Deleted link (id {row['key']})"
            row["url"] = _inspect_url(row["key"]) if link else None
        for row in pages:
            row["name"] = page_admin_label(row["key"], page_objects)
            row["url"] = (
                reverse("wagtailadmin_pages:edit", args=[row["key"]])
                if row["key"] in page_objects
                else None
            )
        first, last = last_days(DASHBOARD_DAYS)
        return {
            "heading": f"Affiliate clicks, last {DASHBOARD_DAYS} days",
            "links": links,
            "pages": pages,
            "days": DASHBOARD_DAYS,
            "range_label": describe_range(first, last),
            "report_url": reverse("affiliates_click_report") + "?period=7",
        }
