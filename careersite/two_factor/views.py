import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView
from django_otp.plugins.otp_static.models import StaticDevice
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from . import devices
from .forms import AuthenticatorSetUpForm, SecondFactorCodeForm


def safe_next_url(request):
    """Where to go once the code is accepted: the page asked for, if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url("wagtailadmin_home")


def qr_code_svg(text, title):
    # Drawn here as inline SVG: the admin's Content-Security-Policy allows it, and the
    # secret never goes to an outside QR service. Dark on white whatever the admin theme,
    # so phone cameras can read it.
    svg = segno.make(text, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="two-factor-qr"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the title is ours


class CodeFormMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class VerifyView(CodeFormMixin, FormView):
    """The second step of signing in: the code after the password."""

    template_name = "two_factor/verify.html"
    form_class = SecondFactorCodeForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_verified() or not devices.has_second_factor(user):
            return redirect(safe_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=safe_next_url(self.request), **kwargs)

    def form_valid(self, form):
        django_otp.login(self.request, form.device)
        # The session now opens more than it did, so it gets a new key, as at sign-in.
        self.request.session.cycle_key()
        if isinstance(form.device, StaticDevice):
            left = devices.backup_codes_left(self.request.user)
            messages.warning(
                self.request,
                f"You signed in with a backup code; {left} left. If your phone is lost, "
                "remove the authenticator app under Account › Security and add a new one.",
            )
        return redirect(safe_next_url(self.request))


@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class SetUpView(CodeFormMixin, WagtailAdminTemplateMixin, FormView):
    """Adding an authenticator app: scan, type the first code, keep the backup codes."""

    template_name = "two_factor/set_up.html"
    form_class = AuthenticatorSetUpForm
    page_title = "Set up two-step verification"
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("wagtailadmin_account"), "label": "Account"},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if devices.has_second_factor(request.user):
            messages.info(request, "Two-step verification is already on for your account.")
            return redirect("wagtailadmin_account")
        self.device = devices.pending_authenticator_for(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["required"] = (
            self.request.user.is_superuser and settings.SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS
        )
        if "backup_codes" not in context:
            context["qr_code"] = qr_code_svg(
                self.device.config_url, "QR code for your authenticator app"
            )
            context["secret"] = devices.readable_secret(self.device)
        return context

    def form_valid(self, form):
        backup_codes = devices.confirm_authenticator(form.device)
        # The code just given proves the second factor for this session too.
        django_otp.login(self.request, form.device)
        self.request.session.cycle_key()
        # Shown once, in the answer to the code, and never stored anywhere readable.
        self.page_title = "Two-step verification is on"
        return TemplateResponse(
            self.request,
            "two_factor/backup_codes.html",
            self.get_context_data(form=form, backup_codes=backup_codes),
        )


@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class RemoveView(CodeFormMixin, WagtailAdminTemplateMixin, FormView):
    """Turning two-step verification off, which takes a current code."""

    template_name = "two_factor/remove.html"
    form_class = SecondFactorCodeForm
    page_title = "Turn off two-step verification"
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("wagtailadmin_account"), "label": "Account"},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if not devices.has_second_factor(request.user):
            return redirect("wagtailadmin_account")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        devices.remove_second_factor(self.request.user)
        messages.success(
            self.request,
            "Two-step verification is off. Signing in now takes only your password.",
        )
        return redirect("wagtailadmin_account")
