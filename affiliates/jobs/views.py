"""Jobs in the admin: a person's jobs, one job's page, and its file to download.

Anyone who can reach the admin sees the jobs they queued; superusers see everyone's.
The pages reload themselves (a meta refresh, no JavaScript) while a job is queued or
running, and opening them takes up jobs whose worker has stopped
(``running.requeue_stalled_jobs``).
"""

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from affiliates.permissions import (
    JOB_DENIED,
    JOB_FILE_DENIED,
    can_download_job_file,
    can_see_job,
    permission_denied,
)

from .models import Job
from .running import requeue_stalled_jobs

JOBS_PER_PAGE = 50
#: Seconds between reloads of a page showing an unfinished job.
REFRESH_SECONDS = 3


def job_url(job):
    return reverse("affiliates_job", args=[job.pk])


class JobIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "affiliates/jobs/job_index.html"
    page_title = "Jobs"
    header_icon = "cogs"

    def get_context_data(self, **kwargs):
        requeue_stalled_jobs()
        jobs = Job.objects.visible_to(self.request.user).select_related("queued_by")
        page = Paginator(jobs, JOBS_PER_PAGE).get_page(self.request.GET.get("p"))
        return super().get_context_data(
            page=page,
            jobs=page.object_list,
            show_queued_by=self.request.user.is_superuser,
            refresh_seconds=REFRESH_SECONDS if any(not j.is_finished for j in page) else None,
            **kwargs,
        )


class JobMixin:
    denied_message = JOB_DENIED

    @staticmethod
    def permission_test(user, job):
        return can_see_job(user, job)

    @cached_property
    def job(self):
        return get_object_or_404(Job, pk=self.kwargs["job_id"])

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_test(request.user, self.job):
            return permission_denied(request, self.denied_message)
        return super().dispatch(request, *args, **kwargs)


class JobView(JobMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "affiliates/jobs/job.html"
    header_icon = "cogs"

    def get_page_title(self):
        return self.job.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("affiliates_jobs"), "label": "Jobs"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        if not self.job.is_finished:
            requeue_stalled_jobs()
            self.job.refresh_from_db()
        job = self.job
        return super().get_context_data(
            job=job,
            refresh_seconds=None if job.is_finished else REFRESH_SECONDS,
            can_download=can_download_job_file(self.request.user, job),
            download_url=reverse("affiliates_job_download", args=[job.pk]),
            **kwargs,
        )


class JobDownloadView(JobMixin, View):
    """The job's result file, to whoever may see the job and do its work."""

    denied_message = JOB_FILE_DENIED

    @staticmethod
    def permission_test(user, job):
        return can_download_job_file(user, job)

    def get(self, request, job_id):
        job = self.job
        if job.status != Job.Status.DONE or not job.result_file:
            raise Http404("This job has no file to download.")
        try:
            file = job.result_file.open("rb")
        except FileNotFoundError:
            raise Http404("The job's file has been removed.") from None
        return FileResponse(file, as_attachment=True, filename=job.result_filename)
