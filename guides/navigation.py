"""Site-wide things every page shows (menu, footer links, settings), cached.

They change only when pages are published, moved, deleted or made private or public,
or settings change, all of which start a new page-cache generation; so they are cached
per generation and a page render reads them with one cache lookup instead of several
queries.
"""

import hashlib
import json
import logging
from contextvars import ContextVar

from django.core.cache import cache
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page, PageViewRestriction, Site

from affiliates.content.rich_text import prefetched_links
from affiliates.models import DisclosureSettings

from . import seo
from .page_cache import current_generation, current_path_version, path_version_key

logger = logging.getLogger(__name__)

TIMEOUT = 60 * 60
#: The request CachedSiteMiddleware is serving, for code Wagtail calls without one.
_serving = ContextVar("serving_request", default=None)


def _generation(request):
    generation = getattr(request, "_site_generation", None)
    if generation is None:
        generation = request._site_generation = current_generation()
    return generation


#: What nearly every page shows: fetched together, in one cache round trip, by the
#: first of them a render asks for.
FURNITURE = (
    "any-restrictions",
    "restricted",
    "menu",
    "footer",
    "setting:guides.SearchAndSharingSettings",
    "setting:affiliates.DisclosureSettings",
)


def _cached(request, name, compute, together=()):
    """``name`` for the request's site and generation, from the cache, else computed
    and stored. The first call of a request fetches the site's FURNITURE with it,
    later ones what they name ``together``: each in one round trip."""
    generation = _generation(request)
    site = Site.find_for_request(request)
    prefix = f"site:{generation}:{site.pk if site else 0}:"
    found = getattr(request, "_site_furniture", None)
    if found is None or found[0] != prefix:
        found = request._site_furniture = (prefix, {})
        together = (*FURNITURE, *together)
    key = prefix + name
    if key not in found[1]:
        names = dict.fromkeys((name, *together))
        found[1].update(dict.fromkeys(prefix + each for each in names))
        found[1].update(cache.get_many([prefix + each for each in names]))
    value = found[1].get(key)
    if value is None:
        value = cache.get_or_set(key, compute, TIMEOUT)
        found[1][key] = value
    return value


_NO_SITE = "no-site"
#: The admin (left to Wagtail), the click endpoints and uploads, which never ask for
#: the site: a cache round trip there would only slow them down.
NOT_FOR_SITE_PAGES = ("/admin/", "/go/", "/healthz/", "/media/")


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
            prefix = f"site:{_generation(request)}:host:{host}:{request.get_port()}"
            key = f"{prefix}:site"
            # Hashed: a client chooses the path, and keys should not carry its bytes.
            route_key = f"{prefix}:route:{hashlib.sha256(request.path.encode()).hexdigest()}"
            version_key = path_version_key(request.path)
            try:
                found = cache.get_many([key, route_key, version_key])
                entry = found.get(key)
                request._path_version_found = {version_key: found.get(version_key)}
                request._route_hint_key = route_key
                request._route_hint = found.get(route_key)
                if entry is None:
                    site = Site._find_for_request(request)
                    if site is not None:
                        site.root_page = site.root_page.specific
                    # Every page URL is built from the sites' root paths, which Wagtail
                    # would otherwise fetch from the cache once more per request.
                    entry = (site or _NO_SITE, Site.get_site_root_paths())
                    cache.set(key, entry, TIMEOUT)
            except Exception:  # noqa: BLE001, S110
                # A database or cache that fails here is left for Wagtail to meet when
                # (and only if) the view asks for the site: the request then succeeds or
                # fails, and is reported, exactly as it would without this middleware.
                pass
            else:
                site, root_paths = entry
                request._wagtail_site = None if site == _NO_SITE else site
                request._wagtail_cached_site_root_paths = root_paths
            token = _serving.set(request)
            try:
                return self.get_response(request)
            finally:
                _serving.reset(token)
        return self.get_response(request)


