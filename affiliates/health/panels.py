"""The admin dashboard's link health panel: the broken and redirected links that need
attention, for the people who may change links (``wagtail_hooks`` checks who)."""

from django.db.models import Count, Max
from django.urls import reverse
from wagtail.admin.ui.components import Component

from affiliates.admin_display import snippet_url
from affiliates.links.models import AffiliateLink

from .digest import NEEDS_ATTENTION, warnings_needing_attention
from .models import LinkHealth

#: Rows on the dashboard; the rest are a link to the report away.
DASHBOARD_ROWS = 5


class LinkHealthDashboardPanel(Component):
    """Admin home: the first few links whose warnings need attention, broken first, or a
    line saying none do. Two queries at most, however many links there are."""

    name = "link_health"
    template_name = "affiliates/health/dashboard_panel.html"
    # Above the click panel (150): a broken link is lost referral fees today.
    order = 140

    class Media:
        css = {"all": ["affiliates/css/click-reports.css"]}

    def get_context_data(self, parent_context):
        totals = LinkHealth.objects.aggregate(
            needing=Count("pk", filter=NEEDS_ATTENTION), last_check=Max("checked_at")
        )
        warnings = list(warnings_needing_attention()[:DASHBOARD_ROWS]) if totals["needing"] else []
        for health in warnings:
            health.edit_url = snippet_url(AffiliateLink, "edit", health.link_id)
        return {
            "warnings": warnings,
            "more": totals["needing"] - len(warnings),
            "last_check": totals["last_check"],
            "report_url": reverse("affiliates_link_health_report"),
        }
