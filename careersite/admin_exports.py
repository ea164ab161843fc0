"""Wagtail's own admin exports, written through the site's formula guard.

Wagtail's reports (locked pages, aging pages, site history, workflows, workflow tasks)
and the redirects listing export page titles, log labels, workflow and task names and
redirect paths as they are: a title like ``=HYPERLINK(...)`` runs as a formula when the
CSV is opened. Wagtail has no hook or setting to swap a report's view class
(``register_reports_menu_item`` only adds a menu item, and the redirects app has no
viewset), so careersite/urls.py includes these URLs ahead of Wagtail's admin, at the same
paths: Wagtail's menu items, buttons and ``reverse()`` still name Wagtail's URLs, and a
request for one of them reaches the view here.

Each view is Wagtail's own with ``FormulaSafeExportMixin`` first in its MRO: the listing,
filters, queryset and permission checks stay Wagtail's; only how a row is written
changes. All six write rows through ``write_csv_row`` and ``generate_xlsx_row``, which the
mixin guards. The URLs get the decorators Wagtail puts on every admin URL (admin access,
its 404 page, no caching), in the same order.
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.urls import display_custom_404
from wagtail.admin.views.reports import aging_pages, audit_logging, locked_pages, workflows
from wagtail.contrib.redirects import views as redirects
from wagtail.utils.urlpatterns import decorate_urlpatterns

from affiliates.spreadsheets import FormulaSafeExportMixin


class LockedPagesView(FormulaSafeExportMixin, locked_pages.LockedPagesView):
    pass


class AgingPagesView(FormulaSafeExportMixin, aging_pages.AgingPagesView):
    pass


class SiteHistoryView(FormulaSafeExportMixin, audit_logging.LogEntriesView):
    pass


class WorkflowView(FormulaSafeExportMixin, workflows.WorkflowView):
    pass


class WorkflowTasksView(FormulaSafeExportMixin, workflows.WorkflowTasksView):
    pass


class RedirectsIndexView(FormulaSafeExportMixin, redirects.IndexView):
    pass


def listing(route, view_class):
    """The listing at ``route`` and its ``results/`` partial, which exports too."""
    return [
        path(route, view_class.as_view()),
        path(f"{route}results/", view_class.as_view(results_only=True)),
    ]


# Unnamed: a name here would hide Wagtail's whole namespace from reverse(), not just
# these URLs. The paths are Wagtail's (wagtail/admin/urls/reports.py and
# wagtail/contrib/redirects/urls.py, under the admin's "reports/" and "redirects/").
urlpatterns = [
    *listing("reports/locked/", LockedPagesView),
    *listing("reports/aging-pages/", AgingPagesView),
    *listing("reports/site-history/", SiteHistoryView),
    *listing("reports/workflow/", WorkflowView),
    *listing("reports/workflow_tasks/", WorkflowTasksView),
    *listing("redirects/", RedirectsIndexView),
]

urlpatterns = decorate_urlpatterns(urlpatterns, require_admin_access)
urlpatterns = decorate_urlpatterns(urlpatterns, display_custom_404)
urlpatterns = decorate_urlpatterns(urlpatterns, never_cache)
