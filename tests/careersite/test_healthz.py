"""``/healthz/`` says whether the app reaches its database, caches and job queue, in time.

The outage tests run against the real thing: the app under gunicorn with production
settings, in front of a PostgreSQL and a Redis of the tests' own that they stop, or
freeze with SIGSTOP so that they accept connections and never answer (tests/servers.py).
"""

import ast
import contextlib
import os
import signal
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from tests.careersite.test_settings import PRODUCTION_ENV, read_setting
from tests.deploy.test_front_cache import (
    MODEL_GUIDE,
    QUICK,
    STALE_AFTER,
    fetch,
    project_vcl,
    running_varnish,
)

pytest_plugins = ["tests.servers"]

COMPONENTS = {"database", "cache", "links_cache", "job_queue"}
# What load balancers and the front cache's probe allow (.timeout in the VCL).
PROBE_SECONDS = 2


@task()
def send_weekly_digest():
    """A job for the queue; nothing runs it in these tests."""


def ask(site, method="GET", **kwargs):
    started = time.monotonic()
    response = site.request(method, "/healthz/", **kwargs)
    return response, time.monotonic() - started


@contextlib.contextmanager
def frozen(pid):
    """The process stops answering, as a hung server does, until the block ends."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@contextlib.contextmanager
def renamed_table(table, elsewhere):
    with connection.schema_editor() as editor:
        editor.alter_db_table(DBTaskResult, table, elsewhere)
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            editor.alter_db_table(DBTaskResult, elsewhere, table)


def postmaster_pid(postgres_server):
    return int((postgres_server.data / "postmaster.pid").read_text().split()[0])


def healthy_again(site, seconds=10):
    """The first answer of 200, waiting for checks a frozen server left running to end."""
    deadline = time.monotonic() + seconds
    response, _ = ask(site)
    while response.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        response, _ = ask(site)
    return response


@pytest.fixture
def site(app_server):
    assert healthy_again(app_server).status_code == 200, app_server.log_tail()
    return app_server


# --- In the test process: what the answer says --------------------------------------------


def test_every_component_is_reported_ok_when_all_is_well(client, db):
    response = client.get("/healthz/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == COMPONENTS
    assert {check["status"] for check in body["checks"].values()} == {"ok"}


def test_the_job_queue_reports_how_many_jobs_wait_and_how_long_the_oldest_has(
    client, transactional_db, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_weekly_digest.enqueue()
    send_weekly_digest.enqueue()
    DBTaskResult.objects.filter(
        pk=DBTaskResult.objects.order_by("enqueued_at").values("pk")[:1]
    ).update(enqueued_at=timezone.now() - timedelta(minutes=5))

    response = client.get("/healthz/")

    # A backlog means no worker is running, not that this server cannot serve readers.
    assert response.status_code == 200
    queue = response.json()["checks"]["job_queue"]
    assert queue["backend"] == "DatabaseBackend"
    assert queue["waiting"] == 2
    assert 300 <= queue["oldest_waiting_seconds"] < 360


def test_a_job_queue_table_that_cannot_be_read_fails_only_that_check(
    client, transactional_db, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    table = DBTaskResult._meta.db_table
    with renamed_table(table, f"{table}_elsewhere"):  # as if its migration had not run
        response = client.get("/healthz/")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["job_queue"]
    # "relation does not exist" on PostgreSQL, "no such table" on SQLite.
    assert body["checks"]["job_queue"]["reason"] in ("ProgrammingError", "OperationalError")
    assert body["checks"]["database"]["status"] == "ok"
    assert client.get("/healthz/").status_code == 200


def test_production_answers_load_balancers_over_plain_http_but_sends_readers_to_https(
    client, db, settings
):
    exempt = read_setting(
        "careersite.settings.production", "SECURE_REDIRECT_EXEMPT", **PRODUCTION_ENV
    )
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = ast.literal_eval(exempt)

    assert client.get("/healthz/").status_code == 200
    assert client.get("/").status_code == 301


def test_only_get_and_head_are_answered(client, db):
    assert client.head("/healthz/").status_code == 200
    assert client.post("/healthz/").status_code == 405


# --- The real app: production settings under gunicorn --------------------------------------


def test_the_app_server_answers_ok_quickly_without_caching_or_cookies(site):
    response, seconds = ask(site)

    assert response.status_code == 200, response.text
    assert seconds < PROBE_SECONDS
    body = response.json()
    assert body["status"] == "ok"
    statuses = {name: check["status"] for name, check in body["checks"].items()}
    assert statuses == dict.fromkeys(COMPONENTS, "ok")
    assert body["checks"]["job_queue"]["backend"] == "DatabaseBackend"
    assert isinstance(body["checks"]["job_queue"]["waiting"], int)
    cache_control = response.headers["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
    assert "X-Page-Cache" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Type"] == "application/json"


def test_every_allowed_host_gets_an_answer_and_others_are_refused(site):
    assert ask(site, headers={"Host": "127.0.0.1"})[0].status_code == 200
    assert ask(site, headers={"Host": "localhost"})[0].status_code == 200
    assert ask(site, headers={"Host": "attacker.example"})[0].status_code == 400


def test_head_gets_the_status_and_headers_without_a_body(site):
    response, _ = ask(site, method="HEAD")

    assert response.status_code == 200
    assert response.content == b""
    assert "no-store" in response.headers["Cache-Control"]


def test_a_stopped_database_is_named_within_two_seconds_and_recovery_shows_at_once(
    site, postgres_server
):
    with postgres_server.stopped():
        first, first_seconds = ask(site)
        second, second_seconds = ask(site)

    assert first.status_code == 503, first.text
    assert first_seconds < PROBE_SECONDS
    assert second_seconds < PROBE_SECONDS
    body = first.json()
    assert body["status"] == "failing"
    assert "database" in body["failing"]
    assert body["checks"]["database"]["reason"].startswith("could not connect")
    # The job queue lives in the same database.
    assert "job_queue" in body["failing"]
    assert body["checks"]["cache"]["status"] == "ok"
    assert second.status_code == 503
    assert "no-store" in first.headers["Cache-Control"]
    assert "Set-Cookie" not in first.headers
    # Nothing held the failure: the very next answer is the new state.
    recovered, _ = ask(site)
    assert recovered.status_code == 200, recovered.text


def test_a_hung_database_is_reported_within_two_seconds(site, postgres_server):
    with frozen(postmaster_pid(postgres_server)):
        first, first_seconds = ask(site)
        # A check still hanging from the first probe is waited for, not started again.
        second, second_seconds = ask(site)

    assert first.status_code == 503, first.text
    assert first_seconds < PROBE_SECONDS
    assert first.json()["checks"]["database"]["reason"] == "no answer within 1.5 s"
    assert {"database", "job_queue"} <= set(first.json()["failing"])
    assert second.status_code == 503
    assert second_seconds < PROBE_SECONDS
    assert healthy_again(site).status_code == 200


def test_a_stopped_redis_is_named_within_two_seconds(site, redis_server):
    with redis_server.stopped():
        response, seconds = ask(site)

    assert response.status_code == 503, response.text
    assert seconds < PROBE_SECONDS
    body = response.json()
    assert set(body["failing"]) == {"cache", "links_cache"}
    assert body["checks"]["cache"]["reason"] == "a value written could not be read back"
    assert body["checks"]["links_cache"]["reason"] == "ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"
    assert ask(site)[0].status_code == 200


def test_a_hung_redis_is_reported_within_two_seconds(site, redis_server):
    with frozen(redis_server.process.pid):
        response, seconds = ask(site)

    assert response.status_code == 503, response.text
    assert seconds < PROBE_SECONDS
    assert {"cache", "links_cache"} <= set(response.json()["failing"])
    assert healthy_again(site).status_code == 200


def test_failure_reasons_name_no_address_or_credentials(site, postgres_server, redis_server):
    with postgres_server.stopped(), redis_server.stopped():
        response, _ = ask(site)

    assert response.status_code == 503
    assert set(response.json()["failing"]) == COMPONENTS
    for secret in ("127.0.0.1", str(postgres_server.port), str(redis_server.port), "postgres"):
        assert secret not in response.text


# --- Behind the front cache ----------------------------------------------------------------


@pytest.fixture
def front_cache(site, tmp_path):
    site.redis.flush()
    with running_varnish(tmp_path, project_vcl(site.port, *QUICK)) as port:
        yield port


def test_the_front_cache_always_asks_the_app_for_the_health_check(front_cache, redis_server):
    assert fetch(front_cache, "/healthz/")[0] == 200
    with redis_server.stopped():
        status, headers, _ = fetch(front_cache, "/healthz/")
    again = fetch(front_cache, "/healthz/")

    assert status == 503
    assert headers["X-Cache"] == "MISS"
    assert again[0] == 200
    assert again[1]["X-Cache"] == "MISS"


def test_the_front_caches_probe_uses_the_health_check(front_cache, redis_server):
    # Healthy: a page past its time and its short grace is fetched again.
    fetch(front_cache, MODEL_GUIDE)
    time.sleep(STALE_AFTER)
    status, headers, _ = fetch(front_cache, MODEL_GUIDE)
    assert (status, headers["X-Cache"]) == (200, "MISS")

    # With Redis down /healthz/ fails, the probe counts the app sick, and readers get the
    # copy Varnish holds (the pages themselves would still render: only the probe knows).
    with redis_server.stopped():
        time.sleep(STALE_AFTER)
        status, headers, _ = fetch(front_cache, MODEL_GUIDE)

    assert (status, headers["X-Cache"]) == (200, "HIT")
    assert int(headers["Age"]) >= STALE_AFTER - 1
