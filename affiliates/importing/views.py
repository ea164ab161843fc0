"""Admin pages for importing links from CSV: upload, preview, confirm.

Uploading queues a job that checks the file (``tasks.preview_links``); the preview page
follows it and then shows what the file would create, update and leave alone.
Confirming queues the import itself as a second job. No web request reads more of a
file than its beginning, whatever its size. The work is in ``affiliates.importing.plan``;
these views check permissions and answer in the admin's clothes.
"""

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
from affiliates.links.models import AffiliateLink
from affiliates.permissions import (
    JOB_DENIED,
    LINK_IMPORT_DENIED,
    PermissionRequiredMixin,
    can_import_links,
    can_see_job,
    permission_denied,
)

from .plan import BEGINNING_BYTES, COLUMNS, MAX_FILE_BYTES, ImportFileError, check_beginning
from .tasks import PREVIEW_KIND, PREVIEW_ROWS, confirm_preview, queue_link_preview


def links_listing_url():
    return snippet_url(AffiliateLink, "list")


class LinkImportMixin(PermissionRequiredMixin, WagtailAdminTemplateMixin):
    permission_test = staticmethod(can_import_links)
    denied_message = LINK_IMPORT_DENIED
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": links_listing_url(), "label": "Affiliate links"},
            {"url": "", "label": self.get_page_title()},
        ]


class LinkImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 CSV with a header row, up to {MAX_FILE_BYTES // 1024 // 1024} MB. "
        "You'll see what would change before anything does.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; files up to "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB can be imported. Split it into "
                "smaller files."
            )
        # A problem with the file as a whole shows right here, from its beginning; the
        # preview job reads the rest.
        head = upload.read(BEGINNING_BYTES)
        upload.seek(0)
        try:
            check_beginning(head, whole=upload.size <= BEGINNING_BYTES)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class LinkImportView(LinkImportMixin, FormView):
    """Step 1: choose a file. It is checked right away and kept for the preview."""

    template_name = "affiliates/importing/link_import.html"
    form_class = LinkImportForm
    page_title = "Import affiliate links"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=reverse("affiliates_link_import"),
            submit_button_label="Preview import",
            submit_button_active_label="Uploading the file…",
            columns=COLUMNS,
            **kwargs,
        )

    def form_valid(self, form):
        job = queue_link_preview(
            form.cleaned_data["file"],
            user=self.request.user,
            can_add_partners=self.request.user.has_perm("affiliates.add_partner"),
        )
        return redirect("affiliates_link_import_preview", job.pk)


class LinkImportPreviewView(LinkImportMixin, TemplateView):
    """Step 2: the preview job's findings once it has run; confirm to queue the import.

    Only the person who uploaded the file sees its preview (superusers see every job).
    """

    template_name = "affiliates/importing/link_import_preview.html"
    page_title = "Import preview"

    @cached_property
    def job(self):
        return get_object_or_404(Job, pk=self.kwargs["job_id"], kind=PREVIEW_KIND)

    def dispatch(self, request, *args, **kwargs):
        if self.permission_test(request.user) and not can_see_job(request.user, self.job):
            return permission_denied(request, JOB_DENIED)
        return super().dispatch(request, *args, **kwargs)

    def can_add_partners(self):
        return self.request.user.has_perm("affiliates.add_partner")

    def get_context_data(self, **kwargs):
        job = self.job
        if not job.is_finished:
            requeue_stalled_jobs()
            job.refresh_from_db()
        preview = job.result if job.status == Job.Status.DONE else {}
        counts = preview.get("counts", {})
        return super().get_context_data(
            job=job,
            filename=job.arguments.get("filename", ""),
            refresh_seconds=None if job.is_finished else REFRESH_SECONDS,
            preview=preview,
            counts=counts,
            more={name: max(0, count - PREVIEW_ROWS) for name, count in counts.items()},
            has_changes=bool(counts.get("creates") or counts.get("updates")),
            import_job_url=(
                reverse("affiliates_job", args=[preview["import_job"]])
                if preview.get("import_job")
                else ""
            ),
            upload_url=reverse("affiliates_link_import"),
            listing_url=links_listing_url(),
            job_url=job_url(job),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        job = self.job
        if job.status != Job.Status.DONE:
            messages.warning(request, "The file is still being checked: wait for the preview.")
            return redirect("affiliates_link_import_preview", job.pk)
        # The import checks the file again against the links as they are when it runs,
        # and applies every row or none; its page shows which lines stopped it.
        import_job = confirm_preview(
            job, user=request.user, can_add_partners=self.can_add_partners()
        )
        messages.success(request, f"Importing “{job.arguments['filename']}” in the background.")
        return redirect(job_url(import_job))
