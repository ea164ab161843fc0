"""The Jobs pages' admin addresses; ``affiliates.admin_urls`` includes them."""

from django.urls import path

from .views import JobDownloadView, JobIndexView, JobView

urlpatterns = [
    path("jobs/", JobIndexView.as_view(), name="affiliates_jobs"),
    path("jobs/<int:job_id>/", JobView.as_view(), name="affiliates_job"),
    path("jobs/<int:job_id>/download/", JobDownloadView.as_view(), name="affiliates_job_download"),
]