def content_fragment(request, page, *values):
    """How the rendering of ``page``'s own content (``values``: its fields that the
    rendering shows) is cached and reused, for ``{% cache %}``; None for previews.

    The key is everything that rendering depends on: the content itself (a digest,
    so any edit, saved as a revision or not, makes a new key), the page (links on it
    are signed for it), the address it is served on (a direct link's ping names it),
    and the generation, which every change to links, partners, images, settings,
    privacy and page addresses starts. A page whose neighbours or listings change
    (only its path's version) renders again around the same content.
    """
    if getattr(request, "is_preview", False):
        return None
    digest = hashlib.blake2b(digest_size=16)
    for value in values:
        raw = getattr(value, "raw_data", None)
        text = json.dumps(list(raw), default=str) if raw is not None else str(value or "")
        digest.update(text.encode())
        digest.update(b"\0")
    address = f"{request.scheme}://{request.get_host()}"
    return {
        "seconds": _seconds_until_a_link_changes(TIMEOUT),
        "key": f"{_generation(request)}:{address}:{page.pk}:{digest.hexdigest()}",
    }


def page_fragment(request, page, content):
    """How the rest of ``page``'s rendering is cached and reused, for ``{% cache %}``:
    its ``<head>`` meta (description, canonical, sharing tags, JSON-LD) and everything
    in ``<main>`` around its content (heading, byline, disclosure, previous and next,
    related guides). None when ``content`` (its content_fragment) is None, as for
    previews.

    ``content``'s key covers the page's own fields and content, and the generation
    (settings, links and partners, images, people, the site, sections' titles) and the
    address. The rest is the page's neighbours and what editors chose to show beside
    it, which a publish of the page or of a page it shows changes by giving its address
    a new version: the same rule as its neighbours' cache. Only the menu, breadcrumb,
    footer and editors' userbar are rendered each time (from cached furniture).
    """
    name = None if content is None else _neighbours_name(request, page)
    if name is None:
        return None
    return {"seconds": content["seconds"], "key": f"{content['key']}:{name}"}


def _seconds_until_a_link_changes(longest):
    """``longest``, or fewer: until the next start or expiry of a link on the page being
    rendered, when a direct link turns into its fallback (or back) with no one saving
    anything that would start a new generation."""
    now = timezone.now()
    moments = [
        moment
        for link in prefetched_links().values()
        for moment in (link.starts_at, link.expires_at)
        if moment is not None and moment > now
    ]
    if not moments:
        return longest
    return max(0, min(longest, int((min(moments) - now).total_seconds())))


def _neighbours_name(request, page):
    """The cache name of ``page``'s neighbours, or None when they are not cached.

    Asked for by the neighbours, the links, the meta and the round trip that reads them
    ahead, so it is worked out once per request and page: without a page-cache entry to
    lend it the path's version, each answer would cost Redis two round trips."""
    names = request.__dict__.setdefault("_neighbours_names", {})
    if page.pk not in names:
        names[page.pk] = _find_neighbours_name(request, page)
    return names[page.pk]


def _find_neighbours_name(request, page):
    parts = None if getattr(request, "is_preview", False) else page.get_url_parts(request)
    if not parts or parts[2] is None:
        return None
    version = current_path_version(parts[2], getattr(request, "_path_version_found", None))
    return f"neighbours:{page.pk}:{version}"


def _read_next(request, page):
    """What a guide's render asks for after its links: its neighbours and the
    breadcrumb's ancestors, so that all three come in one round trip."""
    site = Site.find_for_request(request)
    names = [_neighbours_name(request, page)]
    if site is not None:
        names.append(_ancestors_name(page, site.root_page.depth))
    return [name for name in names if name]


def neighbours(request, page, compute):
    """What ``compute`` finds around ``page`` (its section's other guides, those chosen
    as related): cached until the page's address gets a new version, which publishing
    or unpublishing any guide it shows gives it (``guides.signal_handlers``), exactly
    as the page cache's own entry for it. Previews, which may show unsaved choices,
    always compute."""
    name = _neighbours_name(request, page)
    if name is None:
        return compute()
    return _cached(request, name, compute, _read_next(request, page))


