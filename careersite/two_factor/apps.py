from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "careersite.two_factor"
    label = "two_factor"
    verbose_name = "Two-step verification"
