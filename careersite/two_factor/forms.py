from django import forms
from django.core.exceptions import ValidationError

from .devices import CodeRefused, verify_code


class SecondFactorCodeForm(forms.Form):
    """A code from the editor's authenticator app, or one of their backup codes."""

    setting_up = False

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The six-digit code your authenticator app shows, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        code = self.cleaned_data["code"]
        try:
            self.device = verify_code(self.user, code, setting_up=self.setting_up)
        except CodeRefused as refusal:
            raise ValidationError(str(refusal), code="refused") from None
        return code


class AuthenticatorSetUpForm(SecondFactorCodeForm):
    """The first code from a newly added app, which proves it was set up right."""

    setting_up = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The six-digit code the app shows for this site now."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
