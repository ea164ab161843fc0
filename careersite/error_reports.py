"""What an error report may say about the request that failed, wherever it goes.

Error reports leave the site by two routes: mail to ADMINS (Django's AdminEmailHandler)
and, when SENTRY_DSN is set, Sentry. Both keep what helps find the fault (the traceback,
the path, the method, the status) and drop what identifies a reader: client addresses,
cookies, form fields, query strings and who was signed in.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

# Request headers an error report may keep: they describe the request, not the person.
# Anything else (Cookie, Authorization, X-Forwarded-For, X-Real-IP, Referer, …) is dropped.
SHAREABLE_REQUEST_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "user-agent",
        "x-forwarded-proto",
    }
)
# Request parts Sentry may fill in that can carry personal data: cookies, the body (a
# sign-in form's user name), the query string (a search typed by a reader) and the WSGI
# environment (REMOTE_ADDR).
PERSONAL_REQUEST_PARTS = ("cookies", "data", "query_string", "env")


def without_personal_data(event, hint):
    """Sentry's ``before_send``: the event with no addresses, cookies or user data left."""
    event.pop("user", None)
    request = event.get("request")
    if request:
        for part in PERSONAL_REQUEST_PARTS:
            request.pop(part, None)
        request["headers"] = {
            name: value
            for name, value in (request.get("headers") or {}).items()
            if name.lower() in SHAREABLE_REQUEST_HEADERS
        }
    # A record logged with the request (django.security's, for one) carries it as an
    # extra, and its repr includes the query string.
    event.get("extra", {}).pop("request", None)
    for breadcrumb in (event.get("breadcrumbs") or {}).get("values", []):
        (breadcrumb.get("data") or {}).pop("request", None)
    return event


class PersonalDataFreeReporterFilter(SafeExceptionReporterFilter):
    """What error mails to ADMINS show of a request: no addresses, cookies or form fields."""

    # Django's list, plus the request headers and variables that hold client addresses.
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE"
        "|REMOTE_ADDR|REMOTE_HOST|FORWARDED|REAL_IP|CLIENT_IP",
        flags=re.IGNORECASE,
    )

    def get_safe_cookies(self, request):
        return dict.fromkeys(getattr(request, "COOKIES", {}), self.cleansed_substitute)

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for name in cleansed:
            cleansed[name] = self.cleansed_substitute
        return cleansed
