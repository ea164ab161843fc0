from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = "Affiliates"

    def ready(self):
        # The one place imports wait for a function: Django's app loading needs the
        # models ready before the receivers' modules, which use them, are imported.
        from wagtail.models import Page

        from . import signal_handlers as handlers
        from .links.models import AffiliateLink, Partner
        from .page_content import AffiliateContentMixin

        # Per page type rather than for every model: clicks are saved on the hottest path.
        for model in apps.get_models():
            if issubclass(model, AffiliateContentMixin):
                pre_save.connect(
                    handlers.refuse_undisclosed_publishing,
                    sender=model,
                    dispatch_uid=f"affiliates_disclosure_rule_{model._meta.label_lower}",
                )
        receivers = [
            (post_save, AffiliateLink, handlers.forget_cached_redirect, "affiliates_forget_link"),
            (
                post_delete,
                AffiliateLink,
                handlers.forget_cached_redirect,
                "affiliates_forget_deleted_link",
            ),
            (post_save, Partner, handlers.forget_partner_links, "affiliates_forget_partner_links"),
            (
                pre_delete,
                Partner,
                handlers.remember_partner_links,
                "affiliates_remember_partner_links",
            ),
            (
                post_delete,
                Partner,
                handlers.forget_deleted_partner_links,
                "affiliates_forget_deleted_partner_links",
            ),
            (
                post_save,
                AffiliateLink,
                handlers.log_destination_change,
                "affiliates_log_destination",
            ),
            (
                post_delete,
                Page,
                handlers.credit_deleted_page_clicks_to_no_page,
                "affiliates_forget_page_clicks",
            ),
            (
                pre_delete,
                AffiliateLink,
                handlers.remember_link_click_days,
                "affiliates_link_click_days",
            ),
            (
                post_delete,
                AffiliateLink,
                handlers.take_deleted_link_out_of_day_totals,
                "affiliates_forget_link_clicks",
            ),
        ]
        for signal, sender, receiver, uid in receivers:
            signal.connect(receiver, sender=sender, dispatch_uid=uid)
