"""Account settings › Notifications › "Weekly link health e-mail": turning the link health
digest (``affiliates.health.digest``) off and on again. Only people who may change links
see it, as only they are sent it."""

from django import forms
from django.utils.functional import cached_property
from wagtail.admin.views.account import BaseSettingsPanel, notifications_tab
from wagtail.admin.widgets import SwitchInput

from affiliates.permissions import can_manage_link_health

from .models import LinkHealthDigestSubscription

NO_EMAIL_ADDRESS_HELP = " You have no e-mail address yet: add one under Profile to get it."


class LinkHealthDigestForm(forms.Form):
    wants_digest = LinkHealthDigestSubscription._meta.get_field("wants_digest").formfield(
        widget=SwitchInput()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.email:
            field = self.fields["wants_digest"]
            field.help_text = f"{field.help_text}{NO_EMAIL_ADDRESS_HELP}"

    def save(self):
        # Only the choice: when the digest was last sent is the digest's to record.
        LinkHealthDigestSubscription.objects.update_or_create(
            user=self.user, defaults={"wants_digest": self.cleaned_data["wants_digest"]}
        )


class LinkHealthDigestSettingsPanel(BaseSettingsPanel):
    name = "link_health_digest"
    title = "Link health"
    tab = notifications_tab
    # After Wagtail's page notifications (100).
    order = 200

    def is_active(self):
        return can_manage_link_health(self.user)

    @cached_property
    def wants_digest(self):
        subscription = LinkHealthDigestSubscription.objects.filter(user=self.user).first()
        return subscription.wants_digest if subscription else True

    def get_form(self):
        # Wagtail builds these forms on the user or their profile; this one has a row of
        # its own, made on first save.
        kwargs = {
            "user": self.user,
            "prefix": self.name,
            "initial": {"wants_digest": self.wants_digest},
        }
        if self.request.method == "POST":
            return LinkHealthDigestForm(self.request.POST, **kwargs)
        return LinkHealthDigestForm(**kwargs)
