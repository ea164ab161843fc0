"""Answer /go/<slug>/ redirects and pings before the rest of the middleware stack.

A redirect needs no session, user, CSRF check, CSP header or page cache, and it is
the hottest path on the site, so the common case (a known link, GET or HEAD, or a
ping's POST) is answered right after Django's security middleware. The Host header is
checked first, as for every other address: a foreign Host gets Django's 400.
Everything else (unknown or gone links, other methods, a database outage) falls
through to the normal view, which renders the site's own pages for them. So does a
request carrying a session: it may be someone signed in to the admin, whose clicks are
flagged as staff (that needs the user, which the session and auth middleware further
down provide).
"""

import re

from django.conf import settings
from django.db import DatabaseError

from . import link_cache
from .views import ping_answer, redirect_for

GO_PATH = re.compile(r"^/go/(?P<slug>[-a-zA-Z0-9_]+)/(?P<ping>ping/)?$")


class AffiliateRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = GO_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        request.get_host()  # DisallowedHost: a 400, like every other address
        method = "POST" if match["ping"] else ("GET", "HEAD")
        if request.method in method and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            try:
                link = link_cache.find_link(match["slug"])
            except DatabaseError:
                link = None
            if link is not None:
                response = ping_answer(request, link) if match["ping"] else None
                if response is None and not match["ping"]:
                    response = redirect_for(request, link)
                if response is not None:
                    return response
        return self.get_response(request)
