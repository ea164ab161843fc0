from django.apps import AppConfig


class FrontCacheConfig(AppConfig):
    name = "careersite.front_cache"
    label = "careersite_front_cache"
    verbose_name = "Front cache purging"

    def ready(self):
        from . import signals

        signals.connect()
