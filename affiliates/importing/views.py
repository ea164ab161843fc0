"""Admin pages for importing links from CSV: upload, preview, confirm.

The work is in ``affiliates.importing.plan``; these views check permissions, carry the
uploaded file from the preview to the confirmation, and answer in the admin's clothes.
Confirming queues the import as a job (``affiliates.importing.tasks``): the editor
follows it on the job's page, whatever the size of the file.
"""

import hashlib

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from affiliates.admin_display import snippet_url
from affiliates.links.models import AffiliateLink
from affiliates.permissions import LINK_IMPORT_DENIED, PermissionRequiredMixin, can_import_links

from .plan import COLUMNS, MAX_FILE_BYTES, MAX_ROWS, ImportFileError, decode, plan_import, read_rows
from .tasks import queue_link_import

#: Where an uploaded file waits between its preview and the editor's confirmation.
SESSION_KEY = "affiliates_link_import"
#: Rows listed per group on the preview; the counts always cover the whole file.
PREVIEW_ROWS = 200


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
        help_text=f"UTF-8 CSV with a header row, up to {MAX_FILE_BYTES // 1024 // 1024} MB "
        f"and {MAX_ROWS:,} links. You'll see what would change before anything does.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            # decode() says so too; this spares reading a huge upload into memory.
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; files up to "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB can be imported. Split it into "
                "smaller files."
            )
        try:
            text = decode(upload.read())
            read_rows(text)  # a problem with the file as a whole is shown right here
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload.name, text


class LinkImportView(LinkImportMixin, FormView):
    """Step 1: choose a file. It is checked right away and kept for the preview."""

    template_name = "affiliates/importing/link_import.html"
    form_class = LinkImportForm
    page_title = "Import affiliate links"

    def get(self, request, *args, **kwargs):
        # A fresh start forgets any file still waiting for confirmation.
        request.session.pop(SESSION_KEY, None)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=reverse("affiliates_link_import"),
            submit_button_label="Preview import",
            submit_button_active_label="Checking the file…",
            columns=COLUMNS,
            **kwargs,
        )

    def form_valid(self, form):
        filename, text = form.cleaned_data["file"]
        self.request.session[SESSION_KEY] = {"filename": filename, "text": text}
        return redirect("affiliates_link_import_preview")


def _token(text):
    """Names the previewed file, so a confirmation applies exactly what was shown."""
    return hashlib.sha256(text.encode()).hexdigest()


class LinkImportPreviewView(LinkImportMixin, TemplateView):
    """Step 2: what the file would create, update and leave alone; confirm to apply it."""

    template_name = "affiliates/importing/link_import_preview.html"
    page_title = "Import preview"

    @cached_property
    def pending(self):
        return self.request.session.get(SESSION_KEY)

    def can_add_partners(self):
        return self.request.user.has_perm("affiliates.add_partner")

    def dispatch(self, request, *args, **kwargs):
        if self.permission_test(request.user) and not self.pending:
            messages.warning(request, "Choose the file to import.")
            return redirect("affiliates_link_import")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # Checked afresh against the links as they are now, as the confirmation will be.
        plan = plan_import(
            self.pending["text"], can_add_partners=self.can_add_partners(), user=self.request.user
        )
        groups = {
            "creates": plan.creates,
            "updates": plan.updates,
            "unchanged": plan.unchanged,
            "errors": plan.errors,
        }
        return super().get_context_data(
            filename=self.pending["filename"],
            token=_token(self.pending["text"]),
            plan=plan,
            **groups,
            more={name: max(0, len(rows) - PREVIEW_ROWS) for name, rows in groups.items()},
            preview_rows=PREVIEW_ROWS,
            upload_url=reverse("affiliates_link_import"),
            listing_url=links_listing_url(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        text, filename = self.pending["text"], self.pending["filename"]
        if request.POST.get("token") != _token(text):
            messages.warning(
                request,
                "Another file was uploaded since that preview. Check this preview, then "
                "confirm again.",
            )
            return redirect("affiliates_link_import_preview")
        # The job checks the file again against the links as they are when it runs,
        # and applies every row or none; its page shows which lines stopped it.
        job = queue_link_import(
            filename, text, user=request.user, can_add_partners=self.can_add_partners()
        )
        del request.session[SESSION_KEY]
        messages.success(request, f"Importing “{filename}” in the background.")
        return redirect("affiliates_job", job.pk)
