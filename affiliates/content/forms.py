"""The page form that refuses to publish affiliate content the site can't disclose."""

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Task

from .publishing import DISCLOSURE_REQUIRED_MESSAGE, has_disclosure_page, site_for


class AffiliateContentPageForm(WagtailAdminPageForm):
    """Page form for content that may carry affiliate links.

    Publishing such a page needs a disclosure page to link the referral notice to;
    saving a draft or submitting it for moderation does not. The rule itself, and the
    other ways a page is published, are in ``affiliates.content.publishing``; checking here too
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
