"""Readers clicking at the same moment are each counted, against a real server."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from django.conf import settings
from django.db import connection

from affiliates.clicks import visitor_keys
from affiliates.models import Click
from tests.factories import BROWSER_USER_AGENT, AffiliateLinkFactory

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(settings.BASE_DIR)
READERS = 20


@pytest.fixture
def link():
    return AffiliateLinkFactory(destination_url="https://partner.example.com/offer")


@pytest.fixture
def click_server(request, tmp_path, link):
    """The site, running with ``link`` in its database: ``(url, click_counts)``.

    ``click_counts()`` gives the link's stored clicks, those not from bots, and the
    distinct visitor keys among them.

    Normally pytest-django's ``live_server``. With the in-memory SQLite test
    database, ``live_server`` makes every request thread share one connection,
    which SQLite cannot use from several threads at once ("database table is
    locked") and which no deployment does. There the site runs under gunicorn, as
    deployed (two processes, threads), on a file copy of the test database, so
    each thread gets its own connection as in production.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        live_server = request.getfixturevalue("live_server")
        yield live_server.url, lambda: _click_counts(Click.objects.filter(link=link))
        return

    yield from _gunicorn_on_a_copy_of_the_test_database(tmp_path / "db.sqlite3", link)


def _click_counts(clicks):
    return (
        clicks.count(),
        clicks.filter(is_bot=False).count(),
        clicks.values("visitor_key").distinct().count(),
    )


def _gunicorn_on_a_copy_of_the_test_database(database, link):
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)
    copy.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careersite.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "PROXY_COUNT": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "careersite.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--threads", "10", "--worker-class", "gthread"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_listening(port, server)

        def click_counts():
            with sqlite3.connect(database) as db:
                query = (
                    "SELECT COUNT(*), COUNT(*) - SUM(is_bot), COUNT(DISTINCT visitor_key) "
                    "FROM affiliates_click WHERE link_id = ?"
                )
                return db.execute(query, [link.pk]).fetchone()

        yield f"http://127.0.0.1:{port}", click_counts
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_listening(port, server):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn did not start:\n{server.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not start listening within a minute")


class _DontFollow(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def one_proxy(settings):
    # Readers are told apart by address; each comes through "our" proxy with its own.
    settings.PROXY_COUNT = 1


def test_simultaneous_clicks_are_all_counted(link, one_proxy, click_server):
    visitor_keys.forget()  # the first clicks also race to create the day's salt
    base_url, click_counts = click_server
    opener = urllib.request.build_opener(_DontFollow)
    start = Barrier(READERS)

    def click(reader):
        request = urllib.request.Request(  # noqa: S310 (our own test server)
            f"{base_url}/go/{link.slug}/",
            # An address per reader, so each is a different visitor.
            headers={
                "User-Agent": BROWSER_USER_AGENT,
                "X-Forwarded-For": f"198.51.100.{reader + 1}",
            },
        )
        start.wait()
        try:
            opener.open(request, timeout=60)  # noqa: S310
        except urllib.error.HTTPError as response:  # an unfollowed redirect lands here
            return response.code, response.headers["Location"]
        return None

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        answers = list(pool.map(click, range(READERS)))

    assert answers == [(302, "https://partner.example.com/offer")] * READERS
    clicks, human_clicks, visitors = click_counts()
    assert clicks == READERS
    assert human_clicks == READERS
    assert visitors == READERS
