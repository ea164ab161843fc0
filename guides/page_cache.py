"""Full-page cache for anonymous readers, kept in the shared (Redis) cache.

Requests that carry no cookies at all are readers who have never signed in; they get
pages from the cache. Editors, previews, the admin, ``/go/`` redirects, search with a
query, and any response that sets a cookie or says ``private``/``no-store``/``no-cache``
bypass it.

Any publish, move or delete of a page, and any change to a snippet or setting pages
show, starts a new cache *generation*. Each cached page records the generation it was
rendered in and is only served while that is still current, so everything readers see
is replaced on its next request, without knowing which pages showed the changed thing.
A hit costs one round trip to the cache: the generation and the page are read together.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

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


def page_key(request):
    # Hashed: addresses can be longer than cache backends accept as keys.
    address = f"{request.get_host()}{request.get_full_path()}".encode()
    return f"page-cache:page:{hashlib.sha256(address).hexdigest()}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.timeout = settings.PAGE_CACHE_SECONDS

    def __call__(self, request):
        if not self.timeout or not self.request_is_cacheable(request):
            return self.get_response(request)
        key = page_key(request)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = current_generation()
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return self.rebuild(entry)
        response = self.get_response(request)
        if self.response_is_cacheable(request, response):
            response["X-Page-Cache"] = "MISS"
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.add_post_render_callback(lambda r: self.store(key, generation, r))
            else:
                self.store(key, generation, response)
        return response

    def store(self, key, generation, response):
        headers = [(name, value) for name, value in response.items() if name != "X-Page-Cache"]
        cache.set(key, (generation, response.status_code, headers, response.content), self.timeout)

    @staticmethod
    def rebuild(entry):
        _, status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "HIT"
        return response

    @staticmethod
    def request_is_cacheable(request):
        return (
            request.method in ("GET", "HEAD")
            and not request.COOKIES
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
