"""Anonymous readers get cached pages; nobody ever gets a stale or someone else's page."""

import pytest
from django.test import Client
from wagtail.models import Site

from affiliates.models import DisclosureSettings
from tests.factories import AffiliateLinkFactory, GuidePageFactory, UserFactory, affiliate_anchor

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(section):
    return GuidePageFactory(parent=section, title="Follow Up Tips", intro="<p>Original intro.</p>")


def test_a_readers_second_visit_is_served_from_the_page_cache(client, guide):
    first = client.get(guide.url)
    second = client.get(guide.url)
    assert first["X-Page-Cache"] == "MISS"
    assert second["X-Page-Cache"] == "HIT"
    assert second.content == first.content
    assert second["Content-Security-Policy"]


def test_publishing_a_change_is_seen_by_readers_immediately(client, guide):
    client.get(guide.url)
    guide.intro = "<p>Updated intro.</p>"
    guide.save_revision().publish()

    response = client.get(guide.url)

    assert "Updated intro." in response.content.decode()
    assert response["X-Page-Cache"] == "MISS"


def test_unpublishing_removes_the_page_for_readers(client, guide):
    client.get(guide.url)
    guide.unpublish()
    assert client.get(guide.url).status_code == 404


def test_a_signed_in_editor_never_gets_or_leaves_a_cached_page(client, guide):
    editor = Client()
    editor.force_login(UserFactory(is_staff=True, is_superuser=True))

    editor_view = editor.get(guide.url)
    reader_view = client.get(guide.url)

    assert "X-Page-Cache" not in editor_view
    assert reader_view["X-Page-Cache"] == "MISS"
    assert editor.get(guide.url).get("X-Page-Cache") is None


def test_renaming_an_affiliate_link_refreshes_pages_that_show_it(client, section, disclosure_page):
    link = AffiliateLinkFactory(slug="old-slug")
    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")
    assert "/go/old-slug/" in client.get(guide.url).content.decode()

    link.slug = "new-slug"
    link.save()

    assert "/go/new-slug/" in client.get(guide.url).content.decode()


def test_changing_the_disclosure_notice_refreshes_cached_pages(client, section, disclosure_page):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")
    client.get(guide.url)
    notice = DisclosureSettings.for_site(Site.objects.get())
    notice.notice_text = "We may be paid for some links. Read"
    notice.save()

    assert "We may be paid for some links." in client.get(guide.url).content.decode()


def test_search_results_for_a_query_are_never_cached(client, guide):
    response = client.get("/search/", {"q": "tips"})
    assert "X-Page-Cache" not in response
    assert "no-store" in response["Cache-Control"]


def test_affiliate_redirects_and_the_admin_are_never_cached(client, guide):
    link = AffiliateLinkFactory()
    for _ in range(2):
        assert "X-Page-Cache" not in client.get(link.get_absolute_url())
        assert "X-Page-Cache" not in client.get("/admin/login/")


def test_a_reader_who_carries_cookies_gets_a_freshly_rendered_page(client, guide):
    client.get(guide.url)
    client.cookies["csrftoken"] = "abc"
    response = client.get(guide.url)
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
