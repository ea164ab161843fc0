"""Who may do what in the affiliates admin, and the one answer for someone who may not.

Managing links and partners is the snippets' own add, change and delete permissions.
Seeing how links perform is separate ("Can view affiliate click reports", given to the
Affiliate managers group), and so is each bulk tool. Every admin view of the app checks
here, and every refusal is the same real 403 page in the admin's clothes (Wagtail's own
answer is a redirect to the dashboard, which tells the editor nothing).
"""

from django.template.response import TemplateResponse
from wagtail.admin.menu import MenuItem

VIEW_CLICK_REPORTS = "affiliates.view_click_reports"
CHANGE_LINKS = "affiliates.change_affiliatelink"
IMPORT_LINKS = ("affiliates.add_affiliatelink", "affiliates.change_affiliatelink")

CLICK_REPORTS_DENIED = (
    "You do not have permission to view affiliate click reports. Ask an administrator "
    "to add you to the “Affiliate managers” group if you need them."
)
CLICK_EXPORT_DENIED = (
    "Exporting clicks needs the “Can view affiliate click reports” permission. Ask an "
    "administrator if you need it."
)
LINK_IMPORT_DENIED = (
    "Importing affiliate links needs permission to add and to change them. Ask an "
    "administrator if you need it."
)
LINK_HEALTH_DENIED = (
    "The link health report is for people who can change affiliate links. Ask an "
    "administrator if you need it."
)


def can_view_click_reports(user):
    return user.has_perm(VIEW_CLICK_REPORTS)


def can_export_clicks(user):
    # Raw clicks are report data: the same permission as the click reports.
    return can_view_click_reports(user)


def can_import_links(user):
    return user.has_perms(IMPORT_LINKS)


def can_manage_link_health(user):
    # Whoever can fix a link decides whether its warning still matters.
    return user.has_perm(CHANGE_LINKS)


def permission_denied(request, message):
    """The app's 403: a real one, in the admin's clothes, saying what is missing."""
    return TemplateResponse(
        request,
        "affiliates/permission_denied.html",
        {"page_title": "Permission denied", "message": message},
        status=403,
    )


class PermissionRequiredMixin:
    """For admin views: ``permission_test(user)`` or ``permission_denied``."""

    denied_message = ""

    @staticmethod
    def permission_test(user):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_test(request.user):
            return permission_denied(request, self.denied_message)
        return super().dispatch(request, *args, **kwargs)


class PermittedMenuItem(MenuItem):
    """A menu item shown only to users who pass ``permission_test``."""

    def __init__(self, *args, permission_test, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission_test = permission_test

    def is_shown(self, request):
        return self.permission_test(request.user)
