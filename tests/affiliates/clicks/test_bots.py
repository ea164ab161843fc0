"""Machines following /go/ links are sent on like anyone else, but counted as bots."""

import pytest

from affiliates.models import Click
from tests.factories import BROWSER_USER_AGENT, AffiliateLinkFactory, browser_headers

pytestmark = pytest.mark.django_db


def follow(client, **headers):
    link = AffiliateLinkFactory()
    response = client.get(f"/go/{link.slug}/", **headers)
    assert response.status_code == 302, "machines are redirected, never blocked"
    assert response["Location"] == link.destination_url
    return Click.objects.get()


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Twitterbot/1.0",
        "WhatsApp/2.23.20.0",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "curl/8.5.0",
        "python-requests/2.31.0",
    ],
)
def test_crawlers_and_link_previews_are_redirected_and_counted_as_bots(client, user_agent):
    click = follow(client, **browser_headers(HTTP_USER_AGENT=user_agent))

    assert click.is_bot is True


@pytest.mark.parametrize("user_agent", ["", "   "])
def test_a_blank_user_agent_counts_as_a_bot(client, user_agent):
    assert follow(client, **browser_headers(HTTP_USER_AGENT=user_agent)).is_bot is True


def test_a_request_without_a_user_agent_counts_as_a_bot(client):
    headers = browser_headers()
    del headers["HTTP_USER_AGENT"]

    assert follow(client, **headers).is_bot is True


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_SEC_PURPOSE": "prefetch;anonymous-client-ip"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
    ],
)
def test_browser_prefetches_are_counted_as_bots(client, headers):
    assert follow(client, **browser_headers(**headers)).is_bot is True


@pytest.mark.parametrize("mode", ["no-cors", "cors", "same-origin"])
def test_a_link_fetched_by_a_page_rather_than_opened_counts_as_a_bot(client, mode):
    """For example ``<img src="/go/offer/">`` on someone else's page."""
    headers = browser_headers(HTTP_SEC_FETCH_MODE=mode, HTTP_SEC_FETCH_DEST="image")

    assert follow(client, **headers).is_bot is True


def test_a_reader_opening_the_link_is_not_a_bot(client):
    assert follow(client, **browser_headers()).is_bot is False


def test_a_browser_that_sends_no_fetch_metadata_is_not_a_bot(client):
    """Older browsers send no Sec-Fetch-* headers at all."""
    click = follow(client, HTTP_USER_AGENT=BROWSER_USER_AGENT, REMOTE_ADDR="203.0.113.7")

    assert click.is_bot is False
