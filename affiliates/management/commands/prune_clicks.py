"""Delete old raw clicks, keeping their daily totals. Meant for cron (see README)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from affiliates.clicks import retention, visitor_keys
from affiliates.days import site_today


class Command(BaseCommand):
    help = (
        "Delete raw affiliate clicks older than --days days (default CLICK_RETENTION_DAYS), "
        "after making sure the daily roll-up the reports read covers them. Safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.CLICK_RETENTION_DAYS,
            help="Keep raw clicks from this many days before today, and today "
            f"(default {settings.CLICK_RETENTION_DAYS}, from CLICK_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be deleted; delete nothing."
        )

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        result = retention.prune_raw_clicks(days, dry_run=dry_run)
        if not dry_run:
            # Past days' visitor salts expire by themselves; make sure they are gone.
            visitor_keys.prune_nonces(site_today())
        kept = f"raw clicks from {result.keep_from:%Y-%m-%d} on are kept"
        if not result.deleted:
            self.stdout.write(f"No raw clicks older than {days} days; {kept}.")
            return
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {result.deleted} raw clicks from {result.first_day:%Y-%m-%d} to "
            f"{result.last_day:%Y-%m-%d}; {kept}. Daily totals for those days stay in the "
            "click reports."
        )
