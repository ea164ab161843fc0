"""/go/<slug>/: where readers are sent, with which status, and which clicks count."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from affiliates import tracking
from affiliates.models import Click
from tests.factories import AffiliateLinkFactory, GuidePageFactory, browser_headers

pytestmark = pytest.mark.django_db


def follow(client, link, query="", **headers):
    return client.get(f"/go/{link.slug}/{query}", **browser_headers(**headers))


def test_an_active_link_sends_the_reader_to_its_destination_and_counts_the_click(client):
    link = AffiliateLinkFactory(destination_url="https://partner.example.com/offer?ref=cc")

    response = follow(client, link)

    assert response.status_code == 302
    assert response["Location"] == "https://partner.example.com/offer?ref=cc"
    click = Click.objects.get()
    assert click.link == link
    assert click.is_bot is False
    assert click.page is None


def test_redirects_are_never_cached_or_indexed(client):
    response = follow(client, AffiliateLinkFactory())

    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("status", [301, 302, 307])
def test_the_link_chooses_its_redirect_status(client, status):
    link = AffiliateLinkFactory(redirect_status=status)

    response = follow(client, link)

    assert response.status_code == status
    assert response["Location"] == link.destination_url


def test_every_click_is_counted_separately(client):
    link = AffiliateLinkFactory()

    for _ in range(3):
        follow(client, link)

    assert link.clicks.count() == 3


def test_query_parameters_are_forwarded_when_the_link_allows_it(client):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer?ref=cc", pass_query_parameters=True
    )

    response = follow(client, link, "?utm_source=newsletter&size=a&size=b")

    location = urlsplit(response["Location"])
    assert location.netloc == "partner.example.com"
    assert location.path == "/offer"
    assert parse_qs(location.query) == {
        "ref": ["cc"],
        "utm_source": ["newsletter"],
        "size": ["a", "b"],
    }


def test_the_from_parameter_is_never_forwarded(client, home):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer", pass_query_parameters=True
    )

    response = follow(client, link, f"?from={home.pk}&utm_medium=guide")

    assert response["Location"] == "https://partner.example.com/offer?utm_medium=guide"


def test_a_reader_cannot_replace_the_destinations_own_tracking_code(client):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer?tag=careersite-21",
        pass_query_parameters=True,
    )

    response = follow(client, link, "?tag=someone-else-21&utm_source=x")

    assert response["Location"] == (
        "https://partner.example.com/offer?tag=careersite-21&utm_source=x"
    )


def test_query_parameters_stay_behind_when_the_link_does_not_forward_them(client):
    link = AffiliateLinkFactory(destination_url="https://partner.example.com/offer?ref=cc")

    response = follow(client, link, "?utm_source=newsletter")

    assert response["Location"] == "https://partner.example.com/offer?ref=cc"


@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize(
    "query",
    [
        "?next=https://evil.example/",
        "?url=https://evil.example/",
        "?from=//evil.example",
        "?destination=https://evil.example/&redirect=//evil.example",
        "?%0d%0aLocation:%20https://evil.example/",
    ],
)
def test_no_request_value_can_become_the_redirect_target(client, query, forward):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer", pass_query_parameters=forward
    )

    response = follow(client, link, query)

    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "partner.example.com",
        "/offer",
    )
    assert "\n" not in response["Location"]


@override_settings(ALLOWED_HOSTS=["*"])
def test_the_host_header_does_not_change_the_destination(client):
    link = AffiliateLinkFactory(destination_url="https://partner.example.com/offer")

    response = follow(client, link, HTTP_HOST="evil.example", HTTP_X_FORWARDED_HOST="evil.example")

    assert response["Location"] == "https://partner.example.com/offer"


@pytest.mark.parametrize(
    "path",
    [
        "/go/%2F%2Fevil.example/",
        "/go//evil.example/",
        "/go/https:%2F%2Fevil.example/",
        "/go/offer-1%2F..%2F..%2Fadmin/",
        "/go/" + "a" * 300 + "/",
    ],
)
def test_slug_tricks_find_no_link(client, home, path):
    AffiliateLinkFactory(slug="offer-1")

    response = client.get(path, **browser_headers())

    assert response.status_code == 404
    assert not Click.objects.exists()


def test_an_unknown_slug_shows_the_sites_own_not_found_page(client, home):
    response = client.get("/go/no-such-offer/", **browser_headers())

    assert response.status_code == 404
    assert "Sorry, we can’t find that page" in response.content.decode()


@pytest.mark.parametrize("status", [301, 302, 307])
def test_inactive_link_redirects_to_fallback(client, status):
    link = AffiliateLinkFactory(
        is_active=False, fallback_url="https://partner.example.com/other", redirect_status=status
    )

    response = follow(client, link, "?utm_source=newsletter")

    assert response.status_code == status
    assert response["Location"] == "https://partner.example.com/other"
    assert response["Cache-Control"] == "no-store"
    assert not Click.objects.exists()


def test_an_inactive_link_without_a_fallback_says_the_offer_has_gone(client, home):
    link = AffiliateLinkFactory(is_active=False)

    response = follow(client, link)

    assert response.status_code == 410
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    content = response.content.decode()
    assert "This offer is no longer available" in content
    assert 'href="/"' in content
    assert 'href="/search/"' in content
    assert link.destination_url not in content
    assert not Click.objects.exists()


def test_a_head_request_is_redirected_but_not_counted(client):
    link = AffiliateLinkFactory()

    response = client.head(f"/go/{link.slug}/", **browser_headers())

    assert response.status_code == 302
    assert response["Location"] == link.destination_url
    assert not Click.objects.exists()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_not_allowed(method):
    link = AffiliateLinkFactory()
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(f"/go/{link.slug}/", **browser_headers())

    assert response.status_code == 405
    assert not Click.objects.exists()


def test_a_click_is_attributed_to_the_live_page_it_came_from(client, home):
    guide = GuidePageFactory(parent=home)
    link = AffiliateLinkFactory()

    follow(client, link, f"?from={guide.pk}")

    assert Click.objects.get().page_id == guide.pk


def test_a_click_from_an_unpublished_page_is_counted_without_a_page(client, home):
    draft = GuidePageFactory(parent=home, publish=False)
    link = AffiliateLinkFactory()

    response = follow(client, link, f"?from={draft.pk}")

    assert response.status_code == 302
    assert Click.objects.get().page is None


@pytest.mark.parametrize(
    "value",
    ["", "abc", "12abc", "-1", "0", "1.5", "99999999", "2147483648", "9" * 400, "١٢", "%00"],
)
def test_a_meaningless_from_value_is_ignored(client, home, value):
    link = AffiliateLinkFactory()

    response = follow(client, link, f"?from={value}")

    assert response.status_code == 302
    assert response["Location"] == link.destination_url
    assert Click.objects.get().page is None


def test_editing_a_link_takes_effect_at_once(client):
    link = AffiliateLinkFactory(destination_url="https://partner.example.com/old")
    follow(client, link)  # now cached

    link.destination_url = "https://partner.example.com/new"
    link.save()

    assert follow(client, link)["Location"] == "https://partner.example.com/new"


def test_a_renamed_link_no_longer_answers_at_its_old_address(client, home):
    link = AffiliateLinkFactory(slug="old-name")
    follow(client, link)  # cached under the old slug

    link.slug = "new-name"
    link.save()

    assert client.get("/go/old-name/", **browser_headers()).status_code == 404
    assert client.get("/go/new-name/", **browser_headers()).status_code == 302


def test_a_deleted_link_stops_redirecting(client, home):
    link = AffiliateLinkFactory()
    follow(client, link)  # now cached

    link.delete()

    assert follow(client, link).status_code == 404


def test_a_link_created_after_its_address_was_tried_works_at_once(client, home):
    assert client.get("/go/coming-soon/", **browser_headers()).status_code == 404

    AffiliateLinkFactory(slug="coming-soon")

    assert client.get("/go/coming-soon/", **browser_headers()).status_code == 302


def test_a_click_costs_one_query_once_the_link_is_cached(
    client, home, django_assert_max_num_queries
):
    guide = GuidePageFactory(parent=home)
    link = AffiliateLinkFactory()
    follow(client, link, f"?from={guide.pk}")
    # On PostgreSQL the click and its roll-ups are one statement; elsewhere the INSERT,
    # the visitor key and the roll-ups' three upserts share a transaction (a savepoint here).
    budget = 1 if connection.vendor == "postgresql" else 7

    with django_assert_max_num_queries(budget):
        response = follow(client, link, f"?from={guide.pk}")

    assert response.status_code == 302
    assert link.clicks.filter(page=guide).count() == 2


def test_recording_a_click_reports_the_page_it_was_credited_to(home):
    """What a per-page report built alongside each click relies on."""
    guide = GuidePageFactory(parent=home)
    draft = GuidePageFactory(parent=home, publish=False)
    link = AffiliateLinkFactory()
    now = timezone.now()

    assert tracking.record_click(link.pk, guide.pk, "a" * 64, False, now) == guide.pk
    assert tracking.record_click(link.pk, draft.pk, "b" * 64, True, now) is None
    assert tracking.record_click(link.pk, None, "c" * 64, False, now) is None
    stored = list(link.clicks.order_by("pk").values_list("page", "visitor_key", "is_bot"))
    assert stored == [(guide.pk, "a" * 64, False), (None, "b" * 64, True), (None, "c" * 64, False)]
    assert link.clicks.filter(clicked_at=now).count() == 3
