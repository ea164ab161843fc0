"""No click is lost and no reader sees an error when PostgreSQL, Redis or the click worker
fails: against the real app (gunicorn, production settings) in front of a PostgreSQL and
a Redis of the test's own, which it stops and starts (tests/servers.py)."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from tests.factories import BROWSER_USER_AGENT

pytest_plugins = ["tests.servers"]

PROJECT = Path(settings.BASE_DIR)
SLUG = "interview-coaching"  # a demo link whose tracking template uses page placeholders
READERS = 8


@pytest.fixture
def clicks(app_server):
    """Counts of the demo link's stored clicks in the app's own database."""

    def count(sql="SELECT COUNT(*) FROM affiliates_click c", params=()):
        with psycopg.connect(app_server.env["DATABASE_URL"]) as db:
            return db.execute(sql, params).fetchone()[0]

    return count


@pytest.fixture
def queue(app_server):
    client = redis.Redis.from_url(app_server.env["REDIS_URL"])
    yield client
    client.close()


def click(app_server, reader, **headers):
    return app_server.get(
        f"/go/{SLUG}/",
        headers={
            "User-Agent": BROWSER_USER_AGENT,
            "Sec-Fetch-Mode": "navigate",
            "X-Forwarded-For": f"198.51.100.{reader % 250 + 1}",
            **headers,
        },
    )


def burst(app_server, count):
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return [r.status_code for r in pool.map(lambda n: click(app_server, n), range(count))]


def catch_up(app_server):
    return app_server.manage("process_clicks", "--until-empty", "--name", "catch-up")


def queued(queue):
    return sum(queue.llen(key) for key in queue.scan_iter("*clicks:*") if b":rate:" not in key)


def test_a_postgresql_outage_during_a_burst_of_clicks_redirects_everyone_and_loses_none(
    app_server, postgres_server, clicks
):
    assert click(app_server, 0).status_code == 302  # the link is now cached
    catch_up(app_server)
    before = clicks()
    started = time.time()

    with postgres_server.stopped():
        answers = burst(app_server, 200)

    assert answers == [302] * 200
    catch_up(app_server)
    assert clicks() == before + 200
    # Each with the time it was made, not the time it was written.
    late = clicks(
        "SELECT COUNT(*) FROM affiliates_click WHERE clicked_at > to_timestamp(%s)",
        (time.time(),),
    )
    assert late == 0
    assert (
        clicks(
            "SELECT COUNT(*) FROM affiliates_click WHERE clicked_at >= to_timestamp(%s)", (started,)
        )
        == 200
    )


def test_a_redis_outage_during_a_burst_of_clicks_redirects_everyone_and_loses_none(
    app_server, redis_server, clicks
):
    assert click(app_server, 0).status_code == 302
    catch_up(app_server)
    before = clicks()

    with redis_server.stopped():
        answers = burst(app_server, 100)
        # Written straight to the database meanwhile: nothing waits anywhere.
        assert clicks() == before + 100

    assert answers == [302] * 100
    catch_up(app_server)
    assert clicks() == before + 100


def test_with_both_postgresql_and_redis_down_a_cached_link_still_redirects_and_clicks_wait(
    app_server, postgres_server, redis_server, clicks
):
    # Each app worker remembers the link for a moment; keep asking so both have it.
    assert click(app_server, 0).status_code == 302
    catch_up(app_server)
    before = clicks()

    with postgres_server.stopped(), redis_server.stopped():
        answers = [click(app_server, n).status_code for n in range(20)]

    # Redirected while the link was still in the app's own memory; the rest got the
    # site's "try again shortly" answer, never a 500.
    assert set(answers) <= {302, 503}
    assert 500 not in answers
    catch_up(app_server)
    assert clicks() == before + answers.count(302)


def test_a_worker_killed_mid_batch_counts_nothing_twice_when_it_starts_again(
    app_server, postgres_server, clicks, queue
):
    catch_up(app_server)
    before = clicks()
    assert burst(app_server, 50) == [302] * 50
    postgres_server.stop()
    try:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "process_clicks", "--name", "doomed"],
            cwd=PROJECT,
            env=app_server.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        # It takes a batch off the queue, then fails to write it and keeps retrying.
        while time.monotonic() < deadline and not queue.keys("*clicks:processing:doomed"):
            time.sleep(0.1)
        assert queue.keys("*clicks:processing:doomed"), "the worker never took a batch"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        postgres_server.start()

    app_server.manage("process_clicks", "--until-empty", "--name", "doomed")
    catch_up(app_server)

    assert clicks() == before + 50
    assert queued(queue) == 0


def test_a_link_switched_off_in_one_process_stops_redirecting_in_every_worker(app_server):
    slug = "careers-fair-tickets"
    app_server.manage(
        "shell",
        "-c",
        "from affiliates.models import AffiliateLink; "
        f"AffiliateLink.objects.update_or_create(slug='{slug}', defaults=dict("
        "name='Careers fair tickets', destination_url='https://fair.example/tickets', "
        "is_active=True))",
    )
    for _ in range(6):  # both app workers now have it cached
        assert app_server.get(f"/go/{slug}/").status_code == 302

    app_server.manage(
        "shell",
        "-c",
        "from affiliates.models import AffiliateLink; "
        f"link = AffiliateLink.objects.get(slug='{slug}'); link.is_active = False; link.save()",
    )
    time.sleep(3)  # LOCAL_LINK_SECONDS, with a second to spare on a busy machine

    answers = {app_server.get(f"/go/{slug}/").status_code for _ in range(10)}
    assert answers == {410}
