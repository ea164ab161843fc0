"""Seeing click reports and managing affiliate links are separate permissions."""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.affiliates.reader_clicks import follow
from tests.factories import AffiliateLinkFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("affiliates_click_report")
INSPECT_URL = "wagtailsnippets_affiliates_affiliatelink:inspect"
ADD_LINK_URL = "wagtailsnippets_affiliates_affiliatelink:add"


def menu_urls(response):
    """Every address in the admin's sidebar menu (rendered as JSON for the sidebar)."""
    soup = BeautifulSoup(response.content, "html.parser")
    props = json.loads(soup.find(id="wagtail-sidebar-props").string)
    urls = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("url"), str):
                urls.append(value["url"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(props)
    return urls


@pytest.fixture
def link_with_clicks(client):
    link = AffiliateLinkFactory(name="Coaching")
    follow(client, link)
    client.logout()
    return link


def test_an_editor_without_the_permission_is_refused_the_report_with_a_403(sign_in, client):
    sign_in(client, "Editors")

    response = client.get(REPORT_URL)

    assert response.status_code == 403
    assert "You do not have permission to view affiliate click reports" in response.content.decode()


def test_the_exports_are_refused_too(sign_in, client):
    sign_in(client, "Editors")

    assert client.get(REPORT_URL, {"export": "csv"}).status_code == 403
    assert client.get(REPORT_URL, {"export": "xlsx"}).status_code == 403


def test_someone_who_is_not_signed_in_is_sent_to_the_login_page(client):
    response = client.get(REPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_an_editor_without_the_permission_sees_no_menu_items_or_dashboard_panel(
    sign_in, client, link_with_clicks
):
    sign_in(client, "Editors")

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    assert REPORT_URL not in menu_urls(response)
    assert reverse("wagtailsnippets_affiliates_affiliatelink:list") not in menu_urls(response)
    assert 'id="affiliate-clicks-section"' not in response.content.decode()


def test_managing_links_does_not_show_their_clicks(sign_in, client, link_with_clicks):
    sign_in(client, permissions=["access_admin", "view_affiliatelink", "change_affiliatelink"])

    response = client.get(reverse(INSPECT_URL, args=[link_with_clicks.pk]))

    assert response.status_code == 200
    assert "Coaching" in response.content.decode()
    assert "Clicks in the last 30 days" not in response.content.decode()
    assert 'role="img"' not in response.content.decode()
    assert REPORT_URL not in menu_urls(client.get(reverse("wagtailadmin_home")))


def test_seeing_reports_does_not_allow_managing_links(sign_in, client, link_with_clicks):
    sign_in(client, permissions=["access_admin", "view_click_reports"])

    assert client.get(REPORT_URL).status_code == 200
    # Wagtail's own answer for a snippet view the user may not use: back to the dashboard.
    response = client.get(reverse(ADD_LINK_URL))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_the_affiliate_managers_group_can_manage_links_partners_and_tracking_ids():
    group = Group.objects.get(name="Affiliate managers")

    granted = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert granted == {
        ("wagtailadmin", "access_admin"),
        ("affiliates", "view_click_reports"),
        *(
            ("affiliates", f"{action}_{model}")
            for model in ("affiliatelink", "partner", "trackingid")
            for action in ("add", "change", "delete", "view")
        ),
        ("affiliates", "lock_affiliatelink"),
        ("affiliates", "unlock_affiliatelink"),
    }


def test_a_member_of_affiliate_managers_sees_the_report_menu_panel_and_link_clicks(
    sign_in, client, link_with_clicks
):
    sign_in(client, "Affiliate managers")

    home = client.get(reverse("wagtailadmin_home"))
    assert REPORT_URL in menu_urls(home)
    assert 'id="affiliate-clicks-section"' in home.content.decode()

    report = client.get(REPORT_URL)
    assert report.status_code == 200
    assert "Coaching" in report.content.decode()

    inspect = client.get(reverse(INSPECT_URL, args=[link_with_clicks.pk]))
    assert "Clicks in the last 30 days" in inspect.content.decode()

    assert client.get(reverse(ADD_LINK_URL)).status_code == 200


def test_the_permission_can_be_given_in_the_group_editor(client):
    client.force_login(UserFactory(is_superuser=True))
    group = Group.objects.get(name="Affiliate managers")

    response = client.get(reverse("wagtailusers_groups:edit", args=[group.pk]))

    assert response.status_code == 200
    assert "Can view affiliate click reports" in response.content.decode()
