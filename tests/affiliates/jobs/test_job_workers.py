"""Real db_worker processes on a database they share with the test: a job runs once
however many workers there are, survives its worker being SIGKILLed, and shows its
progress on its page while it runs.

The database is a file of its own (SQLite), or a database of its own on the test run's
PostgreSQL server; every query of the test goes there (``SharedDatabaseRouter``), so the
admin pages the test opens read what the workers write.
"""

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.urls import reverse

from affiliates.importing.tasks import queue_link_import
from affiliates.jobs.models import Job
from affiliates.jobs.running import queue_job
from tests.affiliates.jobs.conftest import DATABASE_QUEUE, attempts_in
from tests.affiliates.jobs.sample_tasks import count_slowly
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
SHARED = "shared_with_workers"
#: As tests/affiliates/jobs/worker_settings.py tells the workers.
WORKER_SETTINGS = {
    "JOBS_HEARTBEAT_SECONDS": 0.2,
    "JOBS_STALLED_AFTER_SECONDS": 3,
    "JOBS_RETRY_BASE_SECONDS": 0.5,
}


class SharedDatabaseRouter:
    def db_for_read(self, model, **hints):
        return SHARED

    db_for_write = db_for_read


def dj_database_url_for(server, name):
    password = f":{quote(server['password'])}" if server["password"] else ""
    return f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"


def wait_for(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory, django_db_blocker):
    """A migrated database and the environment for workers using it."""
    workdir = tmp_path_factory.mktemp("job-workers")
    default = dict(connections.settings["default"])
    if default["ENGINE"] == "django.db.backends.postgresql":
        name = f"careersite_jobs_{uuid.uuid4().hex[:8]}"
        server = {
            "host": default["HOST"],
            "port": default["PORT"] or 5432,
            "user": default["USER"],
            "password": default["PASSWORD"] or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        url = dj_database_url_for(server, name)
    else:
        name = str(workdir / "jobs.sqlite3")
        url = f"sqlite:///{name}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.affiliates.jobs.worker_settings",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(workdir / "media"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    connections.settings[SHARED] = {**default, "NAME": name, "TEST": {"NAME": name}}
    try:
        yield env
    finally:
        connections[SHARED].close()
        del connections.settings[SHARED]
        if default["ENGINE"] == "django.db.backends.postgresql":
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as db:
                db.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def shared(shared_database, django_db_blocker, settings):
    """The test's queries go to the shared database, and jobs queue there."""
    settings.MEDIA_ROOT = shared_database["MEDIA_ROOT"]
    with (
        django_db_blocker.unblock(),
        override_settings(
            DATABASE_ROUTERS=[f"{__name__}.SharedDatabaseRouter"],
            TASKS=DATABASE_QUEUE,
            **WORKER_SETTINGS,
        ),
    ):
        yield shared_database
        Job.objects.all().delete()


@pytest.fixture
def workers(shared):
    """``start()`` starts a db_worker process; all are stopped after the test."""
    started = []

    def start():
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval=0.1"],
            cwd=ROOT,
            env=shared,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def job_now(job):
    return Job.objects.get(pk=job.pk)


def count(attempts_log, **options):
    return queue_job(
        count_slowly,
        kind="count",
        title="Count slowly",
        arguments={"attempts_log": str(attempts_log), **options},
    )


def test_two_workers_given_the_same_job_twice_run_it_once(workers, tmp_path):
    attempts_log = tmp_path / "attempts.log"
    job = count(attempts_log, steps=5, seconds_per_step=0.1)
    count_slowly.enqueue(job.pk, 1)  # delivered twice: the second must do nothing

    workers(), workers()

    done = wait_for(lambda: job_now(job).status == "done" and job_now(job), "the job to finish")
    time.sleep(1)  # time for the second delivery to be taken, and come to nothing
    assert done.attempts == 1
    assert len(attempts_in(attempts_log)) == 1


def test_a_job_whose_worker_is_killed_midway_is_retried_and_completes(workers, tmp_path):
    attempts_log = tmp_path / "attempts.log"
    job = count(attempts_log, steps=20, seconds_per_step=0.2)
    first = workers()
    wait_for(lambda: job_now(job).progress_done >= 2, "the job to be under way")

    first.send_signal(signal.SIGKILL)
    first.wait()
    assert job_now(job).status == "running"  # as the worker left it

    workers()
    # The next worker has nothing queued: the stalled job is taken back by the command
    # careersite-requeue-stalled-jobs.timer runs every few minutes.
    taken_back = io.StringIO()
    wait_for(
        lambda: (
            call_command("requeue_stalled_jobs", stdout=taken_back) or job_now(job).attempts == 2
        ),
        "the job to be taken up again",
    )
    assert "Took back 1 stalled job." in taken_back.getvalue()
    done = wait_for(lambda: job_now(job).status == "done" and job_now(job), "the job to finish")
    assert done.attempts == 2
    assert done.error == ""
    first_attempt, second_attempt = attempts_in(attempts_log)
    assert first_attempt == f"{first.pid} attempt 1"
    assert second_attempt.endswith("attempt 2") and not second_attempt.startswith(str(first.pid))


def test_a_long_import_shows_its_progress_on_its_page_while_it_runs(workers, client):
    editor = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(editor)
    rows = "".join(f"Link {n},link-{n},https://partner{n}.example.com/offer\n" for n in range(300))
    job = queue_link_import(
        "many.csv", "name,slug,destination_url\n" + rows, user=editor, can_add_partners=True
    )
    workers()

    def page_while_running():
        page = client.get(reverse("affiliates_job", args=[job.pk])).content.decode()
        return "Running" in page and " of 300" in page and page

    page = wait_for(page_while_running, "the running import's progress")
    assert '<meta http-equiv="refresh"' in page
    assert "Checking the rows against the links" in page or "Saving links" in page
    done = wait_for(lambda: job_now(job).status == "done" and job_now(job), "the import", 240)
    assert done.summary == "Imported “many.csv”: 300 created, 0 updated, 0 unchanged."
    assert done.progress_done == done.progress_total == 300
