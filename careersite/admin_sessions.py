"""Signed-in sessions end after a quiet spell, and in any case after a working day.

Only sessions that belong to a signed-in user are looked at: readers carry no session
cookie, and nothing here gives them one, which the page cache and Varnish rely on.

- ``ADMIN_IDLE_TIMEOUT_MINUTES`` (default 60): a session with no request for that long is
  signed out at its next request.
- ``ADMIN_SESSION_MAX_HOURS`` (default 12): a session is signed out that long after it
  began, however busy; ``SESSION_COOKIE_AGE`` is the same, so the browser drops the
  cookie then too.

Saving a session is a database write, so the time of the last request is stored at most
once a minute rather than on every admin request (``SESSION_SAVE_EVERY_REQUEST`` would
write each time). The idle time is therefore measured to the minute.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.urls import reverse

SIGNED_IN_AT = "careersite_signed_in_at"
LAST_SEEN_AT = "careersite_last_seen_at"
RECORD_EVERY_SECONDS = 60


class AdminIdleTimeoutMiddleware:
    """Signs out sessions left idle, or open too long; after ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # SESSION_KEY rather than request.user: no user query on the way, and a request
        # without a session cookie reads nothing at all.
        if SESSION_KEY in request.session:
            self.check(request)
        response = self.get_response(request)
        if SESSION_KEY in request.session and SIGNED_IN_AT not in request.session:
            # Signed in by this request (the sign-in form, or a session from before this
            # middleware): the clocks start now.
            now = int(time.time())
            request.session.update({SIGNED_IN_AT: now, LAST_SEEN_AT: now})
        return response

    def check(self, request):
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)

        idle = now - last_seen_at >= settings.ADMIN_IDLE_TIMEOUT_MINUTES * 60
        too_long = now - signed_in_at >= settings.ADMIN_SESSION_MAX_HOURS * 60 * 60
        if idle or too_long:
            logout(request)
            # Told on the sign-in page the admin sends them to; not after signing in again.
            admin = request.path.startswith(reverse("wagtailadmin_home"))
            if admin and request.path != reverse("wagtailadmin_login"):
                reason = (
                    f"after {settings.ADMIN_IDLE_TIMEOUT_MINUTES} minutes without activity"
                    if idle
                    else f"{settings.ADMIN_SESSION_MAX_HOURS} hours after you signed in"
                )
                messages.info(request, f"You were signed out {reason}. Please sign in again.")
        elif now - last_seen_at >= RECORD_EVERY_SECONDS:
            session[LAST_SEEN_AT] = now
