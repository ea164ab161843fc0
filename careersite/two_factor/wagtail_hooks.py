from django.urls import include, path
from wagtail import hooks

from . import admin_urls
from .account_panel import TwoStepVerificationPanel


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [path("two-factor/", include(admin_urls))]


@hooks.register("register_account_settings_panel")
def register_two_step_verification_panel(request, user, profile):
    return TwoStepVerificationPanel(request, user, profile)
