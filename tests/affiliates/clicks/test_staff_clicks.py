"""The site's own people at work are not readers: clicks from someone signed in to the
admin, or from inside a Wagtail preview, are kept flagged and left out of reports."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from affiliates.models import Click, DailyClickSummary
from tests.affiliates.reader_clicks import expected_rollup, follow, stored_rollup
from tests.factories import AffiliateLinkFactory, GuidePageFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("affiliates_click_report")


@pytest.fixture
def link():
    return AffiliateLinkFactory(name="Mock interviews")


@pytest.fixture
def guide(home):
    return GuidePageFactory(parent=home, title="Interview tips")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def reported_clicks(analyst, link):
    """The link's clicks as the click report's table shows them (0 when not listed)."""
    response = analyst.get(REPORT_URL, {"period": "7"})
    assert response.status_code == 200
    for row in response.context["object_list"]:
        if row.name == link.name:
            return row.clicks
    return 0


def test_an_editors_click_still_redirects_but_is_flagged_and_not_reported(
    admin_client, link, guide
):
    editor = signed_in(UserFactory(is_superuser=True))

    follow(editor, link, page=guide)

    click = Click.objects.get()
    assert (click.is_staff, click.is_bot, click.page) == (True, False, guide.page_ptr)
    assert not DailyClickSummary.objects.exists()
    assert reported_clicks(admin_client, link) == 0


def test_an_affiliate_manager_counts_as_staff(link):
    manager = UserFactory()
    manager.groups.add(Group.objects.get(name="Affiliate managers"))

    follow(signed_in(manager), link)

    assert Click.objects.get().is_staff is True


def test_a_reader_signed_in_without_admin_access_is_counted(admin_client, link):
    follow(signed_in(UserFactory()), link)

    assert Click.objects.get().is_staff is False
    assert reported_clicks(admin_client, link) == 1


def test_a_click_inside_a_preview_is_staff_even_without_a_session(admin_client, link, guide):
    follow(
        Client(),
        link,
        page=guide,
        HTTP_REFERER=f"http://localhost/admin/pages/{guide.pk}/edit/preview/?mode=",
    )

    assert Click.objects.get().is_staff is True
    assert reported_clicks(admin_client, link) == 0


def test_a_reader_with_a_leftover_session_cookie_is_counted(admin_client, client, link):
    client.cookies["sessionid"] = "expired-or-forged"

    follow(client, link)

    assert Click.objects.get().is_staff is False
    assert reported_clicks(admin_client, link) == 1


def test_readers_and_staff_together_report_only_the_readers(admin_client, client, link, guide):
    editor = signed_in(UserFactory(is_superuser=True))
    for ip in ("198.51.100.1", "198.51.100.2"):
        follow(client, link, page=guide, ip=ip)
    follow(editor, link, page=guide, ip="198.51.100.3")

    assert Click.objects.filter(is_staff=True).count() == 1
    assert reported_clicks(admin_client, link) == 2
    assert stored_rollup() == expected_rollup()


def test_rebuilding_the_rollup_leaves_staff_clicks_out(admin_client, client, link, guide):
    follow(client, link, page=guide)
    follow(signed_in(UserFactory(is_superuser=True)), link, page=guide)

    call_command("rebuild_click_rollup", stdout=None)

    assert reported_clicks(admin_client, link) == 1
    assert stored_rollup() == expected_rollup()
