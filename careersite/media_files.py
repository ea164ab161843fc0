"""``/media/``: uploaded images and their renditions, for deployments with nothing else
in front to serve them (``SERVE_MEDIA``, on by default).

Only Wagtail's image folders: documents are served by Wagtail's own view, which checks
their collection's privacy, and job files (exports, imports) by the permission-checked
download view; neither may be reachable here.

The front cache keeps them: a rendition's name changes with its size, crop and focal
point, so it can be cached for a year; originals, which an editor can replace under
the same name, for a day.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.views.static import serve

RENDITIONS = "images/"
ORIGINALS = "original_images/"
YEAR = 365 * 24 * 60 * 60
DAY = 24 * 60 * 60


def media_file(request, path):
    if not settings.SERVE_MEDIA:
        raise Http404("Uploads are served by the web server in front of the site.")
    if not path.startswith((RENDITIONS, ORIGINALS)):
        raise Http404("No such file.")
    try:
        # Refuses directory listings, and paths leading outside MEDIA_ROOT.
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation as outside:
        raise Http404("No such file.") from outside
    if path.startswith(RENDITIONS):
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=DAY)
    response["X-Content-Type-Options"] = "nosniff"
    return response
