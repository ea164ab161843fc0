"""/go/<slug>/: where readers are sent, with which status, and which clicks count."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone

from affiliates.clicks.recording import ClickEvent, write_clicks
from affiliates.models import Click, DailyClickTotal
from tests.factories import AffiliateLinkFactory, GuidePageFactory, browser_headers, signed_from

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


def test_campaign_tags_and_listed_parameters_are_forwarded_when_the_link_allows_it(client):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer?ref=cc",
        pass_query_parameters=True,
        forwarded_parameters="size",
    )

    response = follow(client, link, "?utm_source=newsletter&size=a&size=b&colour=red")

    location = urlsplit(response["Location"])
    assert location.netloc == "partner.example.com"
    assert location.path == "/offer"
    assert parse_qs(location.query) == {
        "ref": ["cc"],
        "utm_source": ["newsletter"],
        "size": ["a", "b"],
    }


@pytest.mark.parametrize(
    "deep_link",
    [
        "ued=https%3A%2F%2Fevil.example%2F",  # Awin
        "url=https%3A%2F%2Fevil.example%2F",  # CJ
        "u=https%3A%2F%2Fevil.example%2F",  # Impact
    ],
)
def test_a_networks_deep_link_parameter_is_never_forwarded(client, deep_link):
    link = AffiliateLinkFactory(
        destination_url="https://network.example/click?id=7", pass_query_parameters=True
    )

    response = follow(client, link, f"?{deep_link}&utm_campaign=spring")

    assert "evil.example" not in response["Location"]
    assert parse_qs(urlsplit(response["Location"]).query) == {
        "id": ["7"],
        "utm_campaign": ["spring"],
    }


def test_a_partner_can_allow_a_parameter_for_all_its_links(client):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer",
        pass_query_parameters=True,
        partner__forwarded_parameters="source, aff_*",
    )

    response = follow(client, link, "?source=app&aff_sub2=x&other=1")

    assert parse_qs(urlsplit(response["Location"]).query) == {
        "source": ["app"],
        "aff_sub2": ["x"],
    }


def test_the_from_parameter_is_never_forwarded(client, home):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer", pass_query_parameters=True
    )

    response = follow(client, link, f"?from={signed_from(home, link)}&utm_medium=guide")

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

    follow(client, link, f"?from={signed_from(guide, link)}")

    assert Click.objects.get().page_id == guide.pk


def test_a_click_from_an_unpublished_page_is_counted_without_a_page(client, home):
    draft = GuidePageFactory(parent=home, publish=False)
    link = AffiliateLinkFactory()

    response = follow(client, link, f"?from={signed_from(draft, link)}")

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
    follow(client, link, f"?from={signed_from(guide, link)}")
    # On PostgreSQL the click and its roll-ups are one statement; elsewhere the INSERT,
    # the visitor key and the roll-ups' five upserts share a transaction (a savepoint here).
    budget = 1 if connection.vendor == "postgresql" else 9

    with django_assert_max_num_queries(budget):
        response = follow(client, link, f"?from={signed_from(guide, link)}")

    assert response.status_code == 302
    assert link.clicks.filter(page=guide).count() == 2


def test_a_click_delivered_twice_is_stored_and_counted_once(home):
    """A worker killed after committing a batch sends it again: the click id decides."""
    guide = GuidePageFactory(parent=home)
    draft = GuidePageFactory(parent=home, publish=False)
    link = AffiliateLinkFactory()
    now = timezone.now().timestamp()
    events = [
        ClickEvent("click-a", link.pk, guide.pk, "a" * 64, False, False, now),
        ClickEvent("click-b", link.pk, draft.pk, "b" * 64, True, False, now),
        ClickEvent("click-c", link.pk, None, "c" * 64, False, False, now),
    ]

    assert write_clicks(events) == 3
    assert write_clicks(events) == 0

    stored = list(link.clicks.order_by("pk").values_list("page", "visitor_key", "is_bot"))
    assert stored == [(guide.pk, "a" * 64, False), (None, "b" * 64, True), (None, "c" * 64, False)]
    assert DailyClickTotal.objects.aggregate(clicks=Sum("clicks"))["clicks"] == 3


def test_a_click_on_a_link_deleted_while_it_waited_is_dropped(home):
    link = AffiliateLinkFactory()
    event = ClickEvent("click-a", link.pk, None, "a" * 64, False, False, timezone.now().timestamp())
    link.delete()

    assert write_clicks([event]) == 0
    assert not DailyClickTotal.objects.exists()
