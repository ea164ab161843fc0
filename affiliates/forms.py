"""Admin forms: managed links with safe destinations, and pages that may not publish undisclosed."""

import re

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.models import Task

from .publishing import DISCLOSURE_REQUIRED_MESSAGE, has_disclosure_page, site_for

WEB_ADDRESS_MESSAGE = (
    "Enter a full web address starting with https:// or http:// "
    "(for example https://partner.example.com/offer)."
)

_HTTP_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


class WebAddressField(forms.URLField):
    """A URL field that takes only complete http(s) addresses.

    Django's URLField quietly turns ``partner.example.com/x`` into ``http://…`` and
    answers ``javascript:``, ``data:`` or relative input with a bare “Enter a valid
    URL”. Editors pasting partner links get one message saying what to type.
    """

    default_error_messages = {"invalid": WEB_ADDRESS_MESSAGE}

    def to_python(self, value):
        value = (value or "").strip()
        if value and not _HTTP_SCHEME.match(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class AffiliateLinkForm(WagtailAdminModelForm):
    url_fields = ("destination_url", "fallback_url")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.url_fields:
            if name in self.fields:
                field = self.fields[name]
                self.fields[name] = WebAddressField(
                    max_length=field.max_length,
                    required=field.required,
                    label=field.label,
                    help_text=field.help_text,
                    widget=field.widget,
                    assume_scheme="https",  # never used: a scheme is required above
                )


class AffiliateContentPageForm(WagtailAdminPageForm):
    """Page form for content that may carry affiliate links.

    Publishing such a page needs a disclosure page to link the referral notice to;
    saving a draft or submitting it for moderation does not. The rule itself, and the
    other ways a page is published, are in ``affiliates.publishing``; checking here too
    shows the editor the reason on the form, with what they typed kept.
    """

    def clean(self):
        cleaned_data = super().clean()
        if self.publishes():
            # What the editor submitted; fields the form doesn't edit keep their saved value.
            values = [
                cleaned_data.get(name) if name in self.fields else getattr(self.instance, name)
                for name in self.instance.affiliate_content_fields
            ]
            links = self.instance.affiliate_links(values)
            if links and not has_disclosure_page(site_for(self.instance, self.parent_page)):
                raise ValidationError(DISCLOSURE_REQUIRED_MESSAGE, code="disclosure_page_required")
        return cleaned_data

    def publishes(self):
        """Whether this submission publishes the page: “Publish”, or the final approval."""
        if self.data.get("action-publish"):
            return True
        return bool(
            self.data.get("action-workflow-action")
            and self.data.get("workflow-action-name") == "approve"
            and self._approval_finishes_workflow()
        )

    def _approval_finishes_workflow(self):
        state = self.instance.current_workflow_state if self.instance.pk else None
        if state is None or state.current_task_state is None:
            return False
        remaining = (
            Task.objects.filter(workflow_tasks__workflow=state.workflow, active=True)
            .exclude(task_states__in=state.successful_task_states)
            .exclude(pk=state.current_task_state.task_id)
        )
        return not remaining.exists()
