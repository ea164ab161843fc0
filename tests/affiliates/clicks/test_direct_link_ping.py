"""POST /go/<slug>/ping/: a reader's browser reports a click on a direct link."""

import pytest
from django.db import connection
from django.test import Client

from affiliates.days import site_today
from affiliates.models import Click, Partner
from affiliates.reports.queries import Grouping, report_rows
from tests.affiliates.reader_clicks import BOT_USER_AGENT
from tests.factories import (
    BROWSER_USER_AGENT,
    NOT_LIVE,
    AffiliateLinkFactory,
    GuidePageFactory,
    PartnerFactory,
    UserFactory,
    signed_from,
)

pytestmark = pytest.mark.django_db

READER_IP = "203.0.113.7"


@pytest.fixture
def link():
    return AffiliateLinkFactory(
        slug="interview-book",
        partner=PartnerFactory(link_style=Partner.LinkStyle.DIRECT),
        destination_url="https://www.amazon.example/dp/123?tag=cc-20",
    )


def ping_headers(**headers):
    """What Chromium sends for ``<a ping>`` on one of our pages."""
    return {
        "HTTP_USER_AGENT": BROWSER_USER_AGENT,
        "HTTP_SEC_FETCH_MODE": "no-cors",
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "HTTP_SEC_FETCH_DEST": "empty",
        "HTTP_PING_FROM": "http://localhost/guide/",
        "HTTP_PING_TO": "https://www.amazon.example/dp/123?tag=cc-20",
        "REMOTE_ADDR": READER_IP,
        **headers,
    }


def ping(client, link, query="", **headers):
    return client.post(
        f"/go/{link.slug}/ping/{query}",
        data="PING",
        content_type="text/ping",
        **ping_headers(**headers),
    )


def test_a_ping_records_a_click_credited_to_the_page(client, section, link):
    guide = GuidePageFactory(parent=section)

    response = ping(client, link, f"?from={signed_from(guide, link)}")

    assert response.status_code == 204
    click = Click.objects.get()
    assert (click.link_id, click.page_id, click.is_bot, click.is_staff) == (
        link.pk,
        guide.pk,
        False,
        False,
    )
    [row] = report_rows(Grouping.PAGE, site_today(), site_today())
    assert (row.key, row.clicks) == (guide.pk, 1)


def test_the_answer_is_empty_and_never_cached_or_indexed(client, link):
    response = ping(client, link)

    assert response.content == b""
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_ping_needs_no_csrf_token(link):
    response = ping(Client(enforce_csrf_checks=True), link)

    assert response.status_code == 204
    assert Click.objects.count() == 1


def test_a_beacon_from_the_fallback_script_is_counted(client, link):
    """``navigator.sendBeacon`` sends no Ping-From or Ping-To, and no body."""
    headers = ping_headers()
    del headers["HTTP_PING_FROM"], headers["HTTP_PING_TO"]

    response = client.post(f"/go/{link.slug}/ping/", **headers)

    assert response.status_code == 204
    assert Click.objects.get().is_bot is False


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": BOT_USER_AGENT},
        {"HTTP_USER_AGENT": ""},
        {"HTTP_SEC_PURPOSE": "prefetch"},
    ],
    ids=["crawler", "no user agent", "prefetch"],
)
def test_machines_are_flagged_as_bots_and_left_out_of_reports(client, section, link, headers):
    guide = GuidePageFactory(parent=section)

    assert ping(client, link, f"?from={signed_from(guide, link)}", **headers).status_code == 204

    assert Click.objects.get().is_bot is True
    assert report_rows(Grouping.PAGE, site_today(), site_today()) == []
    [row] = report_rows(Grouping.PAGE, site_today(), site_today(), include_bots=True)
    assert row.bot_clicks == 1


def test_a_ping_is_not_expected_to_be_a_navigation(client, link):
    """Unlike /go/, where a non-navigation fetch is a bot, a ping never navigates."""
    ping(client, link, HTTP_SEC_FETCH_MODE="no-cors")

    assert Click.objects.get().is_bot is False


def test_someone_signed_in_to_the_admin_is_counted_as_staff(client, link):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    ping(client, link)

    assert Click.objects.get().is_staff is True


@pytest.mark.parametrize("method", ["get", "head", "put", "delete"])
def test_other_methods_are_refused_and_not_counted(client, link, method):
    response = getattr(client, method)(f"/go/{link.slug}/ping/", **ping_headers())

    assert response.status_code == 405
    assert not Click.objects.exists()


def test_an_unknown_slug_answers_404(client):
    response = client.post("/go/no-such-link/ping/", **ping_headers())

    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("dates", NOT_LIVE.values(), ids=NOT_LIVE.keys())
def test_a_link_that_is_not_live_is_not_counted(client, link, dates):
    for name, value in dates.items():
        setattr(link, name, value)
    link.save()

    response = ping(client, link)

    assert response.status_code == 204
    assert not Click.objects.exists()


def test_a_ping_from_another_site_is_not_counted(client, link):
    """Another site cannot put our ping on its own links to inflate the counts."""
    response = ping(client, link, HTTP_SEC_FETCH_SITE="cross-site")

    assert response.status_code == 204
    assert not Click.objects.exists()


def test_a_ping_for_a_link_to_somewhere_else_is_not_counted(client, link):
    response = ping(client, link, HTTP_PING_TO="https://elsewhere.example/dp/123")

    assert response.status_code == 204
    assert not Click.objects.exists()


def test_the_ping_to_host_is_compared_without_regard_to_case(client, link):
    ping(client, link, HTTP_PING_TO="https://WWW.Amazon.Example/dp/123?tag=cc-20&subid=x")

    assert Click.objects.count() == 1


def test_no_address_or_browser_string_is_stored(client, link):
    ping(client, link, HTTP_X_FORWARDED_FOR=READER_IP)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Click._meta.db_table}")  # noqa: S608 (our own table)
        stored = [str(value) for row in cursor.fetchall() for value in row]
    assert stored
    for value in stored:
        assert READER_IP not in value
        assert BROWSER_USER_AGENT not in value


def test_a_ping_saying_neither_which_site_sent_it_nor_its_origin_is_not_counted(client, link):
    """A script posting here with no browser around it sends no Sec-Fetch-* or Origin."""
    headers = ping_headers()
    del headers["HTTP_SEC_FETCH_SITE"], headers["HTTP_SEC_FETCH_MODE"]
    del headers["HTTP_SEC_FETCH_DEST"]

    response = client.post(f"/go/{link.slug}/ping/", **headers)

    assert response.status_code == 204
    assert not Click.objects.exists()


def test_a_ping_from_a_browser_without_sec_fetch_but_with_our_origin_is_counted(client, link):
    headers = ping_headers(HTTP_ORIGIN="http://testserver")
    del headers["HTTP_SEC_FETCH_SITE"], headers["HTTP_SEC_FETCH_MODE"]
    del headers["HTTP_SEC_FETCH_DEST"]

    response = client.post(f"/go/{link.slug}/ping/", **headers)

    assert response.status_code == 204
    assert Click.objects.count() == 1


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver.evil"])
def test_a_ping_with_another_sites_origin_is_not_counted(client, link, origin):
    headers = ping_headers(HTTP_ORIGIN=origin)
    del headers["HTTP_SEC_FETCH_SITE"]

    response = client.post(f"/go/{link.slug}/ping/", **headers)

    assert response.status_code == 204
    assert not Click.objects.exists()
