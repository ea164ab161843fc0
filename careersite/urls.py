import re

from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from careersite import admin_exports, healthz, media_files, outage
from guides import views as guide_views
from guides.feeds import LatestGuidesFeed
from guides.models import GuidePage

handler500 = outage.server_error

urlpatterns = [
    # Load balancers', the front cache's (deploy/varnish/default.vcl) and monitoring's
    # health check (careersite/healthz.py).
    path("healthz/", healthz.healthz, name="healthz"),
    # The database alone, as the front cache's probe asked before /healthz/.
    path("_health/ready/", outage.ready, name="health_ready"),
    # Wagtail's own reports and redirects listing, exporting through the formula guard:
    # the same paths as Wagtail's, so they must come first.
    path("admin/", include(admin_exports)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", guide_views.search, name="search"),
    path("authors/<slug:slug>/", guide_views.person, name="person"),
    path("sitemap.xml", guide_views.sitemap_index, name="sitemap"),
    path("favicon.ico", guide_views.favicon, name="favicon"),
    path("site.webmanifest", guide_views.web_manifest, name="web_manifest"),
    path("sitemap-<slug:section>.xml", guide_views.sitemap_part, name="sitemap_part"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots_txt",
    ),
    path("feeds/guides/", LatestGuidesFeed(GuidePage.objects.all()), name="guides_feed"),
    path("go/", include("affiliates.urls")),
]

urlpatterns += [
    re_path(
        r"^{}(?P<path>.+)$".format(re.escape(settings.MEDIA_URL.lstrip("/"))),
        media_files.media_file,
        name="media_file",
    )
]
urlpatterns += [path("", include(wagtail_urls))]
