"""Wagtail's ``publish_scheduled``, holding back pages the disclosure rule refuses.

This app comes before ``wagtail`` in ``INSTALLED_APPS``, so ``manage.py publish_scheduled``
(the cron line) runs this command (Django's documented way to override a command).

A page that may not go live yet stays scheduled and is named, with the reason, on every
run until it can: the cause is a site setting, not the page, and once a disclosure page is
chosen the next run publishes it as the editor scheduled it, without anyone having to find
and reschedule it. Every other due page still goes live.
"""

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from wagtail.management.commands import publish_scheduled
from wagtail.models import DraftStateMixin, Page, Revision

from affiliates.content.publishing import DisclosureRequired, revision_blocked

HELD_BACK = "Not published, still scheduled: {error} (page {page_id}, due {due:%Y-%m-%d %H:%M})"


class Command(publish_scheduled.Command):
    help = (
        "Unpublish expired pages and objects and publish scheduled revisions that are due. "
        "A page with affiliate links stays scheduled while the site has no disclosure page."
    )

    def handle(self, *args, **options):
        if options["dryrun"]:
            super().handle(*args, **options)
            for revision in self.due_revisions():
                if revision_blocked(revision):
                    self.stdout.write(
                        f"Would stay scheduled, with affiliate links and no disclosure page: "
                        f"{revision.object_str} (page {revision.object_id})"
                    )
            return
        # Wagtail's own steps, in its order; publishing is done one revision at a time so a
        # refused page neither stops the run nor loses its schedule.
        self.unpublish_expired()
        for revision in self.due_revisions():
            try:
                # Publishing clears the page's schedules before it saves; a refusal undoes that.
                with transaction.atomic():
                    revision.publish(log_action="wagtail.publish.scheduled")
            except DisclosureRequired as error:
                self.stderr.write(
                    HELD_BACK.format(
                        error=error,
                        page_id=revision.object_id,
                        due=timezone.localtime(revision.approved_go_live_at),
                    )
                )

    def unpublish_expired(self):
        models = [Page] + [
            model
            for model in apps.get_models()
            if issubclass(model, DraftStateMixin) and not issubclass(model, Page)
        ]
        for model in models:
            expired = model.objects.filter(live=True, expire_at__lt=timezone.now())
            for obj in list(expired.order_by("expire_at")):
                obj.unpublish(set_expired=True, log_action="wagtail.unpublish.scheduled")

    def due_revisions(self):
        return Revision.objects.filter(approved_go_live_at__lt=timezone.now()).order_by(
            "approved_go_live_at"
        )
