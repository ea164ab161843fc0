"""What readers and the front cache are told while the database is unavailable.

Pages in the page cache are still served (guides/page_cache.py reads only Redis).
Anything else needs the database, and its failure is not a bug in the page but an
outage that will pass: the reader gets the site's "back shortly" page with
``503 Service Unavailable`` and ``Retry-After``, not "something went wrong" and a
500. ``ready`` answers 503 while the database is unreachable (it refuses; one that hangs
keeps ``ready`` waiting). The front cache's probe now asks ``/healthz/``
(careersite/healthz.py), which also covers Redis and the job queue and answers in time
whatever hangs.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.cache import add_never_cache_headers

RETRY_AFTER_SECONDS = 60
# Connection refused, dropped or timed out; a mistake in a query is a bug, and a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def unavailable_response():
    # Rendered without the request: context processors could need the database.
    content = loader.render_to_string("503.html", {"site_name": settings.WAGTAIL_SITE_NAME})
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request):
    """``handler500``: Django calls it while handling the exception, so it can ask which."""
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return unavailable_response()
    return HttpResponseServerError(loader.render_to_string("500.html"))


def ready(request):
    """200 while this app server can reach its database, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_UNAVAILABLE:
        return unavailable_response()
    response = HttpResponse("ok", content_type="text/plain")
    add_never_cache_headers(response)
    return response
