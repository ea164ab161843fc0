"""A link's start and expiry dates: outside them it behaves as inactive, and the listing
says which links have expired or soon will."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from wagtail.test.utils.form_data import querydict_from_html

from affiliates.models import AffiliateLink, Click
from tests.factories import AffiliateLinkFactory, browser_headers

pytestmark = pytest.mark.django_db

LIST_URL = "wagtailsnippets_affiliates_affiliatelink:list"
EDIT_URL = "wagtailsnippets_affiliates_affiliatelink:edit"
NOW = datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC)


def follow(client, link):
    return client.get(f"/go/{link.slug}/", **browser_headers())


def moment(days):
    return NOW + datetime.timedelta(days=days)


@freeze_time(NOW)
def test_an_expired_link_sends_readers_to_its_fallback_and_counts_nothing(client):
    link = AffiliateLinkFactory(
        expires_at=moment(-1), fallback_url="https://partner.example.com/other-offers"
    )

    response = follow(client, link)

    assert response.status_code == 302
    assert response["Location"] == "https://partner.example.com/other-offers"
    assert not Click.objects.exists()


@freeze_time(NOW)
def test_an_expired_link_without_a_fallback_says_it_is_gone(client):
    link = AffiliateLinkFactory(expires_at=moment(-1))

    response = follow(client, link)

    assert response.status_code == 410
    assert "no longer available" in response.content.decode()
    assert not Click.objects.exists()


@freeze_time(NOW)
def test_a_link_that_has_not_started_yet_behaves_as_inactive(client):
    link = AffiliateLinkFactory(starts_at=moment(2), fallback_url="https://partner.example.com/")

    response = follow(client, link)

    assert response["Location"] == "https://partner.example.com/"
    assert not Click.objects.exists()


@freeze_time(NOW)
def test_a_link_within_its_dates_goes_to_its_destination(client):
    link = AffiliateLinkFactory(starts_at=moment(-2), expires_at=moment(2))

    response = follow(client, link)

    assert response["Location"] == link.destination_url
    assert Click.objects.count() == 1


def test_a_link_stops_at_its_expiry_even_while_its_redirect_is_cached(client):
    link = AffiliateLinkFactory(expires_at=NOW, fallback_url="https://partner.example.com/")

    with freeze_time(NOW - datetime.timedelta(seconds=1)):
        assert follow(client, link)["Location"] == link.destination_url
    with freeze_time(NOW):
        assert follow(client, link)["Location"] == "https://partner.example.com/"


def edit_form(editor, link, **values):
    url = reverse(EDIT_URL, args=[link.pk])
    data = querydict_from_html(editor.get(url).content.decode(), form_id="w-editor-form")
    data.update(values)
    return url, data


def test_an_expiry_before_the_start_is_a_form_error(editor):
    link = AffiliateLinkFactory()
    url, data = edit_form(editor, link, starts_at="2026-12-10 09:00", expires_at="2026-12-01 09:00")

    response = editor.post(url, data)

    assert response.status_code == 200
    assert "The expiry must come after the start." in response.content.decode()
    link.refresh_from_db()
    assert link.expires_at is None


def test_editors_set_the_dates_in_the_link_form(editor):
    link = AffiliateLinkFactory()
    url, data = edit_form(editor, link, starts_at="2026-12-01 09:00", expires_at="2026-12-31 23:59")

    response = editor.post(url, data)

    assert response.status_code == 302
    link.refresh_from_db()
    assert timezone.localtime(link.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-12-01 09:00"
    assert timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M") == "2026-12-31 23:59"


@pytest.fixture
def links_in_every_state():
    return {
        "live": AffiliateLinkFactory(name="Live offer"),
        "dated": AffiliateLinkFactory(name="Dated offer", expires_at=moment(60)),
        "expiring": AffiliateLinkFactory(name="Expiring offer", expires_at=moment(3)),
        "expired": AffiliateLinkFactory(name="Expired offer", expires_at=moment(-3)),
        "scheduled": AffiliateLinkFactory(name="Future offer", starts_at=moment(5)),
        "off": AffiliateLinkFactory(name="Switched-off offer", is_active=False),
    }


def availability_cells(response):
    soup = BeautifulSoup(response.content, "html.parser")
    heading = [th.get_text(strip=True) for th in soup.select("table.listing thead th")]
    column = heading.index("Availability")
    return {
        row.select_one("td.title span[id$=_title]").get_text(strip=True): " ".join(
            row.find_all("td")[column].get_text(" ", strip=True).split()
        )
        for row in soup.select("table.listing tbody tr")
    }


@freeze_time(NOW)
def test_the_listing_shows_expired_and_soon_to_expire_links(editor, links_in_every_state):
    response = editor.get(reverse(LIST_URL))

    assert availability_cells(response) == {
        "Dated offer": "Live",
        "Expired offer": "Expired 22 Nov 2026",
        "Expiring offer": "Expires 28 Nov 2026",
        "Future offer": "Starts 30 Nov 2026",
        "Live offer": "Live",
        "Switched-off offer": "Switched off",
    }


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("choice", "names"),
    [
        ("live", {"Live offer", "Dated offer", "Expiring offer"}),
        ("expiring", {"Expiring offer"}),
        ("expired", {"Expired offer"}),
        ("scheduled", {"Future offer"}),
        ("off", {"Switched-off offer"}),
    ],
)
def test_the_listing_filters_links_by_availability(editor, links_in_every_state, choice, names):
    response = editor.get(reverse(LIST_URL), {"availability": choice})

    assert set(availability_cells(response)) == names


@freeze_time(NOW)
def test_a_link_is_live_only_while_active_and_within_its_dates(links_in_every_state):
    assert {link.name for link in AffiliateLink.objects.live()} == {
        "Live offer",
        "Dated offer",
        "Expiring offer",
    }
    assert [name for name, link in links_in_every_state.items() if link.is_live()] == [
        "live",
        "dated",
        "expiring",
    ]
