"""The link import as two background jobs, so no web request waits on a file of any size:

1. **Preview** (``preview_links``): uploading a file queues it. The job reads and checks
   every row against the links as they are, changes nothing, and keeps what the preview
   page shows (``Job.result``: the counts, and the first ``PREVIEW_ROWS`` rows of each
   group).
2. **Import** (``import_links``): confirming the preview queues it, with the same file.
   It checks the file again against the links as they are when it runs, and applies
   every row or none (``plan.apply_import``); its page shows what came of it, with the
   lines that stopped it if any did.
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from affiliates.admin_display import snippet_url
from affiliates.jobs.models import Job
from affiliates.jobs.running import JobFailed, JobRun, job_task, queue_job
from affiliates.links.models import AffiliateLink

from .plan import ImportFileError, ImportPlan, apply_import, decode, plan_import, read_rows

PREVIEW_KIND = "link_import_preview"
KIND = "link_import"
#: Rows kept per group for the preview page; the counts always cover the whole file.
PREVIEW_ROWS = 200


def row_errors(plan: ImportPlan) -> list[dict]:
    return [{"line": error.line, "message": error.message} for error in plan.errors]


def _read(run: JobRun) -> tuple[str, int]:
    """The file's text and its number of rows, or ``JobFailed`` if it can't be used."""
    filename = run.arguments["filename"]
    with run.open_input() as file:
        data = file.read()
    try:
        text = decode(data)
        _columns, rows, unreadable = read_rows(text)
    except ImportFileError as error:
        # The file itself can't be used; another attempt would read the same bytes.
        raise JobFailed(f"“{filename}” can't be imported: {error}") from error
    return text, len(rows) + len(unreadable)


def file_token(text: str) -> str:
    """Names a file's content: the import applies exactly the file that was previewed."""
    return hashlib.sha256(text.encode()).hexdigest()


def preview_of(plan: ImportPlan) -> dict:
    """What the preview page shows of a plan, as JSON."""
    creates, updates, unchanged = plan.creates, plan.updates, plan.unchanged
    new_partners = set(plan.new_partners)
    return {
        "counts": {
            "creates": len(creates),
            "updates": len(updates),
            "unchanged": len(unchanged),
            "errors": len(plan.errors),
        },
        "creates": [
            {
                "line": row.line,
                "name": row.link.name,
                "slug": row.link.slug,
                "destination_url": row.link.destination_url,
                "partner_name": row.partner_name or "",
                "new_partner": row.partner_name in new_partners,
                "is_active": row.link.is_active,
            }
            for row in creates[:PREVIEW_ROWS]
        ],
        "updates": [
            {
                "line": row.line,
                "name": row.link.name,
                "slug": row.link.slug,
                "changes": [vars(change) for change in row.changes],
            }
            for row in updates[:PREVIEW_ROWS]
        ],
        "unchanged": [row.link.slug for row in unchanged[:PREVIEW_ROWS]],
        "errors": row_errors(plan)[:PREVIEW_ROWS],
        "new_partners": plan.new_partners,
    }


def preview_url(job: Job) -> str:
    return reverse("affiliates_link_import_preview", args=[job.pk])


@job_task
def preview_links(run: JobRun) -> str:
    filename = run.arguments["filename"]
    text, _rows = _read(run)
    plan = plan_import(
        text,
        user=run.job.queued_by,
        can_add_partners=run.arguments["can_add_partners"],
        on_checked=lambda checked, rows: run.progress(checked, rows, "Checking rows"),
    )
    # Written here rather than returned: the job's own row is the one place a web
    # request can find it, and only this attempt may write it.
    Job.objects.filter(pk=run.job.pk, attempts=run.attempt).update(
        result={**preview_of(plan), "token": file_token(text)}
    )
    run.result_url = preview_url(run.job)
    if plan.errors:
        return f"Checked “{filename}”: {len(plan.errors):,} line(s) can't be used."
    return (
        f"Checked “{filename}”: {len(plan.creates):,} to create, {len(plan.updates):,} to "
        f"update, {len(plan.unchanged):,} unchanged."
    )


@job_task
def import_links(run: JobRun) -> str:
    filename = run.arguments["filename"]
    text, rows = _read(run)
    expected = run.arguments.get("token")
    if expected and file_token(text) != expected:
        raise JobFailed(f"“{filename}” is not the file that was previewed; nothing was imported.")
    run.progress(0, rows, "Checking the rows against the links")
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


def queue_link_preview(upload, *, user, can_add_partners: bool) -> Job:
    """Queue the preview of an uploaded file (a Django ``File``)."""
    return queue_job(
        preview_links,
        kind=PREVIEW_KIND,
        title=f"Check “{upload.name}” for import",
        user=user,
        arguments={"filename": upload.name, "can_add_partners": can_add_partners},
        input_file=upload,
    )


def queue_link_import(filename, text, *, user, can_add_partners: bool, token: str = "") -> Job:
    return queue_job(
        import_links,
        kind=KIND,
        title=f"Import links from “{filename}”",
        user=user,
        arguments={"filename": filename, "can_add_partners": can_add_partners, "token": token},
        input_file=ContentFile(text.encode(), name=filename),
    )


def confirm_preview(preview: Job, *, user, can_add_partners: bool) -> Job:
    """Queue the import a preview showed, once: a second confirmation (a double click,
    the back button) gets the import already queued."""
    with transaction.atomic():
        preview = Job.objects.select_for_update().get(pk=preview.pk)
        if preview.result.get("import_job"):
            existing = Job.objects.filter(pk=preview.result["import_job"]).first()
            if existing:
                return existing
        with preview.input_file.open("rb") as file:
            text = decode(file.read())
        job = queue_link_import(
            preview.arguments["filename"],
            text,
            user=user,
            can_add_partners=can_add_partners,
            token=preview.result.get("token", ""),
        )
        Job.objects.filter(pk=preview.pk).update(result={**preview.result, "import_job": job.pk})
    return job
