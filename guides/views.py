import functools
from pathlib import Path

from django.contrib.sitemaps.views import SitemapIndexItem
from django.contrib.staticfiles import finders
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.text import Truncator
from wagtail.contrib.sitemaps import views as wagtail_sitemaps
from wagtail.contrib.sitemaps.sitemap_generator import Sitemap
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page, Site

from . import navigation, seo
from .models import (
    GUIDES_PER_PAGE,
    GuidePage,
    Person,
    PersonProfileLink,
    paginate,
    with_pictures,
)
from .page_cache import reads_query_parameters

#: The browser's colour for the site (address bar, task switcher): the brand blue of
#: static/css/site.css.
THEME_COLOUR = "#0b4f8a"
ICON_SECONDS = 24 * 60 * 60
RESULTS_PER_PAGE = 10
PERSON_PHOTO = "fill-320x320"
MAX_QUERY_LENGTH = 200


class PageSitemap(Sitemap):
    """Every live, public, indexable page, in parts of ``limit`` pages: search engines
    read one part per request, and none is slow to build however large the site."""

    limit = 1_000


class PeopleSitemap(Sitemap):
    """The author pages of people named on a live, public guide of the site, each last
    modified when the newest of those guides was published."""

    limit = 1_000

    def guides(self):
        root = self.get_wagtail_site().root_page
        return GuidePage.objects.live().public().descendant_of(root, inclusive=True)

    def items(self):
        guides = self.guides()
        return (
            Person.objects.filter(
                Q(pk__in=guides.values("authors__person")) | Q(pk__in=guides.values("reviewer"))
            )
            .order_by("slug")
            .only("slug")
        )

    def _urls(self, page, protocol, domain):
        people = list(self.paginator.page(page).object_list)
        guides = self.guides()
        latest = {}
        for rows in (
            guides.filter(authors__person__in=people).values_list(
                "authors__person", "last_published_at"
            ),
            guides.filter(reviewer__in=people).values_list("reviewer", "last_published_at"),
        ):
            for person_id, published in rows:
                if published and (person_id not in latest or published > latest[person_id]):
                    latest[person_id] = published
        # On the Wagtail site's address, like the pages' (Django's would use the Host).
        root_url = self.get_wagtail_site().root_url
        return [
            {
                "item": person,
                "location": root_url + person.get_absolute_url(),
                "lastmod": latest.get(person.pk),
            }
            for person in people
        ]


SITEMAPS = {"pages": PageSitemap, "authors": PeopleSitemap}


@reads_query_parameters()
def sitemap_index(request):
    """``/sitemap.xml``: the parts of the sitemap, named on the site's own address (the
    Wagtail site's root URL) rather than the Host header, like every address in them."""
    locations = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class(request)
        first = sitemap.get_wagtail_site().root_url + reverse("sitemap_part", args=[section])
        locations.append(first)
        locations += [f"{first}?p={number}" for number in sitemap.paginator.page_range[1:]]
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": [SitemapIndexItem(location, None) for location in locations]},
        content_type="application/xml",
    )


@reads_query_parameters("p")
def sitemap_part(request, section):
    if section not in SITEMAPS:
        raise Http404("No such sitemap.")
    # Django's view answers 404 for a part number that isn't a positive whole number
    # or is past the last part.
    return wagtail_sitemaps.sitemap(request, SITEMAPS, section=section)


@reads_query_parameters("q", "page")
def search(request):
    """Site search over live, public pages."""
    query = request.GET.get("q", "").strip()
    too_long = len(query) > MAX_QUERY_LENGTH
    query = query[:MAX_QUERY_LENGTH]
    results = None
    if query:
        results = paginate(request, Page.objects.live().public().search(query), RESULTS_PER_PAGE)
        # Summaries live on the specific page types: fetch this page's worth in one query.
        specific = Page.objects.filter(pk__in=[page.pk for page in results]).specific().in_bulk()
        results.object_list = [specific[page.pk] for page in results]
    response = TemplateResponse(
        request,
        "guides/search.html",
        {
            "search_query": query,
            "results": results,
            "query_was_shortened": too_long,
            # Result pages are thin, ever-changing content search engines should not list.
            "noindex": True,
        },
    )
    if query:
        # Results for arbitrary queries are not worth caching, anywhere.
        add_never_cache_headers(response)
    return response


@reads_query_parameters("page")
def person(request, slug):
    """``/authors/<slug>/``: who a person is, and the live, public guides on this site
    they wrote or reviewed, newest first."""
    person = get_object_or_404(with_pictures(Person.objects.all(), "photo"), slug=slug)
    site = Site.find_for_request(request)
    guides = GuidePage.objects.live().filter(Q(authors__person=person) | Q(reviewer=person))
    if site is not None:
        guides = guides.descendant_of(site.root_page, inclusive=True)
    guides = (
        navigation.public(request, guides)
        .distinct()
        .order_by("-first_published_at", "-pk")
        .only("title", "url_path", "summary", "first_published_at", "depth", "path", "image")
    )
    links = list(PersonProfileLink.objects.filter(person=person))
    # The larger of the two sizes the page shows (its renditions came with the person).
    try:
        photo = person.photo.get_rendition(PERSON_PHOTO) if person.photo else None
    except SourceImageIOError:
        photo = None  # its file is missing: the page goes without, as the template does

    return TemplateResponse(
        request,
        "guides/person.html",
        {
            "person": person,
            "profile_links": links,
            "guides": paginate(request, with_pictures(guides), GUIDES_PER_PAGE),
            "meta_title": person.name,
            "meta_description": Truncator(person.bio).chars(160),
            "structured_data": [
                seo.profile_page(request, person, links, photo.url if photo else None)
            ],
        },
    )


@functools.cache
def _favicon():
    # From the source tree (static/), which every deployment has; collected copies
    # may be elsewhere or, in development, not exist.
    return Path(finders.find("icons/favicon.ico")).read_bytes()


@reads_query_parameters()
def favicon(request):
    """``/favicon.ico``, where browsers and crawlers look for it whatever the page says."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=ICON_SECONDS)
    return response


@reads_query_parameters()
def web_manifest(request):
    """The web app manifest: the site's name (as editors set it for the Wagtail site),
    its colours and icons, for phones that add the site to their home screen."""
    site = Site.find_for_request(request)
    name = (site.site_name if site else "") or "Career Compass"
    icons = [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    response = JsonResponse(
        {
            "name": name,
            "short_name": name,
            "start_url": "/",
            "display": "browser",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOUR,
            "icons": icons,
        },
        content_type="application/manifest+json",
    )
    patch_cache_control(response, public=True, max_age=ICON_SECONDS)
    return response
