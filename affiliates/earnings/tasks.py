"""Uploading a network's report in the admin, as two background jobs, so no web request
reads a large file: a **preview** (what the file would record, or every line that is
wrong), then, once confirmed, the **import**, which reads the file again and records
every row or none.
"""

from django.core.files import File
from django.db import transaction
from django.urls import reverse

from affiliates.jobs.models import Job
from affiliates.jobs.running import JobFailed, JobRun, job_task, queue_job

from .formats import FORMATS, ReportErrors, read_report
from .models import Network
from .recording import record_conversions

PREVIEW_KIND = "conversion_import_preview"
KIND = "conversion_import"
PREVIEW_ERRORS = 200


def _rows(run: JobRun):
    with run.open_input() as file:
        data = file.read()
    return read_report(data, FORMATS[run.arguments["format"]])


def _network(arguments):
    network = Network.objects.filter(pk=arguments.get("network")).first()
    if network is None:
        network, _ = Network.objects.get_or_create(name=FORMATS[arguments["format"]].network)
    return network


def preview_url(job):
    return reverse("affiliates_conversion_import_preview", args=[job.pk])


@job_task
def preview_conversions(run: JobRun) -> str:
    filename = run.arguments["filename"]
    run.result_url = preview_url(run.job)
    try:
        rows = _rows(run)
    except ReportErrors as problems:
        errors = [{"line": line, "message": message} for line, message in problems.errors]
        Job.objects.filter(pk=run.job.pk, attempts=run.attempt).update(
            result={"errors": errors[:PREVIEW_ERRORS], "error_count": len(errors)}
        )
        return f"Checked “{filename}”: {len(errors):,} line(s) can't be used."
    outcome = record_conversions(
        _network(run.arguments), rows, source=f"file {filename}", dry_run=True
    )
    Job.objects.filter(pk=run.job.pk, attempts=run.attempt).update(
        result={
            "counts": {
                "matched": outcome.matched,
                "unmatched": outcome.unmatched,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
            },
            "rows": len(rows),
        }
    )
    return f"Checked “{filename}”: would be {outcome}."


@job_task
def import_conversions(run: JobRun) -> str:
    filename = run.arguments["filename"]
    try:
        rows = _rows(run)
    except ReportErrors as problems:
        raise JobFailed(
            f"Nothing was recorded from “{filename}”: {len(problems.errors):,} line(s) can't "
            "be used.",
            errors=[{"line": line, "message": message} for line, message in problems.errors],
        ) from problems
    outcome = record_conversions(_network(run.arguments), rows, source=f"file {filename}")
    run.result_url = reverse("affiliates_earnings_report")
    return f"Recorded “{filename}”: {outcome}."


def queue_conversion_preview(upload, *, user, report_format, network):
    return queue_job(
        preview_conversions,
        kind=PREVIEW_KIND,
        title=f"Check “{upload.name}” for sales",
        user=user,
        arguments={
            "filename": upload.name,
            "format": report_format,
            "network": network.pk if network else None,
        },
        input_file=upload,
    )


def confirm_preview(preview: Job, *, user) -> Job:
    """Queue the import a preview showed, once, with the same file."""
    with transaction.atomic():
        preview = Job.objects.select_for_update().get(pk=preview.pk)
        existing = Job.objects.filter(pk=preview.result.get("import_job")).first()
        if existing is not None:
            return existing
        # Copied in chunks, storage to storage: a report may be 50 MB, and this is a
        # web request.
        with preview.input_file.open("rb") as file:
            job = queue_job(
                import_conversions,
                kind=KIND,
                title=f"Record sales from “{preview.arguments['filename']}”",
                user=user,
                arguments=preview.arguments,
                input_file=File(file, name=preview.arguments["filename"]),
            )
        Job.objects.filter(pk=preview.pk).update(result={**preview.result, "import_job": job.pk})
    return job
