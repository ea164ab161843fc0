from django.contrib.sitemaps.views import SitemapIndexItem
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from wagtail.contrib.sitemaps import views as wagtail_sitemaps
from wagtail.contrib.sitemaps.sitemap_generator import Sitemap
from wagtail.models import Page

from .models import paginate
from .page_cache import reads_query_parameters

RESULTS_PER_PAGE = 10
MAX_QUERY_LENGTH = 200


class PageSitemap(Sitemap):
    """Every live, public, indexable page, in parts of ``limit`` pages: search engines
    read one part per request, and none is slow to build however large the site."""

    limit = 1_000


SITEMAPS = {"pages": PageSitemap}


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
