"""Keeps the admin shut to a session that has only a password where a code is due.

Runs after django-otp's ``OTPMiddleware``, which tells whether this session gave a code.
Two cases need one:

- the user has an authenticator app: the admin sends them to the code prompt, and
- ``SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS`` is on and a superuser has none yet: the
  admin sends them to set one up.

Outside the admin such a session is a reader: private pages, documents and the editor's
bar on pages all see an anonymous user, so a stolen password alone shows nothing.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import urlencode

from .devices import has_second_factor

# What a session waiting to give a code may still open: the way out, the step itself,
# and the assets the admin's own sign-in pages load.
OPEN_BEFORE_THE_CODE = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
}
VERIFY = "two_factor:verify"
SET_UP = "two_factor:set_up"


class SecondFactorMiddleware(MiddlewareMixin):
    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None

        if has_second_factor(user):
            step = VERIFY
        elif user.is_superuser and settings.SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS:
            step = SET_UP
        else:
            return None

        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_THE_CODE | {step}:
            return None
        if request.path.startswith(reverse("wagtailadmin_home")):
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        request.user = AnonymousUser()
        request.auser = _anonymous
        return None


async def _anonymous():
    return AnonymousUser()
