from django import forms
from wagtail.admin.views.account import BaseSettingsPanel, SettingsTab

from . import devices

security_tab = SettingsTab("security", "Security", order=300)


class TwoStepVerificationPanel(BaseSettingsPanel):
    """Account › Security: whether a code is asked for, with links to turn it on or off.

    The account page is one big form, so this panel holds links, not a form of its own.
    """

    name = "two_step_verification"
    title = "Two-step verification"
    tab = security_tab
    order = 100
    template_name = "two_factor/account_panel.html"

    def get_form(self):
        # The account view collects every panel's form and its media; ours has no fields.
        return forms.Form(prefix=self.name)

    def get_context_data(self):
        enabled = devices.has_second_factor(self.user)
        return {
            "enabled": enabled,
            "backup_codes_left": devices.backup_codes_left(self.user) if enabled else 0,
        }
