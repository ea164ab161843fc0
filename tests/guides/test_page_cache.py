"""Anonymous readers get cached pages; nobody ever gets a stale or someone else's page."""

import pytest
from django.test import Client
from wagtail.models import Site

from affiliates.models import DisclosureSettings
from guides.models import GUIDES_PER_PAGE
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


@pytest.mark.parametrize("cookie", ["SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "messages"])
def test_a_reader_who_carries_one_of_djangos_cookies_gets_a_freshly_rendered_page(
    client, guide, settings, cookie
):
    client.get(guide.url)
    client.cookies[getattr(settings, cookie, cookie)] = "abc"
    response = client.get(guide.url)
    assert response.status_code == 200
    assert "X-Page-Cache" not in response


def test_analytics_and_consent_cookies_do_not_cost_a_reader_the_cached_page(client, guide):
    first = client.get(guide.url)
    client.cookies["_ga"] = "GA1.1.123.456"
    client.cookies["cookie_consent"] = "yes"

    response = client.get(guide.url)

    assert response["X-Page-Cache"] == "HIT"
    assert response.content == first.content


def test_campaign_tags_and_unknown_parameters_are_answered_from_the_cached_page(client, home):
    first = client.get("/")

    response = client.get("/?utm_source=x&foo=1")

    assert (first["X-Page-Cache"], response["X-Page-Cache"]) == ("MISS", "HIT")
    assert response.content == first.content


def test_a_page_that_was_first_visited_with_campaign_tags_is_cached_for_everyone(client, guide):
    assert client.get(f"{guide.url}?utm_campaign=spring")["X-Page-Cache"] == "MISS"
    assert client.get(guide.url)["X-Page-Cache"] == "HIT"
    assert client.get(f"{guide.url}?gclid=abc")["X-Page-Cache"] == "HIT"


def test_a_guide_ignores_a_page_number_it_does_not_read(client, guide):
    client.get(guide.url)
    assert client.get(f"{guide.url}?page=7")["X-Page-Cache"] == "HIT"


@pytest.fixture
def long_section(section):
    """Two pages of guides: the oldest guide is alone on page 2."""
    for number in range(GUIDES_PER_PAGE + 1):
        GuidePageFactory(parent=section, title=f"Guide number {number}")
    return section


def test_each_page_of_a_section_listing_is_cached_on_its_own(client, long_section):
    first_page = client.get(long_section.url).content.decode()
    second = client.get(f"{long_section.url}?page=2")
    again = client.get(f"{long_section.url}?utm_source=news&page=2")

    assert "Guide number 0" not in first_page
    assert second["X-Page-Cache"] == "MISS"
    assert "Guide number 0" in second.content.decode()
    assert again["X-Page-Cache"] == "HIT"
    assert again.content == second.content
