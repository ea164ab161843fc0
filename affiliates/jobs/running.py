"""Queueing, running, retrying and recovering jobs on django-tasks.

Each attempt at a job is one delivery of its task, ``task(job_id, attempt)``, to the
worker (``manage.py db_worker``, queue in the database: django-tasks-db):

- **Never twice at once.** An attempt starts only by claiming the job: one conditional
  ``UPDATE`` from *queued* with ``attempt - 1`` attempts to *running* with ``attempt``.
  Only one delivery can win it; any other delivery of the same attempt (a second worker,
  a task queued twice) finds nothing to claim and does nothing. The same condition on
  every later write means an attempt that was given up on can't overwrite its successor.
- **Retries with backoff.** An exception fails the attempt; the job goes back to
  *queued* and its next attempt is queued to run ``JOBS_RETRY_BASE_SECONDS × 2^(n-1)``
  later, until ``max_attempts``; then it is *failed*, with the error. ``JobFailed``
  (e.g. an import file with unusable rows) fails the job at once: another attempt would
  find the same rows.
- **A killed worker.** While an attempt runs, a thread of its own writes the job's
  heartbeat and progress every ``JOBS_HEARTBEAT_SECONDS`` (its own database connection,
  so the progress shows even while the job holds a transaction open, on PostgreSQL). A
  running job not heard from for ``JOBS_STALLED_AFTER_SECONDS`` lost its worker
  (SIGKILL, out of memory, a machine gone): ``requeue_stalled_jobs`` counts that attempt
  as failed and queues the next one. It runs whenever a worker starts an attempt of any
  job and whenever someone opens the Jobs pages, so a stalled job is taken up again as
  soon as a worker has work or a person is waiting for it.

On SQLite a job that holds a write transaction (an import being applied) blocks the
heartbeat's writes until it commits: ``JOBS_STALLED_AFTER_SECONDS`` (5 minutes) is far
longer than the largest import takes.
"""

import functools
import logging
import os
import socket
import tempfile
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from .files import job_file_name, job_files
from .models import Job

logger = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 3
#: Settings an operator may change; the defaults suit the site as it is.
DEFAULTS = {
    "JOBS_RETRY_BASE_SECONDS": 30,
    "JOBS_HEARTBEAT_SECONDS": 2,
    "JOBS_STALLED_AFTER_SECONDS": 300,
}
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
QUEUED, RUNNING, DONE, FAILED = Job.Status.values


def _setting(name):
    return getattr(settings, name, DEFAULTS[name])


def retry_delay(attempt):
    """How long to wait after failed attempt number ``attempt`` (1, 2, …)."""
    return timedelta(seconds=_setting("JOBS_RETRY_BASE_SECONDS") * 2 ** (attempt - 1))


class JobFailed(Exception):
    """A failure another attempt would only repeat: the job fails at once, listing
    ``errors`` (dicts with a ``message``, and a ``line`` where there is one)."""

    def __init__(self, message, errors=()):
        super().__init__(message)
        self.errors = list(errors)


class JobRun:
    """What a job function is given: the job, and ways to report on it."""

    def __init__(self, job):
        self.job = job
        self.attempt = job.attempts
        self.errors = []
        self.result_url = ""
        self.result_file_name = ""
        self._lock = threading.Lock()
        self._progress = {}

    @property
    def arguments(self):
        return self.job.arguments

    def progress(self, done, total=None, label=None):
        """Record how far the job is; the heartbeat writes it within a few seconds."""
        with self._lock:
            self._progress["progress_done"] = done
            if total is not None:
                self._progress["progress_total"] = total
            if label is not None:
                self._progress["progress_label"] = label

    def save_progress(self):
        """Write the progress now, from this thread: before the job opens a transaction
        that keeps the heartbeat out (SQLite), so its page shows how far it has come."""
        _this_attempt(self.job.pk, self.attempt).update(
            heartbeat_at=timezone.now(), **self.take_progress()
        )

    def take_progress(self):
        with self._lock:
            progress, self._progress = self._progress, {}
        return progress

    def open_input(self):
        return self.job.input_file.open("rb")

    @contextmanager
    def result_file(self, filename):
        """A binary file to write the result into; kept, and offered for download from
        the job's page, if the job succeeds."""
        with tempfile.TemporaryFile() as temporary:
            yield temporary
            temporary.seek(0)
            self.result_file_name = job_files.save(
                job_file_name(self.job, filename), File(temporary, name=filename)
            )


class _Heartbeat(threading.Thread):
    """Tells the database the attempt is alive, with its latest progress."""

    def __init__(self, run):
        super().__init__(name=f"job-{run.job.pk}-heartbeat", daemon=True)
        self.run_ = run
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(_setting("JOBS_HEARTBEAT_SECONDS")):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self):
        values = {"heartbeat_at": timezone.now(), **self.run_.take_progress()}
        try:
            _this_attempt(self.run_.job.pk, self.run_.attempt).update(**values)
        except DatabaseError as error:
            # SQLite: the job itself holds the write lock. The next beat tries again.
            logger.debug("Job %s heartbeat not written: %s", self.run_.job.pk, error)

    def stop(self):
        self.stopped.set()
        self.join()


def _this_attempt(job_id, attempt):
    return Job.objects.filter(pk=job_id, status=RUNNING, attempts=attempt)


