"""Full-page cache for anonymous readers, kept in the shared (Redis) cache.

Readers who carry none of Django's own cookies (session, CSRF, messages) get pages
from the cache; analytics and consent cookies, which the app never reads, make no
difference. Editors, previews, the admin, ``/go/`` redirects, search with a query,
and any response that sets a cookie or says ``private``/``no-store``/``no-cache``
bypass it.

A cached page is keyed by host, path and only the query parameters its view reads:
``page_cache_query_parameters`` on the page type (``BasePage`` reads none, sections
read ``page``), ``@reads_query_parameters(...)`` on other views, and
DEFAULT_QUERY_PARAMETERS for views that say nothing. Each entry records the
parameters it was keyed by, so ``/?utm_source=x`` is answered from the entry for
``/`` without a render. An entry is served only to requests that give the same key
under its own parameters, so a reader never gets a page rendered for other values.

Two kinds of invalidation, both without knowing the cache's keys:

- **Everything** (``invalidate_pages``): a move or delete of a page, a publish of the
  home page or a section (menus and footers show them), any change to a page's
  privacy, and any change to a snippet or setting pages show start a new cache
  *generation*. Each cached page records the generation it was rendered in and is
  only served while that is still current.
- **Some addresses** (``invalidate_paths``): publishing or unpublishing a guide changes
  only the pages that show it (``guides.signal_handlers`` works out which). Each path
  has a *version* of its own, recorded in its entries beside the generation; a new
  version retires every entry for that path, whatever its query string or host, and
  leaves every other page cached.

A hit costs one round trip to the cache (two for a query string that changes the
page): the generation, the path's version and the page are read together. Versions
and the generation never expire, and one missing (evicted) is replaced by a new
random value, so an entry can't come back to life.

Each process also keeps the pages it has just served from the shared cache for
``PAGE_CACHE_LOCAL_SECONDS`` (1 by default, at most ``LOCAL_PAGES`` of them), so a
busy page costs no round trip at all most of the time. Invalidating forgets them in
the process that invalidates at once; other app servers serve their copy for at most
that long after a publish, as they do a changed link (``LOCAL_LINK_SECONDS``).
"""

import functools
import hashlib
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.encoding import escape_uri_path

GENERATION_KEY = "page-cache:generation"
# Health checks go straight to their view: a lookup first would wait on a hung Redis
# before the check could start its clock (careersite/healthz.py).
BYPASS_PREFIXES = (
    "/admin/",
    "/go/",
    "/documents/",
    "/media/",
    "/django-admin/",
    "/_health/",
    "/healthz/",
)
# Pagination and search: what a view that declares nothing might read. The front
# cache keeps the same names (deploy/varnish/default.vcl) and drops every other one.
DEFAULT_QUERY_PARAMETERS = ("page", "p", "q")


PATH_VERSION_PREFIX = "page-cache:path:"
#: The most pages a process keeps beside the shared cache (about 16 KB each).
LOCAL_PAGES = 500

_local_pages = {}  # page key -> (monotonic expiry, entry)


def forget_local_pages():
    """Forget the pages this process keeps (on every invalidation, and in tests)."""
    _local_pages.clear()


def current_generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def _start_generation():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def invalidate_pages(**kwargs):
    """Start a new generation, so readers get freshly rendered pages.

    And again once the change is committed: a reader whose page was rendered from the
    old data in between (a page just made private, say) would otherwise have cached
    it in the new generation.
    """
    forget_local_pages()
    _start_generation()
    transaction.on_commit(_start_generation)


def path_version_key(path):
    """Where the version of every cached page at URL path ``path`` is kept (any host)."""
    return f"{PATH_VERSION_PREFIX}{hashlib.sha256(path.encode()).hexdigest()}"


def _new_versions(paths):
    forget_local_pages()
    cache.set_many({path_version_key(path): secrets.token_hex(8) for path in paths}, None)


def current_path_version(path, found=None):
    """The path's version (``found``: what a ``get_many`` already read)."""
    key = path_version_key(path)
    version = (found or {}).get(key)
    if version is None:
        cache.add(key, secrets.token_hex(8), None)
        version = cache.get(key)
    return version


def invalidate_paths(paths):
    """Retire the cached pages at these URL paths (``/guides/tips/``), for every host and
    query string; other pages stay cached. Again once the change is committed, for the
    reason ``invalidate_pages`` gives."""
    paths = set(paths)
    _new_versions(paths)
    transaction.on_commit(lambda: _new_versions(paths))


def invalidate_on_change(sender, created=False, **kwargs):
    """A new link, partner, image or settings row shows on no page until a page changes."""
    if not created:
        invalidate_pages()


