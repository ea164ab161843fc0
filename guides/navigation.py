"""Site-wide things every page shows (menu, footer links, settings), cached.

They change only when pages are published, moved, deleted or made private or public,
or settings change, all of which start a new page-cache generation; so they are cached
per generation and a page render reads them with one cache lookup instead of several
queries.
"""

from django.core.cache import cache
from wagtail.models import Page, PageViewRestriction, Site

from affiliates.models import DisclosureSettings

from . import seo
from .page_cache import current_generation

TIMEOUT = 60 * 60


def _generation(request):
    generation = getattr(request, "_site_generation", None)
    if generation is None:
        generation = request._site_generation = current_generation()
    return generation


def _cached(request, name, compute):
    generation = _generation(request)
    site = Site.find_for_request(request)
    key = f"site:{generation}:{site.pk if site else 0}:{name}"
    return cache.get_or_set(key, compute, TIMEOUT)


_NO_SITE = "no-site"
#: The admin (left to Wagtail) and the click endpoints, which never ask for the site:
#: a cache round trip there would only slow the redirect down.
NOT_FOR_SITE_PAGES = ("/admin/", "/go/", "/healthz/")


class CachedSiteMiddleware:
    """Give Wagtail the request's site, with its home page, from the shared cache.

    Wagtail looks the site up in the database on every request, then its home page;
    everything that asks afterwards (routing, settings, ``{% wagtail_site %}``) takes
    what ``request._wagtail_site`` holds. Sites and home pages change only with a new
    generation (a site saved or deleted, the home page published), so they are cached
    per generation, host and port, as Wagtail's own ``Site.find_for_request`` finds them.
    The admin is left to Wagtail: editors changing sites see them as they are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(NOT_FOR_SITE_PAGES):
            # Only for a host Django accepts (this raises DisallowedHost, a 400, for
            # others), so nobody can fill the cache with made-up hosts.
            host = request.get_host()
            key = f"site:{_generation(request)}:host:{host}:{request.get_port()}"
            try:
                site = cache.get(key)
                if site is None:
                    site = Site._find_for_request(request)
                    if site is not None:
                        site.root_page = site.root_page.specific
                    cache.set(key, site or _NO_SITE, TIMEOUT)
            except Exception:  # noqa: BLE001, S110
                # A database or cache that fails here is left for Wagtail to meet when
                # (and only if) the view asks for the site: the request then succeeds or
                # fails, and is reported, exactly as it would without this middleware.
                pass
            else:
                request._wagtail_site = None if site == _NO_SITE else site
        return self.get_response(request)


def any_restrictions():
    """Whether any page is behind a login, password or group restriction. Every change
    to a restriction starts a new generation (``guides.apps``)."""
    key = f"site:{current_generation()}:any-restrictions"
    found = cache.get(key)
    if found is None:
        found = PageViewRestriction.objects.exists()
        cache.set(key, found, TIMEOUT)
    return found


def ancestors(request, page, from_depth):
    """``page``'s ancestors from ``from_depth`` down. Cached per parent: they change only
    when pages above it are published, moved or deleted, which start a new generation."""
    parent_path = page.path[: -page.steplen]
    return _cached(
        request,
        f"ancestors:{parent_path}:{from_depth}",
        lambda: list(
            Page.objects.filter(
                path__in=[
                    parent_path[:end]
                    for end in range(page.steplen, len(parent_path) + 1, page.steplen)
                ]
            )
            .filter(depth__gte=from_depth)
            .order_by("path")
        ),
    )


def restricted_paths(request):
    """Tree paths of pages behind a login, password or group restriction."""
    return _cached(
        request,
        "restricted",
        lambda: list(PageViewRestriction.objects.values_list("page__path", flat=True)),
    )


def public(request, queryset):
    """Like ``PageQuerySet.public()``, using the cached list of restricted pages."""
    for path in restricted_paths(request):
        queryset = queryset.exclude(path__startswith=path)
    return queryset


def is_public(request, page):
    """Whether ``page`` is neither behind a restriction nor below a page that is."""
    return not any(page.path.startswith(path) for path in restricted_paths(request))


def _links(pages):
    return [
        {"pk": page.pk, "title": page.title, "url": page.url, "path": page.path} for page in pages
    ]


def menu_items(request, root):
    """The home page's live, public children marked "show in menus"."""
    return _cached(
        request,
        "menu",
        lambda: _links(public(request, root.get_children().live().in_menu())),
    )


def footer_links(request, pages):
    """The disclosure page, then the public ones of ``pages``.

    ``pages`` is a queryset the caller builds, since the page models import this module;
    it is only run when the cached links are missing.
    """

    def compute():
        disclosure = site_setting(request, DisclosureSettings).disclosure_page
        shown = [disclosure] if disclosure and disclosure.live else []
        return _links(shown) + _links(public(request, pages))

    return _cached(request, "footer", compute)


def site_setting(request, model):
    """A site setting (``BaseSiteSetting``) for the request's site."""
    site = Site.find_for_request(request)

    def compute():
        setting = model.for_site(site)
        # Load chosen pages and images now, so they are cached along with the setting.
        for field in setting._meta.concrete_fields:
            if field.is_relation and field.name != "site":
                getattr(setting, field.name)
        return setting

    return _cached(request, f"setting:{model._meta.label}", compute)


def social_image_url(request, image):
    """Absolute URL of the 1200×630 sharing rendition of ``image``."""
    if image is None:
        return None
    return _cached(
        request,
        f"social-image:{image.pk}:{image.file_hash}",
        # On the site's address, not the Host header: this is cached for every reader.
        lambda: seo.absolute_url(request, image.get_rendition("fill-1200x630").url),
    )
