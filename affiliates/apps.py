from django.apps import AppConfig, apps
from django.db.models.signals import pre_save


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = "Affiliates"

    def ready(self):
        # Page models exist only once the app registry is ready.
        from .page_content import AffiliateContentMixin
        from .signal_handlers import refuse_undisclosed_publishing

        # Per page type rather than for every model: clicks are saved on the hottest path.
        for model in apps.get_models():
            if issubclass(model, AffiliateContentMixin):
                pre_save.connect(
                    refuse_undisclosed_publishing,
                    sender=model,
                    dispatch_uid=f"affiliates_disclosure_rule_{model._meta.label_lower}",
                )
