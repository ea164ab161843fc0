"""Admin pages for recording a network's report: upload, preview, confirm. The file is
read by background jobs (``tasks``), never by the web request beyond its size."""

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from affiliates.admin_display import snippet_url
from affiliates.jobs.models import Job
from affiliates.jobs.running import requeue_stalled_jobs
from affiliates.jobs.views import REFRESH_SECONDS, job_url
from affiliates.permissions import (
    EARNINGS_DENIED,
    JOB_DENIED,
    PermissionRequiredMixin,
    can_see_job,
    can_view_earnings,
    permission_denied,
)

from .formats import FORMATS, GENERIC
from .models import Conversion, Network
from .tasks import PREVIEW_KIND, confirm_preview, queue_conversion_preview

#: Larger than a year of any network's report.
MAX_FILE_BYTES = 50 * 1024 * 1024


def sales_listing_url():
    return snippet_url(Conversion, "list")


class ConversionImportMixin(PermissionRequiredMixin, WagtailAdminTemplateMixin):
    permission_test = staticmethod(can_view_earnings)
    denied_message = EARNINGS_DENIED
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": sales_listing_url(), "label": "Sales"},
            {"url": "", "label": self.get_page_title()},
        ]


class ConversionImportForm(forms.Form):
    report_format = forms.ChoiceField(
        label="Format",
        choices=[(name, report.label) for name, report in FORMATS.items()],
        initial=GENERIC.name,
    )
    network = forms.ModelChoiceField(
        queryset=Network.objects.all(),
        required=False,
        empty_label="The format's own network",
        help_text="Which network the sales are from. Left empty: Awin, CJ, Impact, "
        "ShareASale or Amazon Associates by the format, “Other network” for generic files.",
    )
    file = forms.FileField(
        label="Report (CSV)",
        help_text=f"UTF-8 CSV with a header row, up to {MAX_FILE_BYTES // 2**20} MB. You'll "
        "see what it would record before anything is.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.1f} MB; reports up to "
                f"{MAX_FILE_BYTES // 2**20} MB can be uploaded. Split it by month, or use "
                "manage.py import_conversions."
            )
        return upload


class ConversionImportView(ConversionImportMixin, FormView):
    template_name = "affiliates/earnings/conversion_import.html"
    form_class = ConversionImportForm
    page_title = "Upload a sales report"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=reverse("affiliates_conversion_import"),
            submit_button_label="Preview",
            submit_button_active_label="Uploading the file…",
            formats=FORMATS.values(),
            **kwargs,
        )

    def form_valid(self, form):
        job = queue_conversion_preview(
            form.cleaned_data["file"],
            user=self.request.user,
            report_format=form.cleaned_data["report_format"],
            network=form.cleaned_data["network"],
        )
        return redirect("affiliates_conversion_import_preview", job.pk)


class ConversionImportPreviewView(ConversionImportMixin, TemplateView):
    template_name = "affiliates/earnings/conversion_import_preview.html"
    page_title = "Sales report preview"

    @cached_property
    def job(self):
        return get_object_or_404(Job, pk=self.kwargs["job_id"], kind=PREVIEW_KIND)

    def dispatch(self, request, *args, **kwargs):
        if self.permission_test(request.user) and not can_see_job(request.user, self.job):
            return permission_denied(request, JOB_DENIED)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        job = self.job
        if not job.is_finished:
            requeue_stalled_jobs()
            job.refresh_from_db()
        result = job.result if job.status == Job.Status.DONE else {}
        more_errors = max(0, result.get("error_count", 0) - len(result.get("errors", [])))
        return super().get_context_data(
            job=job,
            filename=job.arguments.get("filename", ""),
            report=FORMATS[job.arguments["format"]],
            refresh_seconds=None if job.is_finished else REFRESH_SECONDS,
            result=result,
            more_errors=more_errors,
            upload_url=reverse("affiliates_conversion_import"),
            listing_url=sales_listing_url(),
            job_url=job_url(job),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        job = self.job
        if job.status != Job.Status.DONE or "counts" not in job.result:
            messages.warning(request, "This file can't be recorded: see the preview.")
            return redirect("affiliates_conversion_import_preview", job.pk)
        import_job = confirm_preview(job, user=request.user)
        messages.success(request, f"Recording the sales in “{job.arguments['filename']}”.")
        return redirect(job_url(import_job))
