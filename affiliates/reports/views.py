"""Reports › Affiliate clicks, a link's own clicks on its inspect view, and the raw
click export. All need the "Can view affiliate click reports" permission
(``affiliates.permissions``); managing links is separate."""

import datetime

from django import forms
from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, NumberColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets.button import Button
from wagtail.snippets.views.snippets import InspectView

from affiliates.admin_display import snippet_url
from affiliates.clicks.rollup import clicks_per_day
from affiliates.days import describe_range, site_today
from affiliates.links.models import AffiliateLink
from affiliates.permissions import (
    CLICK_EXPORT_DENIED,
    CLICK_REPORTS_DENIED,
    EARNINGS_DENIED,
    PermissionRequiredMixin,
    can_check_link_now,
    can_export_clicks,
    can_view_click_reports,
    can_view_earnings,
)
from affiliates.spreadsheets import FormulaSafeExportMixin

from . import click_export, earnings
from .charts import DailyChart
from .forms import ClickExportForm, ClickReportForm, EarningsReportForm
from .queries import Grouping, LinkClicks, report_rows, sort_rows
from .tasks import export_filename, queue_click_export

CLICK_EXPORT_DEFAULT_DAYS = 30
#: A CSV of up to this many clicks downloads while the editor waits (a few seconds);
#: more, or any workbook, is written by a job.
CLICK_EXPORT_STREAM_MAX_ROWS = 50_000


def name_columns(grouping):
    """The columns naming a report's rows: the link, partner or page, and for rows per
    placement, the placement beside its page."""
    columns = [
        TitleColumn(
            "name", label=name_heading(grouping), get_url=lambda row: row.url, sort_key="name"
        )
    ]
    if grouping == Grouping.PLACEMENT:
        columns.append(Column("placement", label="Placement"))
    return columns


def name_fields(grouping):
    return ["name", "placement"] if grouping == Grouping.PLACEMENT else ["name"]


def name_heading(grouping):
    return "Page" if grouping == Grouping.PLACEMENT else grouping.label


