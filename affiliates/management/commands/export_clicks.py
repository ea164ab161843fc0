"""Write raw affiliate clicks to CSV or XLSX: time, link, page and bot flag, nothing personal."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from affiliates.days import out_of_report_range
from affiliates.links.models import AffiliateLink
from affiliates.reports.click_export import (
    FORMATS,
    XLSX_MAX_ROWS,
    clicks_between,
    csv_lines,
    rows,
    write_clicks_xlsx,
)


def day(value):
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date; use YYYY-MM-DD.") from None
    if problem := out_of_report_range(parsed):
        raise CommandError(problem)
    return parsed


class Command(BaseCommand):
    help = (
        "Export raw affiliate clicks (clicked_at, link_slug, link_name, page_url, page_title, "
        "is_bot) from --since to --until, both included, in the site's time zone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: up to now).")
        parser.add_argument("--link", metavar="SLUG", help="Only this link's clicks.")
        parser.add_argument("--format", choices=FORMATS, help="Default: from -o, else csv.")
        parser.add_argument(
            "-o", "--output", type=Path, help="File to write (default: CSV to standard output)."
        )

    def handle(self, *args, since, until, link, format, output, **options):
        first_day, last_day = day(since), until and day(until)
        if last_day and last_day < first_day:
            raise CommandError("--until is before --since.")
        if link is not None:
            try:
                link = AffiliateLink.objects.get(slug=link)
            except AffiliateLink.DoesNotExist:
                raise CommandError(f"There is no affiliate link with the slug “{link}”.") from None
        format = format or ("xlsx" if output and output.suffix.lower() == ".xlsx" else "csv")
        if format == "xlsx" and output is None:
            raise CommandError("Give a file to write the workbook to: -o clicks.xlsx.")

        clicks = clicks_between(first_day, last_day, link)
        count = clicks.count()
        if format == "xlsx":
            if count > XLSX_MAX_ROWS:
                raise CommandError(
                    f"{count:,} clicks don't fit in a worksheet; use --format csv or fewer days."
                )
            with output.open("wb") as file:
                write_clicks_xlsx(rows(clicks), file)
        elif output is None:
            for line in csv_lines(rows(clicks)):
                self.stdout.write(line, ending="")
        else:
            with output.open("w", encoding="utf-8", newline="") as file:
                file.writelines(csv_lines(rows(clicks)))
        # On standard error, so it never ends up in a CSV sent to standard output.
        self.stderr.write(
            f"{count:,} clicks written to {output or 'standard output'}.", style_func=str
        )
