"""One background job, as the people waiting for it see it."""

import os

from django.conf import settings
from django.db import models

from .files import job_file_name, job_files


def job_storage():
    return job_files


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person's own jobs; every job for superusers, who answer for all of them."""
        return self if user.is_superuser else self.filter(queued_by=user)

    def unfinished(self):
        return self.filter(status__in=(Job.Status.QUEUED, Job.Status.RUNNING))


class Job(models.Model):
    """An import, export or check run by the job worker, and what came of it.

    ``attempts`` counts the attempts started; each is one delivery of the job's task
    (``affiliates.jobs.running``). ``errors`` are the problems to show as a list, such
    as the lines of an import file that can't be used; ``error`` is why the last
    attempt failed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=50, help_text="What sort of job: link_import, …")
    title = models.CharField(max_length=255)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task_path = models.CharField(
        max_length=255, help_text="The @job_task function that does the work."
    )
    arguments = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(
        storage=job_storage, upload_to=job_file_name, max_length=255, blank=True
    )
    #: Permissions (``app_label.codename``) needed to download the result file, on top
    #: of being allowed to see the job: the same as for doing the work in the first place.
    download_permissions = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_label = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    summary = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    result_file = models.FileField(
        storage=job_storage, upload_to=job_file_name, max_length=255, blank=True
    )
    result = models.JSONField(
        default=dict, blank=True, help_text="What the job's own page shows (an import's preview)."
    )
    result_url = models.CharField(
        max_length=255, blank=True, help_text="An admin page showing what the job changed."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True, help_text="host:pid of the worker.")

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The recovery sweep looks for running jobs whose worker went quiet.
            models.Index(fields=["status", "heartbeat_at"], name="affiliates_job_stalled"),
            models.Index(fields=["queued_by", "-created_at"], name="affiliates_job_by_user"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total"))
                | models.Q(progress_total=0),
                name="affiliates_job_progress_within_total",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def progress_percent(self):
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def result_filename(self):
        return os.path.basename(self.result_file.name) if self.result_file else ""
