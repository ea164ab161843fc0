"""Site-wide things every page shows (menu, footer links, settings), cached.

They change only when pages are published, moved, deleted or made private or public,
or settings change, all of which start a new page-cache generation; so they are cached
per generation and a page render reads them with one cache lookup instead of several
queries.
"""

from django.core.cache import cache
from wagtail.models import PageViewRestriction, Site

from affiliates.models import DisclosureSettings

from . import seo
from .page_cache import current_generation

TIMEOUT = 60 * 60


def _cached(request, name, compute):
    generation = getattr(request, "_site_generation", None)
    if generation is None:
        generation = request._site_generation = current_generation()
    site = Site.find_for_request(request)
    key = f"site:{generation}:{site.pk if site else 0}:{name}"
    return cache.get_or_set(key, compute, TIMEOUT)


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
