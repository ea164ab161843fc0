from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from .models import AffiliateLink


@require_safe
def go(request, slug):
    link = get_object_or_404(AffiliateLink, slug=slug)
    if not link.is_active:
        raise Http404
    response = HttpResponseRedirect(link.destination_url)
    response.status_code = link.redirect_status
    return response