def job_task(function=None, *, priority=0):
    """Make ``function(run: JobRun) -> summary`` the work of a kind of job: a django-tasks
    task, delivered once per attempt, that ``queue_job`` queues."""

    def decorate(work):
        @functools.wraps(work)
        def deliver(job_id, attempt):
            run_attempt(job_id, attempt, work)

        return task(priority=priority)(deliver)

    return decorate(function) if function else decorate


def queue_job(
    job_task,
    *,
    kind,
    title,
    user=None,
    arguments=None,
    input_file=None,
    download_permissions=(),
    max_attempts=DEFAULT_MAX_ATTEMPTS,
):
    """Create a job and queue its first attempt. ``input_file``: a Django ``File``."""
    job = Job(
        kind=kind,
        title=title[: Job._meta.get_field("title").max_length],
        queued_by=user if user and user.is_authenticated else None,
        task_path=job_task.module_path,
        arguments=arguments or {},
        download_permissions=list(download_permissions),
        max_attempts=max_attempts,
        next_attempt_at=timezone.now(),
    )
    if input_file is not None:
        job.input_file.save(input_file.name, input_file, save=False)
    job.save()
    _deliver(job, 1)
    # Where jobs run at once (the tests' immediate backend) it has already finished.
    job.refresh_from_db()
    return job


def _deliver(job, attempt, run_after=None):
    job_task = import_string(job.task_path)
    if run_after is not None and job_task.get_backend().supports_defer:
        job_task = job_task.using(run_after=run_after)
    job_task.enqueue(job.pk, attempt)


def run_attempt(job_id, attempt, work):
    """Claim attempt ``attempt`` of the job and run ``work`` on it; see the module's doc."""
    requeue_stalled_jobs()
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=QUEUED, attempts=attempt - 1).update(
        status=RUNNING,
        attempts=attempt,
        started_at=now,
        heartbeat_at=now,
        next_attempt_at=None,
        worker=WORKER_NAME[: Job._meta.get_field("worker").max_length],
    )
    if not claimed:
        logger.info("Job %s: attempt %s is not queued (delivered twice?); skipped", job_id, attempt)
        return
    run = JobRun(Job.objects.get(pk=job_id))
    heartbeat = _Heartbeat(run)
    heartbeat.start()
    try:
        summary = work(run)
    except JobFailed as failure:
        outcome = {"status": FAILED, "error": str(failure), "errors": failure.errors}
    except Exception as error:
        logger.exception("Job %s: attempt %s failed", job_id, attempt)
        outcome = _after_failure(run.job, attempt, error)
    except BaseException:
        # The worker was told to stop at once (a second Ctrl-C): the attempt counts as
        # failed, and the next one is queued for whichever worker runs next.
        heartbeat.stop()
        _finish(run, _after_failure(run.job, attempt, "The worker was stopped during the job."))
        raise
    else:
        outcome = {
            "status": DONE,
            "summary": summary or "",
            "errors": run.errors,
            "result_url": run.result_url,
            "result_file": run.result_file_name,
            "error": "",
        }
    heartbeat.stop()
    _finish(run, outcome)


def _after_failure(job, attempt, error):
    message = str(error) or type(error).__name__
    if attempt < job.max_attempts:
        return {"status": QUEUED, "error": message}
    return {"status": FAILED, "error": message}


def _finish(run, outcome):
    now = timezone.now()
    if outcome["status"] == QUEUED:
        outcome["next_attempt_at"] = now + retry_delay(run.attempt)
    else:
        outcome["finished_at"] = now
    outcome = {**run.take_progress(), "heartbeat_at": now, **outcome}
    if outcome["status"] == DONE and run.job.progress_total:
        outcome.setdefault("progress_done", run.job.progress_total)
    if not _this_attempt(run.job.pk, run.attempt).update(**outcome):
        # The sweep took the job back from a worker it thought dead; its next attempt
        # decides the outcome.
        logger.warning("Job %s: attempt %s ended after it was given up on", run.job.pk, run.attempt)
        return
    if outcome["status"] == QUEUED:
        _deliver(run.job, run.attempt + 1, run_after=outcome["next_attempt_at"])


def requeue_stalled_jobs():
    """Take back every running job whose worker has gone quiet: that attempt failed,
    and the next one is queued (or the job fails, after its last attempt)."""
    now = timezone.now()
    quiet_since = now - timedelta(seconds=_setting("JOBS_STALLED_AFTER_SECONDS"))
    stalled = Job.objects.filter(status=RUNNING, heartbeat_at__lt=quiet_since)
    for job in stalled:
        heard = timezone.localtime(job.heartbeat_at)
        stopped = (
            f"The worker stopped during attempt {job.attempts} (last heard from {heard:%H:%M:%S})."
        )
        if job.attempts < job.max_attempts:
            values = {"status": QUEUED, "next_attempt_at": now, "error": stopped}
        else:
            values = {"status": FAILED, "finished_at": now, "error": stopped}
        # Only if nobody (another sweep, a late heartbeat) got there first.
        taken = Job.objects.filter(
            pk=job.pk, status=RUNNING, attempts=job.attempts, heartbeat_at=job.heartbeat_at
        ).update(**values)
        if taken:
            logger.warning("Job %s: %s", job.pk, stopped)
            if values["status"] == QUEUED:
                _deliver(job, job.attempts + 1)
