"""Clicks are hard to inflate, and nothing a reader does is refused."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import PageViewRestriction

from affiliates.models import Click
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    browser_headers,
    signed_from,
)

pytestmark = pytest.mark.django_db

READER = "203.0.113.7"


def follow(client, link, query="", **headers):
    response = client.get(f"/go/{link.slug}/{query}", **browser_headers(**headers))
    assert response.status_code == 302
    return response


def test_one_address_adds_at_most_ten_human_clicks_per_link_per_hour(client, settings):
    settings.CLICK_HUMAN_LIMIT_PER_HOUR = 10
    link = AffiliateLinkFactory()

    for _ in range(12):
        follow(client, link)

    assert Click.objects.count() == 12, "every click is kept"
    assert Click.objects.filter(is_bot=False).count() == 10
    assert Click.objects.filter(is_bot=True).count() == 2


def test_the_limit_is_per_address_and_per_link(client, settings):
    settings.CLICK_HUMAN_LIMIT_PER_HOUR = 2
    link, other_link = AffiliateLinkFactory(), AffiliateLinkFactory()
    for _ in range(3):
        follow(client, link)

    follow(client, other_link)
    follow(client, link, REMOTE_ADDR="198.51.100.9")

    assert Click.objects.filter(link=other_link, is_bot=False).count() == 1
    assert Click.objects.filter(link=link, is_bot=False).count() == 3  # two, plus the other reader


def test_the_limit_starts_again_the_next_hour(client, settings):
    settings.CLICK_HUMAN_LIMIT_PER_HOUR = 1
    link = AffiliateLinkFactory()
    start = timezone.now().replace(minute=10)
    with freeze_time(start):
        follow(client, link)
        follow(client, link)
    with freeze_time(start + datetime.timedelta(hours=1)):
        follow(client, link)

    assert Click.objects.filter(is_bot=False).count() == 2


def test_a_random_user_agent_on_every_click_counts_as_one_visitor_within_the_limit(
    client, settings
):
    settings.CLICK_HUMAN_LIMIT_PER_HOUR = 10
    link = AffiliateLinkFactory()

    for number in range(30):
        user_agent = f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/{100 + number}.0 Safari/537"
        follow(client, link, HTTP_USER_AGENT=user_agent)

    readers = Click.objects.filter(is_bot=False)
    assert readers.count() == 10
    assert Click.objects.values("visitor_key").distinct().count() == 1


def test_a_click_is_credited_to_the_public_page_that_carried_the_link(client, home):
    guide = GuidePageFactory(parent=home)
    link = AffiliateLinkFactory()

    follow(client, link, f"?from={signed_from(guide, link)}")

    assert Click.objects.get().page_id == guide.pk


def test_an_unsigned_from_credits_no_page(client, home):
    guide = GuidePageFactory(parent=home)
    link = AffiliateLinkFactory()

    follow(client, link, f"?from={guide.pk}")

    assert Click.objects.get().page is None


def test_a_page_that_does_not_carry_the_link_cannot_be_credited(client, home):
    """A ``from`` the page wrote for another link says nothing about this one."""
    guide = GuidePageFactory(parent=home)
    link, other_link = AffiliateLinkFactory(), AffiliateLinkFactory()

    follow(client, link, f"?from={signed_from(guide, other_link)}")
    follow(client, link, f"?from={guide.pk}-{'0' * 12}")

    assert list(Click.objects.values_list("page", flat=True)) == [None, None]


def test_a_private_page_is_never_credited(client, home):
    section = GuidePageFactory(parent=home, title="Members only")
    guide = GuidePageFactory(parent=section)
    restriction = PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Members"))
    link = AffiliateLinkFactory()

    follow(client, link, f"?from={signed_from(guide, link)}")
    follow(client, link, f"?from={signed_from(section, link)}")

    assert list(Click.objects.values_list("page", flat=True)) == [None, None]


def test_a_private_pages_slug_never_reaches_the_partner(client, home):
    guide = GuidePageFactory(parent=home, slug="secret-plans")
    PageViewRestriction.objects.create(page=guide, restriction_type=PageViewRestriction.LOGIN)
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer",
        tracking_template="subid={page_slug}",
    )

    response = follow(client, link, f"?from={signed_from(guide, link)}")

    assert "secret-plans" not in response["Location"]


def test_a_page_of_another_site_sharing_our_database_is_not_credited_by_a_forged_id(client, home):
    elsewhere = GuidePageFactory(parent=home)
    link = AffiliateLinkFactory()

    # Someone who knows the id but not our secret key.
    follow(client, link, f"?from={elsewhere.pk}-abcdefabcdef")

    assert Click.objects.get().page is None


def test_a_foreign_host_gets_400_and_counts_nothing(client):
    link = AffiliateLinkFactory()

    response = client.get(f"/go/{link.slug}/", HTTP_HOST="evil.example", **browser_headers())

    assert response.status_code == 400
    assert "Location" not in response
    assert not Click.objects.exists()


def test_a_ping_for_a_foreign_host_gets_400_and_counts_nothing(client):
    link = AffiliateLinkFactory(partner__link_style="direct")

    response = client.post(
        f"/go/{link.slug}/ping/",
        HTTP_HOST="evil.example",
        HTTP_SEC_FETCH_SITE="same-origin",
        **browser_headers(),
    )

    assert response.status_code == 400
    assert not Click.objects.exists()
