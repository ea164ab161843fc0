"""Every admin address of the affiliates app, registered by one hook in ``wagtail_hooks``.

URL names are unprefixed (``affiliates_…``), as Wagtail's reports are.
"""

from django.urls import path

from .earnings.views import ConversionImportPreviewView, ConversionImportView
from .health.views import AcknowledgeWarningView, CheckLinkNowView, LinkHealthReportView
from .importing.views import LinkImportPreviewView, LinkImportView
from .jobs import admin_urls as job_urls
from .reports.views import ClickExportView, ClickReportView, EarningsReportView

urlpatterns = [
    path("reports/affiliate-clicks/", ClickReportView.as_view(), name="affiliates_click_report"),
    path("reports/earnings/", EarningsReportView.as_view(), name="affiliates_earnings_report"),
    path(
        "reports/link-health/",
        LinkHealthReportView.as_view(),
        name="affiliates_link_health_report",
    ),
    path(
        "reports/link-health/results/",
        LinkHealthReportView.as_view(results_only=True),
        name="affiliates_link_health_report_results",
    ),
    path(
        "reports/link-health/<int:link_id>/acknowledge/",
        AcknowledgeWarningView.as_view(),
        name="affiliates_link_health_acknowledge",
    ),
    path("affiliates/links/import/", LinkImportView.as_view(), name="affiliates_link_import"),
    path(
        "affiliates/links/import/<int:job_id>/",
        LinkImportPreviewView.as_view(),
        name="affiliates_link_import_preview",
    ),
    path("affiliates/clicks/export/", ClickExportView.as_view(), name="affiliates_click_export"),
    path(
        "affiliates/links/<int:link_id>/check-now/",
        CheckLinkNowView.as_view(),
        name="affiliates_link_check_now",
    ),
    path(
        "affiliates/sales/upload/",
        ConversionImportView.as_view(),
        name="affiliates_conversion_import",
    ),
    path(
        "affiliates/sales/upload/<int:job_id>/",
        ConversionImportPreviewView.as_view(),
        name="affiliates_conversion_import_preview",
    ),
    *job_urls.urlpatterns,
]
