"""The admin dashboard's panel: the busiest links and pages of the last week."""

from django.urls import reverse
from wagtail.admin.ui.components import Component
from wagtail.models import Page

from affiliates.admin_display import page_admin_label, page_edit_url, snippet_url
from affiliates.days import describe_range, last_days
from affiliates.links.models import AffiliateLink

from . import earnings
from .queries import DASHBOARD_DAYS, DASHBOARD_ROWS, top_movers

EARNINGS_DASHBOARD_DAYS = 30


class ClickDashboardPanel(Component):
    """Admin home: the top links and pages of the last 7 days against the 7 before."""

    name = "affiliate_clicks"
    template_name = "affiliates/reports/dashboard_panel.html"
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
            row["url"] = snippet_url(AffiliateLink, "inspect", row["key"]) if link else None
        for row in pages:
            row["name"] = page_admin_label(row["key"], page_objects)
            row["url"] = page_edit_url(row["key"]) if row["key"] in page_objects else None
        first, last = last_days(DASHBOARD_DAYS)
        return {
            "heading": f"Affiliate clicks, last {DASHBOARD_DAYS} days",
            "links": links,
            "pages": pages,
            "days": DASHBOARD_DAYS,
            "range_label": describe_range(first, last),
            "report_url": reverse("affiliates_click_report") + "?period=7",
        }


class EarningsDashboardPanel(Component):
    """Admin home: the pages that earned most in the last 30 days, per currency."""

    name = "affiliate_earnings"
    template_name = "affiliates/reports/earnings_dashboard_panel.html"
    order = 155

    # Its own, for those who may see earnings but not the click panel.
    class Media:
        css = {"all": ["affiliates/css/click-reports.css"]}

    def get_context_data(self, parent_context):
        first, last = last_days(EARNINGS_DASHBOARD_DAYS)
        return {
            "heading": f"Top earning pages, last {EARNINGS_DASHBOARD_DAYS} days",
            "range_label": describe_range(first, last),
            "by_currency": earnings.top_earning_pages(first, last, limit=DASHBOARD_ROWS),
            "report_url": reverse("affiliates_earnings_report")
            + f"?period={EARNINGS_DASHBOARD_DAYS}&group_by=page",
        }
