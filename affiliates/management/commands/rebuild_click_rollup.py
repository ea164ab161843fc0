"""Recompute the daily click roll-up from raw clicks: for a date range, or for every day."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from affiliates.clicks import rollup


def day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = (
        "Rebuild the daily click roll-up (what the click reports read) from raw clicks, "
        "in the site's time zone. Safe to repeat. Days whose raw clicks were pruned "
        "keep their roll-up."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first_day", type=day, help="First day, YYYY-MM-DD (default: oldest)."
        )
        parser.add_argument(
            "--to", dest="last_day", type=day, help="Last day, YYYY-MM-DD (default: today)."
        )

    def handle(self, *args, first_day=None, last_day=None, **options):
        if first_day and last_day and last_day < first_day:
            raise CommandError("--to must not be before --from.")
        result = rollup.rebuild(first_day, last_day)
        if result.first_day is None:
            self.stdout.write("No raw clicks in that range: nothing to rebuild.")
            return
        self.stdout.write(
            f"Rebuilt the click roll-up for {result.first_day:%Y-%m-%d} to "
            f"{result.last_day:%Y-%m-%d} ({result.days} days): {result.rows} rows."
        )