class ClickReportView(PermissionRequiredMixin, FormulaSafeExportMixin, ReportView):
    """Reports › Affiliate clicks: clicks and unique visitors per link, partner or page."""

    permission_test = staticmethod(can_view_click_reports)
    denied_message = CLICK_REPORTS_DENIED

    template_name = "affiliates/reports/click_report.html"
    results_template_name = "affiliates/reports/click_report_results.html"
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

    @property
    def counts_visitors(self):
        # Readers are unique per link and page, not per spot on the page.
        return self.grouping != Grouping.PLACEMENT

    @cached_property
    def columns(self):
        columns = name_columns(self.grouping)
        if self.grouping == Grouping.LINK:
            columns.append(Column("partner", label="Partner", sort_key="partner"))
        bots = "bots included" if self.include_bots else "bots left out"
        columns.append(NumberColumn("clicks", label=f"Clicks ({bots})", sort_key="clicks"))
        if self.counts_visitors:
            columns.append(
                NumberColumn("unique_visitors", label="Unique visitors", sort_key="unique_visitors")
            )
        columns.append(NumberColumn("bot_clicks", label="Bot clicks", sort_key="bot_clicks"))
        return columns

    @property
    def list_export(self):
        fields = [*name_fields(self.grouping), "clicks", "bot_clicks"]
        if self.grouping == Grouping.LINK:
            fields.insert(1, "partner")
        if self.counts_visitors:
            fields.insert(-1, "unique_visitors")
        return fields

    @property
    def export_headings(self):
        return {
            "name": name_heading(self.grouping),
            "placement": "Placement",
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
                "unique_visitors": sum(row.unique_visitors for row in rows)
                if self.counts_visitors
                else None,
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


class AffiliateLinkInspectView(InspectView):
    """The link's details and, for those allowed to see reports, its recent clicks."""

    template_name = "affiliates/reports/affiliatelink_inspect.html"

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if can_check_link_now(self.request.user):
            # The check itself is affiliates.health's; the button only names its page.
            url = reverse("affiliates_link_check_now", args=[self.object.pk])
            buttons.append(Button("Check now", url=url, icon_name="resubmit", priority=30))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if can_view_click_reports(self.request.user):
            context["link_clicks"] = LinkClicks(self.object)
        return context

    @property
    def media(self):
        return forms.Media(css={"all": ["affiliates/css/click-reports.css"]})


class ClickExportView(PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """Raw clicks in a date range, optionally for one link, as CSV or XLSX.

    A CSV of up to ``CLICK_EXPORT_STREAM_MAX_ROWS`` clicks streams straight away (also
    from a bookmarked address); a workbook, or a larger CSV, is written by a job
    (``affiliates.reports.tasks``) and downloaded from the job's page.
    """

    template_name = "affiliates/reports/click_export.html"
    page_title = "Export clicks"
    header_icon = "download"
    permission_test = staticmethod(can_export_clicks)
    denied_message = CLICK_EXPORT_DENIED

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": snippet_url(AffiliateLink, "list"), "label": "Affiliate links"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        stream_max_rows = f"{CLICK_EXPORT_STREAM_MAX_ROWS:,}"
        return super().get_context_data(stream_max_rows=stream_max_rows, **kwargs)

    def get(self, request, *args, **kwargs):
        if not request.GET:
            today = site_today()
            form = ClickExportForm(
                initial={
                    "since": today - datetime.timedelta(days=CLICK_EXPORT_DEFAULT_DAYS),
                    "until": today,
                }
            )
            return self.render_to_response(self.get_context_data(form=form))
        form = ClickExportForm(request.GET)
        if form.is_valid() and self.streams(form.cleaned_data):
            return self.stream_csv(form.cleaned_data)
        # A job is only ever queued by a POST: the form, filled in, offers it.
        return self.render_to_response(self.get_context_data(form=form, needs_job=form.is_valid()))

    def post(self, request, *args, **kwargs):
        form = ClickExportForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if self.streams(form.cleaned_data):
            return self.stream_csv(form.cleaned_data)
        job = queue_click_export(form.cleaned_data, user=request.user)
        messages.success(request, "Your export is being prepared: download it from this page.")
        return redirect("affiliates_job", job.pk)

    @staticmethod
    def clicks(options):
        return click_export.clicks_between(options["since"], options["until"], options["link"])

    def streams(self, options):
        if (options.get("format") or "csv") != "csv":
            return False
        return self.clicks(options)[: CLICK_EXPORT_STREAM_MAX_ROWS + 1].count() <= (
            CLICK_EXPORT_STREAM_MAX_ROWS
        )

    def stream_csv(self, options):
        filename = export_filename(options["since"], options["until"], options["link"], "csv")
        response = StreamingHttpResponse(
            click_export.csv_lines(click_export.rows(self.clicks(options))),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class EarningsReportView(PermissionRequiredMixin, FormulaSafeExportMixin, ReportView):
    """Reports › Earnings: clicks, sales, conversion rate, commission and earnings per
    click per link, partner or page, in each currency the networks paid in."""

    permission_test = staticmethod(can_view_earnings)
    denied_message = EARNINGS_DENIED

    template_name = "affiliates/reports/click_report.html"
    results_template_name = "affiliates/reports/earnings_report_results.html"
    page_title = "Earnings"
    header_icon = "tag"
    index_url_name = "affiliates_earnings_report"
    default_ordering = "-commission"
    paginate_by = 50

    @cached_property
    def form(self):
        return EarningsReportForm(self.request.GET)

    @cached_property
    def options(self):
        return self.form.cleaned_data if self.form.is_valid() else None

    @property
    def grouping(self):
        return Grouping(self.options["group_by"] if self.options else Grouping.LINK)

    @cached_property
    def all_rows(self):
        if not self.options:
            return []
        return earnings.earnings_rows(
            self.grouping,
            self.options["first_day"],
            self.options["last_day"],
            self.options["basis"],
        )

    @cached_property
    def columns(self):
        return [
            *name_columns(self.grouping),
            NumberColumn("clicks", label="Clicks", sort_key="clicks"),
            NumberColumn("conversions", label="Sales", sort_key="conversions"),
            Column("conversion_rate_label", label="Conversion rate"),
            Column("commission_label", label="Commission", sort_key="commission"),
            Column("earnings_per_click_label", label="Earnings per click"),
        ]

    @property
    def list_export(self):
        currencies = earnings.currencies_of(self.all_rows)
        return [
            *name_fields(self.grouping),
            "clicks",
            "conversions",
            "conversion_rate",
            *(f"commission_{currency}" for currency in currencies),
            *(f"epc_{currency}" for currency in currencies),
        ]

    @property
    def export_headings(self):
        headings = {
            "name": name_heading(self.grouping),
            "placement": "Placement",
            "clicks": "Clicks",
            "conversions": "Sales",
            "conversion_rate": "Conversion rate (%)",
        }
        for currency in earnings.currencies_of(self.all_rows):
            headings[f"commission_{currency}"] = f"Commission ({currency})"
            headings[f"epc_{currency}"] = f"Earnings per click ({currency})"
        return headings

    def get_filename(self):
        if not self.options:
            return "earnings"
        first, last = self.options["first_day"], self.options["last_day"]
        period = f"{first:%Y-%m-%d}-to-{last:%Y-%m-%d}"
        return f"earnings-per-{self.grouping.value}-{period}-by-{self.options['basis']}-date"

    def get_queryset(self):
        return earnings.sort_rows(self.all_rows, self.ordering)

    def filter_queryset(self, queryset):
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        if self.options:
            first, last = self.options["first_day"], self.options["last_day"]
            rows = self.all_rows
            totals = earnings.EarningsRow(key=None, name="All")
            for row in rows:
                totals.clicks += row.clicks
                totals.conversions += row.conversions
                totals.clicked_conversions += row.clicked_conversions
                for currency, amount in row.commission.items():
                    totals.commission[currency] = totals.commission.get(currency, 0) + amount
            context["totals"] = totals
            context["range_label"] = describe_range(first, last)
            context["basis"] = self.options["basis"]
            context["time_zone"] = settings.TIME_ZONE
            context["grouping"] = self.grouping
            context["chart"] = DailyChart(
                earnings.conversions_per_day(first, last, self.options["basis"]),
                first,
                last,
                chart_id="earnings-report-chart",
                title=f"Sales per day, {describe_range(first, last)}",
                measure="sales",
            )
        return context
