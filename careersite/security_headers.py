"""The browser-security headers: which policy each response carries.

Readers get ``CONTENT_SECURITY_POLICY``, a strict policy (no inline script or style,
no framing, no ``<base>``). The Wagtail admin, including its page previews, gets
``ADMIN_CONTENT_SECURITY_POLICY``: its editor still needs inline scripts and styles,
and it shows previews of pages in a frame. Every response, cached or not, says
which browser features (camera, microphone, payment, ...) no page of ours may use.
"""

from functools import cached_property

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admin's policy under the admin's address."""

    @cached_property
    def admin_prefix(self):
        # Resolved on first use: the URLconf is not loaded when middleware is built.
        return reverse("wagtailadmin_home")

    def is_admin(self, request):
        # Previews and "view draft" render the page through the whole middleware stack
        # again, for a stand-in request at the page's own address that Wagtail marks
        # ``is_preview``; the admin shows them in a frame.
        return request.path.startswith(self.admin_prefix) or getattr(request, "is_preview", False)

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        # A view's own @csp decorator (parts.config) still wins, as django-csp documents.
        if not report_only and parts.config is None and self.is_admin(request):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` (from ``PERMISSIONS_POLICY``) to every response.

    Placed before the page cache and the affiliate redirect, which answer early, so
    cached pages and redirects carry it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
