"""Reports › Link health: broken and redirected links, where they are used, acknowledging."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from affiliates.health.checker import CheckResult, record
from affiliates.models import LinkHealth
from tests.affiliates.reports.test_click_report_permissions import menu_urls
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    affiliate_anchor,
)

pytestmark = pytest.mark.django_db

Status = LinkHealth.Status
REPORT_URL = reverse("affiliates_link_health_report")


def acknowledge_url(link):
    return reverse("affiliates_link_health_acknowledge", args=[link.pk])


def set_health(link, status, reason="", **values):
    LinkHealth.objects.update_or_create(
        link=link,
        defaults={"status": status, "reason": reason, "checked_at": timezone.now(), **values},
    )
    return link


@pytest.fixture
def manager(sign_in, client):
    """Signed in as an affiliate manager: may change links, so may see the report."""
    sign_in(client, "Affiliate managers")
    return client


def rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        row.select_one("td").get_text(strip=True): row
        for row in soup.select("table.listing tbody tr")
    }


def cells(row):
    return [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.select("td")]


def test_the_report_lists_broken_and_redirected_links_but_not_healthy_or_blocked_ones(manager):
    set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN, "HTTP 404 Not Found")
    set_health(AffiliateLinkFactory(name="Moved offer"), Status.REDIRECTED, "Redirected to b.com")
    set_health(AffiliateLinkFactory(name="Fine offer"), Status.OK, "HTTP 200 OK")
    set_health(AffiliateLinkFactory(name="Amazon offer"), Status.BLOCKED, "HTTP 503")
    AffiliateLinkFactory(name="Never checked")

    response = manager.get(REPORT_URL)

    assert response.status_code == 200
    # Broken first, then redirected.
    assert list(rows(response)) == ["Gone offer", "Moved offer"]


def test_each_row_shows_status_reason_where_it_ends_and_the_pages_using_the_link(
    sign_in, client, section, disclosure_page
):
    # A manager who edits pages too: the pages are linked to their edit views.
    sign_in(client, "Affiliate managers", "Editors")
    link = AffiliateLinkFactory(name="Acme coaching", destination_url="https://acme.example/x")
    set_health(
        link,
        Status.REDIRECTED,
        "Redirected to other.example (HTTP 200 OK)",
        final_url="https://other.example/landing",
    )
    interview = GuidePageFactory(
        parent=section, title="Interview prep", intro=affiliate_anchor(link)
    )
    GuidePageFactory(parent=section, title="After the offer", intro=affiliate_anchor(link))
    GuidePageFactory(parent=section, title="Unrelated")

    response = client.get(REPORT_URL)

    row = rows(response)["Acme coaching"]
    text = cells(row)
    assert text[2] == "Redirected elsewhere"
    assert text[3] == "Redirected to other.example (HTTP 200 OK)"
    assert text[5] == "https://other.example/landing"
    assert [item.get_text(strip=True) for item in row.select("td li")] == [
        "After the offer",
        "Interview prep",
    ]
    edit_interview = reverse("wagtailadmin_pages:edit", args=[interview.pk])
    assert row.find("a", string="Interview prep")["href"] == edit_interview
    assert row.select_one("td.title a")["href"] == reverse(
        "wagtailsnippets_affiliates_affiliatelink:edit", args=[link.pk]
    )


def test_a_manager_who_cannot_edit_pages_sees_their_titles_without_links(
    manager, section, disclosure_page
):
    link = set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN)
    GuidePageFactory(parent=section, title="Interview prep", intro=affiliate_anchor(link))

    row = rows(manager.get(REPORT_URL))["Gone offer"]

    assert row.find("li").get_text(strip=True) == "Interview prep"
    assert row.find("li").find("a") is None


def test_an_unused_link_says_so(manager):
    set_health(AffiliateLinkFactory(name="Orphan"), Status.BROKEN)

    row = rows(manager.get(REPORT_URL))["Orphan"]

    assert "Not used on any page" in cells(row)[6]


def test_the_report_reads_usage_for_all_rows_at_once(
    manager, section, disclosure_page, django_assert_max_num_queries
):
    for n in range(3):
        set_health(AffiliateLinkFactory(name=f"Offer {n}"), Status.BROKEN)
    for n in range(3):
        GuidePageFactory(parent=section, intro=affiliate_anchor(LinkHealth.objects.all()[n].link))
    manager.get(REPORT_URL)  # warm the user's permission cache, as any page view would

    with django_assert_max_num_queries(20) as queries:
        manager.get(REPORT_URL)
    few = len(queries)
    for n in range(3, 12):
        link = AffiliateLinkFactory(name=f"Offer {n}")
        set_health(link, Status.BROKEN)
        GuidePageFactory(parent=section, intro=affiliate_anchor(link))

    with django_assert_max_num_queries(few):
        manager.get(REPORT_URL)


def test_acknowledging_hides_the_warning_until_the_status_changes(manager):
    link = set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN, "HTTP 404")
    before = timezone.now()

    response = manager.post(acknowledge_url(link), {"status": Status.BROKEN})

    assert response.status_code == 302
    assert response["Location"] == REPORT_URL
    health = LinkHealth.objects.get(link=link)
    assert health.acknowledged_status == Status.BROKEN
    assert health.acknowledged_by == response.wsgi_request.user
    assert health.acknowledged_at >= before
    assert not health.needs_attention
    assert "Gone offer" not in rows(manager.get(REPORT_URL))

    # The next checks find the destination redirected, then broken again.
    record(
        link, CheckResult(Status.REDIRECTED, "Redirected to b.example", 200, "https://b.example")
    )
    assert "Gone offer" in rows(manager.get(REPORT_URL))
    record(link, CheckResult("failed", "HTTP 404", 404, link.destination_url))
    record(link, CheckResult("failed", "HTTP 404", 404, link.destination_url))
    assert LinkHealth.objects.get(link=link).status == Status.BROKEN
    assert "Gone offer" in rows(manager.get(REPORT_URL))


def test_the_acknowledge_button_posts_the_status_the_editor_sees(manager):
    link = set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN)

    form = rows(manager.get(REPORT_URL))["Gone offer"].find("form")

    assert form["method"] == "post"
    assert form["action"] == acknowledge_url(link)
    assert form.find("input", {"name": "status"})["value"] == "broken"
    assert form.find("input", {"name": "csrfmiddlewaretoken"})["value"]
    assert form.find("button").get_text(strip=True) == "Acknowledge"


def test_a_warning_that_changed_since_the_page_was_shown_is_not_acknowledged(manager):
    link = set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN)

    manager.post(acknowledge_url(link), {"status": Status.REDIRECTED})

    assert LinkHealth.objects.get(link=link).needs_attention
    messages = [str(m).strip() for m in manager.get(REPORT_URL).context["messages"]]
    assert messages == [
        "“Gone offer” is now “Broken”, so nothing was acknowledged. Check it again."
    ]


def test_acknowledged_warnings_can_be_shown_with_who_acknowledged_them(manager):
    link = set_health(AffiliateLinkFactory(name="Moved offer"), Status.REDIRECTED)
    set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN)
    user = manager.post(acknowledge_url(link), {"status": "redirected"}).wsgi_request.user

    shown = rows(manager.get(REPORT_URL, {"acknowledged": "include"}))
    only = rows(manager.get(REPORT_URL, {"acknowledged": "only"}))

    assert list(shown) == ["Gone offer", "Moved offer"]
    assert list(only) == ["Moved offer"]
    assert f"Acknowledged by {user.get_username()}" in cells(only["Moved offer"])[7]
    assert only["Moved offer"].find("form") is None


def test_the_report_filters_by_status(manager):
    set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN)
    set_health(AffiliateLinkFactory(name="Moved offer"), Status.REDIRECTED)

    assert list(rows(manager.get(REPORT_URL, {"status": "redirected"}))) == ["Moved offer"]


def test_acknowledging_returns_to_the_page_the_editor_came_from_on_this_site(manager):
    link = set_health(AffiliateLinkFactory(), Status.BROKEN)
    listing = reverse("wagtailsnippets_affiliates_affiliatelink:list")

    back = manager.post(acknowledge_url(link), {"status": "broken", "next": listing})
    elsewhere = manager.post(
        acknowledge_url(link), {"status": "broken", "next": "https://evil.example/"}
    )

    assert back["Location"] == listing
    assert elsewhere["Location"] == REPORT_URL


def test_acknowledging_needs_a_post_with_the_csrf_token(sign_in):
    link = set_health(AffiliateLinkFactory(), Status.BROKEN)
    client = Client(enforce_csrf_checks=True)
    sign_in(client, "Affiliate managers")

    assert client.get(acknowledge_url(link)).status_code == 405
    assert client.post(acknowledge_url(link), {"status": "broken"}).status_code == 403
    assert LinkHealth.objects.get(link=link).needs_attention


def test_the_report_exports_to_csv_with_the_pages_using_each_link(
    manager, section, disclosure_page
):
    link = set_health(
        AffiliateLinkFactory(name="=Gone offer", slug="gone"), Status.BROKEN, "HTTP 404 Not Found"
    )
    GuidePageFactory(parent=section, title="Interview prep", intro=affiliate_anchor(link))

    response = manager.get(REPORT_URL, {"export": "csv"})

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == (
        "Link,Slug,Destination,Status,Reason,Last checked,Final address,Used on,Acknowledged"
    )
    assert lines[1].startswith(
        f"'=Gone offer,gone,{link.destination_url},Broken,HTTP 404 Not Found,"
    )
    assert lines[1].endswith(",,Interview prep,")


# Who may see it.


def test_an_editor_who_cannot_change_links_is_refused_the_report_and_acknowledging(sign_in, client):
    link = set_health(AffiliateLinkFactory(), Status.BROKEN)
    sign_in(client, "Editors", permissions=["view_affiliatelink"])

    report = client.get(REPORT_URL)
    export = client.get(REPORT_URL, {"export": "csv"})
    acknowledge = client.post(acknowledge_url(link), {"status": "broken"})

    assert report.status_code == 403
    assert "for people who can change affiliate links" in report.content.decode()
    assert export.status_code == 403
    assert acknowledge.status_code == 403
    assert LinkHealth.objects.get(link=link).needs_attention


def test_the_reports_menu_offers_link_health_only_to_those_who_may_see_it(sign_in, client):
    sign_in(client, "Editors")
    editor_menu = menu_urls(client.get(reverse("wagtailadmin_home")))
    sign_in(client, "Affiliate managers")
    manager_menu = menu_urls(client.get(reverse("wagtailadmin_home")))

    assert REPORT_URL not in editor_menu
    assert REPORT_URL in manager_menu


def test_someone_not_signed_in_is_sent_to_the_login_page(client):
    response = client.get(REPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_the_report_says_when_links_were_last_checked(manager):
    set_health(AffiliateLinkFactory(), Status.OK)

    assert "Links were last checked" in manager.get(REPORT_URL).content.decode()
    LinkHealth.objects.all().delete()
    assert "Links have not been checked yet." in manager.get(REPORT_URL).content.decode()


def test_a_final_address_that_is_not_a_web_page_is_shown_as_text_never_as_a_link(manager):
    # Saved by a checker from before final addresses had to be web pages.
    script = "javascript:alert(document.cookie)"
    set_health(AffiliateLinkFactory(name="Old check"), Status.BROKEN, final_url=script)
    web = "https://other.example/landing"
    set_health(AffiliateLinkFactory(name="Moved offer"), Status.REDIRECTED, final_url=web)

    response = manager.get(REPORT_URL)

    old, moved = rows(response)["Old check"], rows(response)["Moved offer"]
    assert cells(old)[5] == script
    assert not old.select(f'a[href="{script}"]')
    assert moved.find("a", string=web)["href"] == web


def test_a_refused_redirect_is_recorded_without_its_address_when_it_is_not_a_web_page():
    link = AffiliateLinkFactory()

    record(link, CheckResult("failed", "Refused", None, "data:text/html,hi", conclusive=True))

    assert LinkHealth.objects.get(link=link).final_url == ""
    assert LinkHealth.objects.get(link=link).status == Status.BROKEN
