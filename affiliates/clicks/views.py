"""The cloaked affiliate redirect, /go/<slug>/, sends readers on to the partner; the
ping, /go/<slug>/ping/, counts a reader's click on a direct link to the partner."""

import logging
from urllib.parse import urlsplit

from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from affiliates.links import destinations

from . import link_cache, tracking

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# Plain HTML: the site's templates need the database that has just failed us.
TRY_AGAIN_PAGE = (
    '<!DOCTYPE html><html lang="en"><meta charset="utf-8">'
    "<title>Please try again shortly</title>"
    "<h1>Please try again shortly</h1>"
    "<p>We could not open this link just now. Please try again in a minute.</p>"
    '<p><a href="/">Go to the home page</a></p></html>'
)


# No form posts here and it changes nothing for the reader; exempt so other
# methods get a plain 405 instead of a CSRF failure.
@csrf_exempt
@require_safe
def go(request, slug):
    """Send the reader to the link's destination, counting the click (GET only)."""
    try:
        link = link_cache.find_link(slug)
    except DatabaseError:
        logger.exception("Could not look up affiliate link %r", slug)
        response = HttpResponse(TRY_AGAIN_PAGE, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return _private(response)
    if link is None:
        raise Http404("No affiliate link with this slug.")
    response = redirect_for(request, link)
    if response is None:
        response = _private(render(request, "affiliates/clicks/link_unavailable.html", status=410))
    return response


# Browsers send pings without cookies' CSRF token (and beacons cannot add one); a
# ping changes nothing but a count, which the checks below and tracking guard.
@csrf_exempt
@require_POST
def ping(request, slug):
    """Count a click on a direct link, reported by the browser (``<a ping>`` or our
    beacon); the reader is already on the way to the partner, so the answer is empty."""
    try:
        link = link_cache.find_link(slug)
    except DatabaseError:
        logger.exception("Could not look up affiliate link %r for a ping", slug)
        return _private(HttpResponse(status=503))
    if link is None:
        # Nobody reads a ping's answer: no need to render the site's 404 page.
        return _private(HttpResponse(status=404))
    return ping_answer(request, link)


def ping_answer(request, link):
    """Count the ping if it is one of our readers' on a live link; answer 204 either way."""
    if link.is_live() and ping_is_for(request, link):
        tracking.track_click(request, link, navigation=False)
    return _private(HttpResponse(status=204))


def ping_is_for(request, link):
    """Whether the ping reports a click on one of our pages on this link's address.

    Another site could put ``ping="…/go/<slug>/ping/"`` on its own links, and a script
    can POST here with no browser at all, to inflate our counts. Browsers say which
    site sent a request: ``Sec-Fetch-Site: same-origin``, or (browsers without it)
    an ``Origin`` that is this site's. A ping saying neither is not counted. Where the
    browser names the link's address (``Ping-To``) it must be this link's.
    """
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site is not None:
        if site.lower() != "same-origin":
            return False
    elif not _from_this_site(request):
        return False
    ping_to = request.META.get("HTTP_PING_TO")
    if ping_to is None:
        return True
    return _host(ping_to) == _host(link.destination_url)


def _from_this_site(request):
    origin = request.META.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return False
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.netloc.lower() == request.get_host().lower() and parts.scheme in (
        "http",
        "https",
    )


def _host(url):
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def redirect_for(request, link):
    """The way out for a link: to its destination (counting a GET) or to its fallback.

    None when the link is inactive or outside its dates with no fallback, which the
    view answers with 410.
    """
    if link.is_live():
        click_id = tracking.track_click(request, link) if request.method == "GET" else ""
        page_id = destinations.page_id_from(request.GET.get(destinations.FROM_PARAMETER), link.slug)
        values = destinations.template_values_for(link, page_id, request)
        if values and click_id:
            # Only the id of a click that is recorded: a network's report of a sale can
            # then always be matched to the click, and so to its link and page.
            values["click_id"] = click_id
        return _private(_redirect(destinations.destination(link, request.GET, values), link.status))
    if link.fallback_url:
        return _private(_redirect(link.fallback_url, link.status))
    return None


def _redirect(url, status):
    response = HttpResponseRedirect(url)
    response.status_code = status
    return response


def _private(response):
    # Every visit must reach us to be counted, and none belongs in a search index.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
