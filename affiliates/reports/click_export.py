"""Raw clicks as CSV or XLSX, for analysis elsewhere: when, which link, from which page,
and whether a bot or staff made it.

Only what a click record holds that says nothing about the reader: never the visitor
key (a pseudonymous daily hash), and the site stores no address or browser to begin
with. Days are the site's (``TIME_ZONE``); both ends of a range are included.
"""

import csv
import datetime

from django.utils import timezone
from wagtail.models import Page

from affiliates.clicks.models import Click
from affiliates.days import day_start, site_timezone
from affiliates.spreadsheets import spreadsheet_safe, write_xlsx

COLUMNS = ("clicked_at", "link_slug", "link_name", "page_url", "page_title", "is_bot", "is_staff")
FORMATS = ("csv", "xlsx")
#: A worksheet holds 1,048,576 rows, one of them the header.
XLSX_MAX_ROWS = 1_048_575


def clicks_between(first_day, last_day=None, link=None):
    """Clicks from the start of ``first_day`` to the end of ``last_day`` (or now), oldest first."""
    clicks = Click.objects.filter(clicked_at__gte=day_start(first_day))
    if last_day is not None:
        clicks = clicks.filter(clicked_at__lt=day_start(last_day + datetime.timedelta(days=1)))
    if link is not None:
        clicks = clicks.filter(link=link)
    return clicks.order_by("clicked_at", "pk")


def _pages(clicks):
    """{page id: (full URL, title)} for every page the clicks came from, in two queries."""
    page_ids = clicks.exclude(page=None).order_by().values_list("page_id", flat=True).distinct()
    pages = Page.objects.filter(pk__in=page_ids)
    return {page.pk: (page.get_full_url() or "", page.title) for page in pages}


def rows(clicks):
    """One tuple per click, in ``COLUMNS`` order; times are aware datetimes."""
    pages = _pages(clicks)
    values = clicks.values_list(
        "clicked_at", "link__slug", "link__name", "page_id", "is_bot", "is_staff"
    )
    for clicked_at, slug, name, page_id, is_bot, is_staff in values.iterator(chunk_size=2000):
        page_url, page_title = pages.get(page_id, ("", ""))
        yield clicked_at, slug, name, page_url, page_title, is_bot, is_staff


class _Line:
    def write(self, value):
        return value


def csv_lines(rows):
    """The CSV text, a line at a time (for streaming). Times are the site's, with their
    UTC offset, whatever zone the editor's account uses.

    Every cell passes the spreadsheet guard, not only the ones editors type today.
    """
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for clicked_at, slug, name, page_url, page_title, is_bot, is_staff in rows:
        cells = (
            timezone.localtime(clicked_at, site_timezone()).isoformat(timespec="seconds"),
            slug,
            name,
            page_url,
            page_title,
            "true" if is_bot else "false",
            "true" if is_staff else "false",
        )
        yield writer.writerow([spreadsheet_safe(cell) for cell in cells])


def write_clicks_xlsx(rows, output):
    """A workbook of the clicks; times are the site's local time (workbooks have no zones)."""
    write_xlsx(output, COLUMNS, rows, sheet_title="Clicks")
