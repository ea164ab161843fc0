"""Full-page cache for anonymous readers, kept in the shared (Redis) cache.

Readers without a session get pages from the cache; editors, previews, the admin,
``/go/`` redirects, search with a query and any response that sets a cookie or
says ``private``/``no-store`` bypass it. Any publish, move or delete of a page, and
any change to a snippet or setting pages show, starts a new cache *generation*:
keys carry the generation number, so every cached page is replaced on its next
request without having to know which pages showed the changed thing.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import get_cache_key, learn_cache_key

GENERATION_KEY = "page-cache:generation"
BYPASS_PREFIXES = ("/admin/", "/go/", "/documents/", "/django-admin/")


def current_generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def invalidate_pages(**kwargs):
    """Start a new generation, so readers get freshly rendered pages."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def invalidate_on_change(sender, created=False, **kwargs):
    """A new link, partner, image or settings row shows on no page until a page changes."""
    if not created:
        invalidate_pages()


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.timeout = settings.PAGE_CACHE_SECONDS

    def __call__(self, request):
        if not self.timeout or not self.request_is_cacheable(request):
            return self.get_response(request)
        prefix = f"pages:{current_generation()}"
        key = get_cache_key(request, prefix, "GET", cache=cache)
        if key is not None:
            cached = cache.get(key)
            if cached is not None:
                cached["X-Page-Cache"] = "HIT"
                return cached
        response = self.get_response(request)
        if self.response_is_cacheable(request, response):
            response["X-Page-Cache"] = "MISS"
            key = learn_cache_key(request, response, self.timeout, prefix, cache=cache)
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.add_post_render_callback(lambda r: cache.set(key, r, self.timeout))
            else:
                cache.set(key, response, self.timeout)
        return response

    @staticmethod
    def request_is_cacheable(request):
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
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
