"""Every Wagtail hook of the affiliates app, in one place: menus, admin URLs, the rich-text
button, permissions, the dashboard panels, the account settings panel, history wording and
the bulk-publishing rule.

The screens themselves live in their sub-packages; this module only registers them.
"""

from django.contrib import messages
from django.contrib.auth.models import Permission
from django.shortcuts import redirect
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from . import admin_urls
from .content.draftail import register_affiliate_link_feature
from .content.publishing import BULK_DISCLOSURE_REQUIRED_MESSAGE, pages_blocked_from_publishing
from .earnings.models import Conversion
from .health.account import LinkHealthDigestSettingsPanel
from .health.panels import LinkHealthDashboardPanel
from .links.models import DESTINATION_CHANGED
from .permissions import (
    PermittedMenuItem,
    can_manage_link_health,
    can_view_click_reports,
    can_view_earnings,
)
from .reports.panels import ClickDashboardPanel, EarningsDashboardPanel
from .snippets import AffiliatesViewSetGroup, EarningsOnlyPolicy

# Before the snippets are registered: their views take the model's policy.
register_permission_policy(Conversion, EarningsOnlyPolicy(Conversion))
register_snippet(AffiliatesViewSetGroup)

hooks.register("register_rich_text_features", register_affiliate_link_feature)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return admin_urls.urlpatterns


# Reports: Affiliate clicks (click report permission), Link health (who can change links).


@hooks.register("register_reports_menu_item")
def register_click_report_menu_item():
    return PermittedMenuItem(
        "Affiliate clicks",
        reverse("affiliates_click_report"),
        name="affiliate-clicks",
        icon_name="link-external",
        order=1300,
        permission_test=can_view_click_reports,
    )


@hooks.register("register_reports_menu_item")
def register_earnings_menu_item():
    return PermittedMenuItem(
        "Earnings",
        reverse("affiliates_earnings_report"),
        name="earnings",
        icon_name="tag",
        order=1305,
        permission_test=can_view_earnings,
    )


@hooks.register("register_reports_menu_item")
def register_link_health_menu_item():
    return PermittedMenuItem(
        "Link health",
        reverse("affiliates_link_health_report"),
        name="link-health",
        icon_name="warning",
        order=1310,
        permission_test=can_manage_link_health,
    )


@hooks.register("register_reports_menu_item")
def register_jobs_menu_item():
    # Everyone who queues an import, export or check follows it here.
    return MenuItem("Jobs", reverse("affiliates_jobs"), name="jobs", icon_name="cogs", order=1320)


@hooks.register("register_permissions")
def register_click_report_permission():
    # Shown in Settings › Groups, next to the link and partner permissions.
    return Permission.objects.filter(
        content_type__app_label="affiliates", codename__in=["view_click_reports", "view_earnings"]
    )


@hooks.register("construct_homepage_panels")
def add_click_dashboard_panel(request, panels):
    if can_view_click_reports(request.user):
        panels.append(ClickDashboardPanel())


@hooks.register("construct_homepage_panels")
def add_earnings_dashboard_panel(request, panels):
    if can_view_earnings(request.user):
        panels.append(EarningsDashboardPanel())


@hooks.register("construct_homepage_panels")
def add_link_health_dashboard_panel(request, panels):
    if can_manage_link_health(request.user):
        panels.append(LinkHealthDashboardPanel())


# Account settings › Notifications: the weekly link health e-mail, on or off.
hooks.register("register_account_settings_panel", LinkHealthDigestSettingsPanel)


@hooks.register("register_log_actions")
def register_destination_change_action(actions):
    @actions.register_action(DESTINATION_CHANGED)
    class DestinationChanged(LogFormatter):
        label = "Change destination"

        def format_message(self, log_entry):
            data = log_entry.data
            return f"Destination changed from {data.get('from')} to {data.get('to')}"


# Publishing: no page with affiliate links goes live on a site that can't disclose them
# (affiliates.content.publishing). Bulk publishing asks first, so nothing in the batch is
# published and the editor sees which pages stopped it.


@hooks.register("before_bulk_action")
def refuse_bulk_publishing_without_disclosure(request, action_type, objects, action_view):
    if action_type != "publish":
        return None
    form = getattr(action_view, "cleaned_form", None)
    include_descendants = bool(form and form.cleaned_data.get("include_descendants"))
    blocked = pages_blocked_from_publishing(objects, include_descendants=include_descendants)
    if not blocked:
        return None
    messages.error(
        request,
        BULK_DISCLOSURE_REQUIRED_MESSAGE.format(titles=", ".join(f"“{t}”" for t in blocked)),
    )
    return redirect(action_view.next_url)
