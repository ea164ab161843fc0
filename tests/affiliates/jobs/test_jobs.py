"""Jobs queued in the database and run by the db_worker loop: claimed once, retried with
backoff, failed with their error, and shown only to the people they belong to."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from affiliates.jobs.models import Job
from affiliates.jobs.running import queue_job, requeue_stalled_jobs
from tests.affiliates.jobs.conftest import attempts_in
from tests.affiliates.jobs.sample_tasks import count_slowly
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queue_count(attempts_log, user=None, **options):
    return queue_job(
        count_slowly,
        kind="count",
        title="Count slowly",
        user=user,
        arguments={"attempts_log": str(attempts_log), **options},
    )


def test_a_queued_job_waits_for_the_worker_and_the_worker_runs_it(database_queue, attempts_log):
    job = queue_count(attempts_log, steps=3)

    assert job.status == Job.Status.QUEUED
    assert attempts_in(attempts_log) == []

    database_queue()

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.summary == "Counted to 3."
    assert job.attempts == 1
    assert len(attempts_in(attempts_log)) == 1


def test_a_second_delivery_of_the_same_attempt_does_nothing(database_queue, attempts_log):
    job = queue_count(attempts_log)
    count_slowly.enqueue(job.pk, 1)  # the same attempt, delivered again

    database_queue()

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.attempts == 1
    assert len(attempts_in(attempts_log)) == 1
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_a_failing_job_is_retried_with_growing_waits_then_fails_with_its_error(
    database_queue, attempts_log, settings, admin_client
):
    settings.JOBS_RETRY_BASE_SECONDS = 60
    job = queue_count(attempts_log, failing_attempts=3)

    database_queue()
    job.refresh_from_db()
    first_wait = job.next_attempt_at - timezone.now()
    assert job.status == Job.Status.QUEUED
    assert job.attempts == 1
    assert "did not answer (attempt 1)" in job.error
    assert datetime.timedelta(seconds=50) < first_wait <= datetime.timedelta(seconds=60)

    # Not before its time: the worker finds nothing ready.
    database_queue()
    assert len(attempts_in(attempts_log)) == 1

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    database_queue()
    job.refresh_from_db()
    second_wait = job.next_attempt_at - timezone.now()
    assert (job.status, job.attempts) == (Job.Status.QUEUED, 2)
    assert datetime.timedelta(seconds=110) < second_wait <= datetime.timedelta(seconds=120)
    page = admin_client.get(reverse("affiliates_job", args=[job.pk])).content.decode()
    assert "attempt 3 of 3 will start after" in page
    assert "The last attempt failed: The partner&#x27;s API did not answer (attempt 2)" in page

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    database_queue()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.FAILED, 3)
    assert len(attempts_in(attempts_log)) == 3
    page = admin_client.get(reverse("affiliates_job", args=[job.pk])).content.decode()
    assert "The partner&#x27;s API did not answer (attempt 3)" in page
    assert 'http-equiv="refresh"' not in page


def test_a_job_whose_worker_went_quiet_is_queued_again_and_then_completes(
    database_queue, attempts_log, settings
):
    settings.JOBS_STALLED_AFTER_SECONDS = 60
    job = queue_count(attempts_log)
    # As a worker killed mid-job leaves it: running, its heartbeat stopped.
    quiet_since = timezone.now() - datetime.timedelta(seconds=61)
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=quiet_since)
    DBTaskResult.objects.update(status="RUNNING")

    requeue_stalled_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert "The worker stopped during attempt 1" in job.error

    database_queue()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)


def test_a_job_heard_from_recently_is_left_running(attempts_log, settings):
    settings.JOBS_STALLED_AFTER_SECONDS = 60
    job = queue_count(attempts_log)
    Job.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now())

    requeue_stalled_jobs()

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_people_see_their_own_jobs_and_superusers_see_everyones(client, user_with, attempts_log):
    owner, other = user_with(), user_with()
    job = queue_count(attempts_log, user=owner)

    client.force_login(owner)
    assert "Count slowly" in client.get(reverse("affiliates_jobs")).content.decode()
    assert client.get(reverse("affiliates_job", args=[job.pk])).status_code == 200

    client.force_login(other)
    assert "Count slowly" not in client.get(reverse("affiliates_jobs")).content.decode()
    denied = client.get(reverse("affiliates_job", args=[job.pk]))
    assert denied.status_code == 403
    assert "queued by someone else" in denied.content.decode()

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    listing = client.get(reverse("affiliates_jobs")).content.decode()
    assert "Count slowly" in listing
    assert owner.username in listing


def test_an_unfinished_jobs_page_reloads_itself(database_queue, admin_client, attempts_log):
    job = queue_count(attempts_log)

    page = admin_client.get(reverse("affiliates_job", args=[job.pk])).content.decode()

    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Queued" in page
