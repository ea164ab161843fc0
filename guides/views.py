from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from wagtail.models import Page

from .models import paginate
from .page_cache import reads_query_parameters

RESULTS_PER_PAGE = 10
MAX_QUERY_LENGTH = 200


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
