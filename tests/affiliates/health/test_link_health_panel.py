"""The admin home shows people who may change links the warnings that need attention."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from affiliates.health.panels import LinkHealthDashboardPanel
from affiliates.models import LinkHealth
from tests.factories import AffiliateLinkFactory

pytestmark = pytest.mark.django_db

Status = LinkHealth.Status
HOME_URL = reverse("wagtailadmin_home")
REPORT_URL = reverse("affiliates_link_health_report")


def set_health(link, status, reason="", **values):
    LinkHealth.objects.update_or_create(
        link=link,
        defaults={"status": status, "reason": reason, "checked_at": timezone.now(), **values},
    )
    return link


def edit_url(link):
    return reverse("wagtailsnippets_affiliates_affiliatelink:edit", args=[link.pk])


@pytest.fixture
def manager(sign_in, client):
    """Signed in as an affiliate manager: may change links."""
    sign_in(client, "Affiliate managers")
    return client


def link_health_panel(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one("#link-health-section")


def panel_rows(panel):
    return [
        [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.find_all(["th", "td"])]
        for row in panel.select("table tbody tr")
    ]


def test_a_manager_sees_broken_then_redirected_links_with_why_and_a_way_to_edit_them(manager):
    moved = set_health(
        AffiliateLinkFactory(name="Moved offer"), Status.REDIRECTED, "Redirected to b.example"
    )
    gone = set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN, "HTTP 404")
    set_health(AffiliateLinkFactory(name="Fine offer"), Status.OK, "HTTP 200 OK")
    set_health(AffiliateLinkFactory(name="Amazon offer"), Status.BLOCKED, "HTTP 503")
    set_health(
        AffiliateLinkFactory(name="Known gap"), Status.BROKEN, acknowledged_status=Status.BROKEN
    )

    panel = link_health_panel(manager.get(HOME_URL))

    assert [row[:3] for row in panel_rows(panel)] == [
        ["Gone offer", "Broken", "HTTP 404"],
        ["Moved offer", "Redirected elsewhere", "Redirected to b.example"],
    ]
    assert [a["href"] for a in panel.select("tbody th a")] == [edit_url(gone), edit_url(moved)]
    # Last checked, as the admin shows dates elsewhere.
    assert all(row.select_one("td time[datetime]") for row in panel.select("tbody tr"))
    assert panel.select_one("table caption").get_text(strip=True)
    assert [th["scope"] for th in panel.select("thead th")] == ["col"] * 4


def test_a_long_list_shows_five_and_links_to_the_report_for_the_rest(manager):
    for n in range(8):
        set_health(AffiliateLinkFactory(name=f"Offer {n}"), Status.BROKEN)

    panel = link_health_panel(manager.get(HOME_URL))

    assert [row[0] for row in panel_rows(panel)] == [f"Offer {n}" for n in range(5)]
    more = panel.find("a", href=REPORT_URL)
    assert more.get_text(" ", strip=True) == "3 more in the link health report"


def test_when_no_link_needs_attention_the_panel_says_so_calmly(manager):
    set_health(AffiliateLinkFactory(), Status.OK)
    set_health(AffiliateLinkFactory(), Status.REDIRECTED, acknowledged_status=Status.REDIRECTED)

    panel = link_health_panel(manager.get(HOME_URL))

    assert panel.find("table") is None
    assert "No broken or redirected links need attention" in panel.get_text()


def test_before_the_first_check_the_panel_does_not_claim_links_are_healthy(manager):
    AffiliateLinkFactory()

    panel = link_health_panel(manager.get(HOME_URL))

    assert panel.get_text(" ", strip=True).endswith("No link has been checked yet.")


def test_an_editor_who_cannot_change_links_sees_no_link_health_panel(sign_in, client):
    set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN)
    sign_in(client, "Editors")

    response = client.get(HOME_URL)

    assert response.status_code == 200
    assert link_health_panel(response) is None
    assert b"Gone offer" not in response.content


def test_the_panel_reads_the_database_twice_however_many_links_need_attention():
    for n in range(12):
        set_health(AffiliateLinkFactory(name=f"Offer {n}"), Status.BROKEN)

    with CaptureQueriesContext(connection) as queries:
        html = LinkHealthDashboardPanel().render_html({})

    assert html.count("<tr>") == 1 + 5  # the heading row and five links
    assert "7 more in the link health report" in html
    assert len(queries) == 2


def test_the_dashboard_costs_no_more_queries_with_more_warnings(
    manager, django_assert_max_num_queries
):
    set_health(AffiliateLinkFactory(), Status.BROKEN)
    manager.get(HOME_URL)  # warm the user's permission cache, as any page view would
    with django_assert_max_num_queries(60) as queries:
        manager.get(HOME_URL)
    few = len(queries)
    for _ in range(10):
        set_health(AffiliateLinkFactory(), Status.REDIRECTED)

    with django_assert_max_num_queries(few):
        manager.get(HOME_URL)
