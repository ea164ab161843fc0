"""The admin form for managed links: destinations and fallbacks are complete web addresses."""

import re

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

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
