from django.template.response import TemplateResponse
from wagtail.models import Page

from .models import paginate

RESULTS_PER_PAGE = 10
MAX_QUERY_LENGTH = 200


def search(request):
    """Site search over live, public pages."""
    query = request.GET.get("q", "").strip()
    too_long = len(query) > MAX_QUERY_LENGTH
    query = query[:MAX_QUERY_LENGTH]
    results = None
    if query:
        pages = Page.objects.live().public().not_type(Page).specific().search(query)
        results = paginate(request, pages, RESULTS_PER_PAGE)
    return TemplateResponse(
        request,
        "guides/search.html",
        {"search_query": query, "results": results, "query_was_shortened": too_long},
    )