def reads_query_parameters(*names):
    """Declare the query parameters a view reads; the page cache ignores all others."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.page_cache_query_parameters = names
            return response

        return wrapper

    return decorator


def query_parameters_read_by(response):
    declared = getattr(response, "page_cache_query_parameters", None)
    if declared is None:
        # A Wagtail page's response carries the page in its context.
        page = (getattr(response, "context_data", None) or {}).get("page")
        declared = getattr(page, "page_cache_query_parameters", None)
    return DEFAULT_QUERY_PARAMETERS if declared is None else tuple(declared)


def page_key(request, parameters=()):
    """The key for ``request`` when only ``parameters`` of its query string count."""
    kept = sorted(
        (
            (name, value)
            for name, values in request.GET.lists()
            if name in parameters
            for value in values
        ),
        key=lambda pair: pair[0],
    )
    address = f"{request.get_host()}{escape_uri_path(request.path)}?{urlencode(kept)}"
    # Hashed: addresses can be longer than cache backends accept as keys. "v3": entries
    # hold the generation and path version they were rendered in and the parameters
    # they were keyed by; a release must never read older ones.
    return f"page-cache:v3:{hashlib.sha256(address.encode()).hexdigest()}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.timeout = settings.PAGE_CACHE_SECONDS
        self.local_seconds = settings.PAGE_CACHE_LOCAL_SECONDS
        # The cookies Django itself reads: a reader carrying one may see a page of
        # their own (signed in, a form's token, a flash message).
        self.personal_cookies = {
            settings.SESSION_COOKIE_NAME,
            settings.CSRF_COOKIE_NAME,
            CookieStorage.cookie_name,
        }

    def __call__(self, request):
        if not self.timeout or not self.request_is_cacheable(request):
            return self.get_response(request)
        versions, response = self.lookup(request)
        if response is not None:
            return response
        # The render reads the site's cached menu, footer and settings for the same
        # generation the entry is stored under, without asking the cache for it again.
        request._site_generation = versions[0]
        response = self.get_response(request)
        if self.response_is_cacheable(request, response):
            response["X-Page-Cache"] = "MISS"
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.add_post_render_callback(lambda r: self.store(request, versions, r))
            else:
                self.store(request, versions, response)
        return response

    def lookup(self, request):
        """``(generation, path version)`` now, and the cached response or None."""
        page_only = page_key(request)
        local = _local_pages.get(page_only)
        if local is not None and local[0] > time.monotonic():
            entry = local[1]
            # With a query string, only if the page reads none of it (as ``valid``).
            if not request.GET or page_key(request, entry[1]) == page_only:
                return entry[0], self.rebuild(entry)
        version_key = path_version_key(request.path)
        found = cache.get_many([GENERATION_KEY, version_key, page_only])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = current_generation()
        versions = (generation, current_path_version(request.path, found))
        response = self.valid(request, versions, page_only, found.get(page_only))
        if response is not None and self.local_seconds:
            if len(_local_pages) >= LOCAL_PAGES:
                _local_pages.clear()
            expiry = time.monotonic() + self.local_seconds
            _local_pages[page_only] = (expiry, found[page_only])
        if response is not None or not request.GET:
            return versions, response
        # The parameters the page at this path reads, if it is cached without any.
        bare = found.get(page_only)
        parameters = bare[1] if bare and bare[0] == versions else DEFAULT_QUERY_PARAMETERS
        key = page_key(request, parameters)
        if key == page_only:
            return versions, None
        return versions, self.valid(request, versions, key, cache.get(key))

    @classmethod
    def valid(cls, request, versions, key, entry):
        if entry is None or entry[0] != versions or page_key(request, entry[1]) != key:
            return None
        return cls.rebuild(entry)

    def store(self, request, versions, response):
        parameters = query_parameters_read_by(response)
        headers = [(name, value) for name, value in response.items() if name != "X-Page-Cache"]
        entry = (versions, parameters, response.status_code, headers, response.content)
        cache.set(page_key(request, parameters), entry, self.timeout)

    @staticmethod
    def rebuild(entry):
        _, _, status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "HIT"
        return response

    def request_is_cacheable(self, request):
        return (
            request.method in ("GET", "HEAD")
            and self.personal_cookies.isdisjoint(request.COOKIES)
            and not request.path.startswith(BYPASS_PREFIXES)
        )

    @staticmethod
    def response_is_cacheable(request, response):
        cache_control = response.get("Cache-Control", "").lower()
        user = getattr(request, "user", None)
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
            and not (user is not None and user.is_authenticated)
        )
