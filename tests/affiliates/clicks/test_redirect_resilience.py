"""A failing database never stops a reader reaching the partner if it can be helped."""

import logging
import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from affiliates.clicks import queue as click_queue
from affiliates.models import Click
from tests.factories import AffiliateLinkFactory, browser_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def affiliate_log(caplog):
    # The "affiliates" logger does not propagate to the root, where caplog listens.
    logger = logging.getLogger("affiliates")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


@contextmanager
def database_down():
    """Every SQL statement fails, as when the server is unreachable."""
    unreachable = OperationalError("could not connect to server: Connection refused")
    with (
        mock.patch.object(CursorWrapper, "execute", side_effect=unreachable),
        mock.patch.object(CursorWrapper, "executemany", side_effect=unreachable),
    ):
        yield


def follow(client, link):
    return client.get(f"/go/{link.slug}/", **browser_headers())


def test_a_click_that_cannot_be_saved_still_redirects_and_is_logged(
    client, affiliate_log, monkeypatch
):
    link = AffiliateLinkFactory()
    execute = CursorWrapper.execute

    def locked_for_clicks(cursor, sql, params=None):
        # On PostgreSQL the click's INSERT sits inside the daily roll-up's WITH statement.
        if "INSERT" in sql and Click._meta.db_table in sql:
            raise OperationalError("database is locked")
        return execute(cursor, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", locked_for_clicks)
    response = follow(client, link)
    monkeypatch.undo()

    assert response.status_code == 302
    assert response["Location"] == link.destination_url
    assert not Click.objects.exists()
    [record] = [r for r in affiliate_log.records if r.name.startswith("affiliates")]
    assert record.levelno == logging.ERROR
    assert f"affiliate link {link.pk}" in record.getMessage()
    assert "database is locked" in record.exc_text


def test_a_cached_link_redirects_while_the_database_is_unreachable(client, affiliate_log):
    link = AffiliateLinkFactory()
    follow(client, link)  # now cached

    with mock.patch(
        "django.db.models.query.QuerySet.get", side_effect=OperationalError("server gone")
    ):
        response = follow(client, link)

    assert response.status_code == 302
    assert response["Location"] == link.destination_url


def test_a_cached_link_redirects_when_no_sql_at_all_can_run(client, affiliate_log):
    link = AffiliateLinkFactory()
    follow(client, link)  # cached before the outage

    with database_down():
        response = follow(client, link)

    assert response.status_code == 302
    assert response["Location"] == link.destination_url
    assert any("spooled it" in r.getMessage() for r in affiliate_log.records)
    # The click waits on the app server's disk and is written once the database is back.
    assert Click.objects.count() == 1
    time.sleep(click_queue.SPOOL_SETTLE_SECONDS)
    assert click_queue.drain_spool() == 1
    assert Click.objects.count() == 2


def test_an_uncached_link_asks_the_reader_to_retry_while_the_database_is_down(
    client, affiliate_log
):
    with database_down():
        response = client.get("/go/some-offer/", **browser_headers())

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Cache-Control"] == "no-store"
    assert "Please try again shortly" in response.content.decode()
    assert any("some-offer" in r.getMessage() for r in affiliate_log.records)


def test_an_uncached_link_whose_lookup_fails_gets_a_503(client, affiliate_log):
    link = AffiliateLinkFactory()

    with mock.patch(
        "django.db.models.query.QuerySet.get", side_effect=OperationalError("server gone")
    ):
        response = follow(client, link)

    assert response.status_code == 503
    assert "Retry-After" in response
    assert link.destination_url not in response.content.decode()
