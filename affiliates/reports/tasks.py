"""The raw click export as a background job: a workbook, or a CSV too large to stream
while the editor waits, written to a file the job's page offers for download.

The file needs the same permission as the export (``CLICK_EXPORT_PERMISSIONS``),
checked again when it is downloaded.
"""

import datetime

from affiliates.days import site_today
from affiliates.jobs.running import JobFailed, job_task, queue_job
from affiliates.links.models import AffiliateLink
from affiliates.permissions import CLICK_EXPORT_PERMISSIONS

from . import click_export

KIND = "click_export"
#: Rows between two progress reports.
PROGRESS_EVERY = 1000


def export_filename(since, until, link, file_format):
    last = until or site_today()
    filename = f"affiliate-clicks-{since:%Y-%m-%d}-to-{last:%Y-%m-%d}"
    if link:
        filename += f"-{link.slug}"
    return f"{filename}.{file_format}"


def _counted(rows, run, total):
    for done, row in enumerate(rows, start=1):
        yield row
        if done % PROGRESS_EVERY == 0:
            run.progress(done, total)


@job_task
def export_clicks(run):
    options = run.arguments
    link = None
    if options["link_slug"]:
        link = AffiliateLink.objects.filter(slug=options["link_slug"]).first()
        if link is None:
            raise JobFailed(f"The link “{options['link_slug']}” has been deleted since.")
    until = datetime.date.fromisoformat(options["until"]) if options["until"] else None
    clicks = click_export.clicks_between(datetime.date.fromisoformat(options["since"]), until, link)
    total = clicks.count()
    if options["format"] == "xlsx" and total > click_export.XLSX_MAX_ROWS:
        raise JobFailed(
            f"{total:,} clicks are too many for one worksheet: export them as CSV, or fewer days."
        )
    run.progress(0, total, "Writing clicks")
    rows = _counted(click_export.rows(clicks), run, total)
    with run.result_file(options["filename"]) as file:
        if options["format"] == "xlsx":
            click_export.write_clicks_xlsx(rows, file)
        else:
            for line in click_export.csv_lines(rows):
                file.write(line.encode())
    run.progress(total, total)
    return f"Exported {total:,} click{'s' if total != 1 else ''}."


def queue_click_export(options, *, user):
    """``options``: the export form's cleaned data."""
    since, until, link = options["since"], options["until"], options["link"]
    file_format = options.get("format") or "csv"
    filename = export_filename(since, until, link, file_format)
    return queue_job(
        export_clicks,
        kind=KIND,
        title=f"Export clicks: {filename}",
        user=user,
        arguments={
            "since": since.isoformat(),
            "until": until.isoformat() if until else "",
            "link_slug": link.slug if link else "",
            "format": file_format,
            "filename": filename,
        },
        download_permissions=CLICK_EXPORT_PERMISSIONS,
    )
