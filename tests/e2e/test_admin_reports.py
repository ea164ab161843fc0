"""Click reports in a real browser, as an affiliate manager: the chart is an image with a
name, its table opens without JavaScript of ours, and axe finds no WCAG 2.1 A/AA issues."""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from affiliates.links.destinations import from_value
from affiliates.models import AffiliateLink
from guides.models import GuidePage
from tests.factories import UserFactory, browser_headers

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"  # noqa: S105 - UserFactory's test password
LINK_NAME = "Interview coaching – first session"


@pytest.fixture
def clicks(demo_site):
    """Readers (and a crawler) following two demo links from a guide, through /go/."""
    client = Client()
    guide = GuidePage.objects.get(slug="follow-up-interview-tips")
    for slug, address in [
        ("interview-coaching", "198.51.100.1"),
        ("interview-coaching", "198.51.100.2"),
        ("resume-builder", "198.51.100.1"),
    ]:
        response = client.get(
            f"/go/{slug}/?from={from_value(guide.pk, slug)}", **browser_headers(REMOTE_ADDR=address)
        )
        assert response.status_code == 302
    client.get("/go/interview-coaching/", HTTP_USER_AGENT="Googlebot/2.1")


@pytest.fixture
def manager_page(page, demo_site):
    """``page``, signed in to the admin as a member of "Affiliate managers"."""
    # The group comes from a data migration, which transactional tests' flushes undo.
    importlib.import_module("affiliates.migrations.0004_affiliate_managers_group").create_group(
        apps, None
    )
    manager = UserFactory(username="affiliate-manager")
    manager.groups.add(Group.objects.get(name="Affiliate managers"))
    page.goto(demo_site + "/admin/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(demo_site + "/admin/")
    return page


def test_the_click_report_and_its_chart_are_accessible(manager_page, demo_site, clicks, axe):
    manager_page.goto(demo_site + reverse("affiliates_click_report") + "?period=7")

    chart = manager_page.get_by_role("img", name=re.compile(r"^Clicks per day"))
    expect(chart).to_be_visible()
    manager_page.get_by_text("Clicks per day as a table").click()
    table = manager_page.get_by_role("table", name=re.compile(r"^Clicks per day"))
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(1 + 7 + 1)  # head, 7 days, total
    expect(manager_page.get_by_role("link", name=LINK_NAME)).to_be_visible()
    assert axe(manager_page) == []


def test_the_report_for_a_day_without_clicks_is_accessible(manager_page, demo_site, axe):
    manager_page.goto(
        demo_site
        + reverse("affiliates_click_report")
        + "?period=custom&date_from=2020-02-29&date_to=2020-02-29&group_by=page"
    )

    expect(manager_page.get_by_role("img", name=re.compile("No clicks in 1 day"))).to_be_visible()
    assert axe(manager_page) == []


def test_a_links_clicks_and_the_dashboard_panel_are_accessible(
    manager_page, demo_site, clicks, axe
):
    link = AffiliateLink.objects.get(name=LINK_NAME)
    manager_page.goto(
        demo_site + reverse(AffiliateLink.snippet_viewset.get_url_name("inspect"), args=[link.pk])
    )
    expect(manager_page.get_by_role("heading", name="Clicks in the last 30 days")).to_be_visible()
    expect(manager_page.get_by_role("img", name=re.compile("Clicks per day on"))).to_be_visible()
    assert axe(manager_page) == []

    manager_page.goto(demo_site + "/admin/")
    panel = manager_page.locator("#affiliate-clicks-section")
    expect(panel.get_by_role("table", name="Top links")).to_contain_text(LINK_NAME)
    assert axe(manager_page) == []
