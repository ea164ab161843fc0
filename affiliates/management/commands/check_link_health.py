"""Check where affiliate links lead and record each one's health. Meant for cron (see
docs/affiliate-links.md, "Link health")."""

import time

from django.core.management.base import BaseCommand, CommandError

from affiliates.health.checker import (
    DEFAULT_DELAY,
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    MAX_REDIRECTS,
    Checker,
    check_links,
    links_to_check,
)
from affiliates.health.models import LinkHealth

#: The counts of the progress line, in the order it names them.
COUNTS = ("ok", "redirected", "blocked", "broken", "failed once")


def progress_line(counts, done, total):
    tallies = ", ".join(f"{counts[name]} {name}" for name in COUNTS)
    return f"Checked {done}/{total} links: {tallies}"


class Command(BaseCommand):
    help = (
        "Check the destination of every active, unexpired affiliate link (or those named "
        "with --link) and record its health: ok, redirected to another site, blocked (the "
        "partner refuses checkers) or broken (two failing checks in a row). Addresses "
        "inside a private network, on ports other than 80 and 443, or not http(s) are "
        "never fetched, not even as a redirect: such links are broken at once. Editors "
        "see the results under Reports › Link health."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--link",
            dest="slugs",
            action="append",
            metavar="SLUG",
            help="Check only this link, whether active or not. Repeat for several.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help=f"Links checked at once, on different hosts (default {DEFAULT_WORKERS}).",
        )
        parser.add_argument(
            "--delay",
            type=float,
            default=DEFAULT_DELAY,
            help="Seconds between two requests to the same host "
            f"(default {DEFAULT_DELAY:g}). Requests to one host are never simultaneous.",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            help="Seconds to wait for a connection, and then for an answer, before the "
            f"check counts as failed (default {DEFAULT_TIMEOUT:g}).",
        )
        parser.add_argument(
            "--max-redirects",
            type=int,
            default=MAX_REDIRECTS,
            help=f"Redirects followed before the check counts as failed (default {MAX_REDIRECTS}).",
        )

    def handle(self, *args, slugs, workers, delay, timeout, max_redirects, verbosity, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if delay < 0 or timeout <= 0 or max_redirects < 0:
            raise CommandError("--delay, --timeout and --max-redirects can't be negative.")
        links = list(links_to_check(slugs))
        if slugs:
            unknown = sorted(set(slugs) - {link.slug for link in links})
            if unknown:
                raise CommandError(f"No link with the slug {', '.join(unknown)}.")
        if not links:
            if verbosity:
                self.stdout.write("No active links to check.")
            return

        # In a terminal the progress line is rewritten in place; in a log, a line every
        # tenth of the way.
        in_place = self.stdout.isatty()
        step = max(1, len(links) // 10)
        warnings = []

        def on_recorded(recorded, counts, done, total):
            if recorded.status in LinkHealth.WARNINGS or recorded.result.failed:
                warnings.append(recorded)
            if verbosity >= 2:
                self.stdout.write(
                    f"{recorded.link.slug}: {recorded.summary_key} — {recorded.result.reason}"
                )
            elif verbosity and in_place:
                self.stdout.write(f"\r{progress_line(counts, done, total)}", ending="")
                self.stdout.flush()
            elif verbosity and (done % step == 0 or done == total):
                self.stdout.write(progress_line(counts, done, total))

        started = time.monotonic()
        checker = Checker(timeout=timeout, delay=delay, max_redirects=max_redirects)
        counts = check_links(links, checker, workers=workers, on_recorded=on_recorded)
        if not verbosity:
            return
        if in_place and verbosity < 2:
            self.stdout.write("")  # end the line rewritten in place
        seconds = time.monotonic() - started
        tallies = ", ".join(f"{counts[name]} {name}" for name in COUNTS)
        self.stdout.write(f"Done: {len(links)} links checked in {seconds:.0f} s. {tallies}.")
        for recorded in sorted(warnings, key=lambda recorded: recorded.link.slug):
            self.stdout.write(
                f"  {recorded.summary_key}: {recorded.link.slug} ({recorded.link.destination_url})"
                f" — {recorded.result.reason}"
            )
        if warnings:
            self.stdout.write("Editors see these under Reports › Link health.")
