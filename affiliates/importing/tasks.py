"""The link import as a background job: confirming a preview queues it, the job worker
applies it (``plan.apply_import``: every row or none), and the job's page shows what
came of it, with the lines that stopped it if any did.

Running in the worker, an import has no size limit but the file's own (``MAX_ROWS``):
no web request waits for it.
"""

from django.core.files.base import ContentFile

from affiliates.admin_display import snippet_url
from affiliates.jobs.running import JobFailed, job_task, queue_job
from affiliates.links.models import AffiliateLink

from .plan import ImportFileError, apply_import, decode, read_rows

KIND = "link_import"


def row_errors(plan):
    return [{"line": error.line, "message": error.message} for error in plan.errors]


@job_task
def import_links(run):
    filename = run.arguments["filename"]
    with run.open_input() as file:
        data = file.read()
    try:
        text = decode(data)
        _columns, rows, _unreadable = read_rows(text)
    except ImportFileError as error:
        # The file itself can't be used; another attempt would read the same bytes.
        raise JobFailed(f"“{filename}” can't be imported: {error}") from error
    run.progress(0, len(rows), "Checking the rows against the links")
    run.save_progress()
    # An ImportFileError from here on is someone else's change to the links getting in
    # the way, which is worth another attempt: it is left to the job's retries.
    plan = apply_import(
        text,
        user=run.job.queued_by,
        can_add_partners=run.arguments["can_add_partners"],
        on_saved=lambda saved, to_save: run.progress(saved, to_save, "Saving links"),
    )
    if not plan.applied:
        raise JobFailed(
            f"Nothing was imported from “{filename}”: {len(plan.errors):,} "
            f"line{'s' if len(plan.errors) != 1 else ''} can't be used. Fix them and "
            "upload the file again.",
            errors=row_errors(plan),
        )
    run.result_url = snippet_url(AffiliateLink, "list")
    return f"Imported “{filename}”: {plan.summary()}."


def queue_link_import(filename, text, *, user, can_add_partners):
    return queue_job(
        import_links,
        kind=KIND,
        title=f"Import links from “{filename}”",
        user=user,
        arguments={"filename": filename, "can_add_partners": can_add_partners},
        input_file=ContentFile(text.encode(), name=filename),
    )