def affiliate_links(request, page, ids, compute):
    """``compute()``: a page's links by id, cached per generation and set of ids."""
    name = f"links:{hashlib.sha256(','.join(map(str, ids)).encode()).hexdigest()[:32]}"
    return _cached(request, name, compute, _read_next(request, page))


def route_hint(request):
    """``(content type id, page id)`` of the page this request's path led to before,
    or None. A hint only: the caller checks the page still lives at that address."""
    return getattr(request, "_route_hint", None)


def remember_route(request, page):
    """Remember which page the request's path led to, for the next request for it.

    Only pages found are remembered, so made-up paths cannot fill the cache; and only
    for requests CachedSiteMiddleware saw, whose host Django accepted.
    """
    key = getattr(request, "_route_hint_key", None)
    if key is not None:
        try:
            cache.set(key, (page.content_type_id, page.pk), TIMEOUT)
        except Exception:  # noqa: BLE001, S110
            pass  # A cache that fails here only costs the next request a query.


def any_restrictions():
    """Whether any page is behind a login, password or group restriction. Every change
    to a restriction starts a new generation (``guides.apps``).

    Wagtail asks through ``Page.get_view_restrictions()``, which gets no request: the
    request being served, when there is one, lends its generation and cached answers.
    """
    request = _serving.get()
    if request is not None:
        return _cached(request, "any-restrictions", PageViewRestriction.objects.exists)
    key = f"site:{current_generation()}:any-restrictions"
    found = cache.get(key)
    if found is None:
        found = PageViewRestriction.objects.exists()
        cache.set(key, found, TIMEOUT)
    return found


def _ancestors_name(page, from_depth):
    return f"ancestors:{page.path[: -page.steplen]}:{from_depth}"


def ancestors(request, page, from_depth):
    """``page``'s ancestors from ``from_depth`` down. Cached per parent: they change only
    when pages above it are published, moved or deleted, which start a new generation."""
    parent_path = page.path[: -page.steplen]
    return _cached(
        request,
        _ancestors_name(page, from_depth),
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
    """The disclosure page, then the public ones of ``pages()``.

    ``pages`` returns a queryset the caller builds, since the page models import this
    module; it is only built and run when the cached links are missing (building one
    costs as much as the rest of the footer).
    """

    def compute():
        disclosure = site_setting(request, DisclosureSettings).disclosure_page
        shown = [disclosure] if disclosure and disclosure.live else []
        return _links(shown) + _links(public(request, pages()))

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


def social_card(request, image_ids):
    """The page's 1200×630 sharing picture, as ``{"url", "width", "height"}`` (empty if
    there is none): from the first of ``image_ids``, in order of preference, that is
    large enough to fill a card; smaller ones are passed over rather than shown blurred.

    Cached per generation (a changed image starts one), so a render asks no database.
    """
    ids = [pk for pk in image_ids if pk]
    if not ids:
        return {}
    return _cached(
        request, "social-card:" + ",".join(map(str, ids)), lambda: _social_card(request, ids)
    )


def _social_card(request, ids):
    images = get_image_model().objects.in_bulk(ids)
    for pk in ids:
        image = images.get(pk)
        if image is not None and seo.is_big_enough_for_a_social_card(image):
            try:
                rendition = image.get_rendition(seo.SOCIAL_CARD_FILTER)
            except SourceImageIOError:
                # Its file is missing from the media folder: the page still renders, with
                # the next choice; the image listing shows the editor which one is broken.
                logger.warning("Image %s has no file: not used as a social card", image.pk)
                continue
            return {
                # On the site's address, not the Host header: this is cached for every reader.
                "url": seo.absolute_url(request, rendition.url),
                "width": rendition.width,
                "height": rendition.height,
            }
    return {}
