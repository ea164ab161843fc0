"""Who may do what in the affiliates admin, and the one answer for someone who may not.

Managing links and partners is the snippets' own add, change and delete permissions.
Seeing how links perform is separate ("Can view affiliate click reports", given to the
Affiliate managers group), and so is each bulk tool. Every admin view of the app checks
here, and every refusal is the same real 403 page in the admin's clothes (Wagtail's own
answer is a redirect to the dashboard, which tells the editor nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from wagtail.admin.menu import MenuItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.views import View

    #: request.user: a signed-in user, or AnonymousUser.
    AnyUser = User | AnonymousUser
    # The mixin goes before a View; the type checker is told so, the class is not.
    _ViewBase = View
else:
    _ViewBase = object

VIEW_CLICK_REPORTS = "affiliates.view_click_reports"
VIEW_EARNINGS = "affiliates.view_earnings"
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
EARNINGS_DENIED = (
    "The earnings report needs the “Can view earnings” permission, which is separate from "
    "the click reports. Ask an administrator if you need it."
)
LINK_IMPORT_DENIED = (
    "Importing affiliate links needs permission to add and to change them. Ask an "
    "administrator if you need it."
)
JOB_DENIED = (
    "This job was queued by someone else: you can see the jobs you queued, under Reports › "
    "Jobs. Administrators see every job."
)
JOB_FILE_DENIED = (
    "Downloading this job's file needs the permission its work needs, such as “Can view "
    "affiliate click reports” for a click export. Ask an administrator if you need it."
)
LINK_HEALTH_DENIED = (
    "The link health report is for people who can change affiliate links. Ask an "
    "administrator if you need it."
)


def can_view_click_reports(user: AnyUser) -> bool:
    return user.has_perm(VIEW_CLICK_REPORTS)


def can_view_earnings(user: AnyUser) -> bool:
    return user.has_perm(VIEW_EARNINGS)


def can_export_clicks(user: AnyUser) -> bool:
    # Raw clicks are report data: the same permission as the click reports.
    return can_view_click_reports(user)


def can_import_links(user: AnyUser) -> bool:
    return user.has_perms(IMPORT_LINKS)


def can_manage_link_health(user: AnyUser) -> bool:
    # Whoever can fix a link decides whether its warning still matters.
    return user.has_perm(CHANGE_LINKS)


def can_check_link_now(user: AnyUser) -> bool:
    # A check only updates the link's health, which these users already manage.
    return can_manage_link_health(user)


#: What a click export's file needs, stored with its job: the export's own permission.
CLICK_EXPORT_PERMISSIONS = (VIEW_CLICK_REPORTS,)


def can_see_job(user: AnyUser, job: Any) -> bool:
    """A job's page is for the person who queued it, and for superusers."""
    return user.is_superuser or (job.queued_by_id is not None and job.queued_by_id == user.pk)


def can_download_job_file(user: AnyUser, job: Any) -> bool:
    """Its file also needs the permissions of its work (``job.download_permissions``),
    checked now: someone who has lost them since can no longer download it."""
    return can_see_job(user, job) and user.has_perms(job.download_permissions)


def permission_denied(request: HttpRequest, message: str) -> TemplateResponse:
    """The app's 403: a real one, in the admin's clothes, saying what is missing."""
    return TemplateResponse(
        request,
        "affiliates/permission_denied.html",
        {"page_title": "Permission denied", "message": message},
        status=403,
    )


class PermissionRequiredMixin(_ViewBase):
    """For admin views: ``permission_test(user)`` or ``permission_denied``."""

    denied_message = ""

    @staticmethod
    def permission_test(user: AnyUser) -> bool:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.permission_test(request.user):
            return permission_denied(request, self.denied_message)
        return super().dispatch(request, *args, **kwargs)


class PermittedMenuItem(MenuItem):
    """A menu item shown only to users who pass ``permission_test``."""

    def __init__(
        self, *args: Any, permission_test: Callable[[AnyUser], bool], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.permission_test = permission_test

    def is_shown(self, request: HttpRequest) -> bool:
        return self.permission_test(request.user)
