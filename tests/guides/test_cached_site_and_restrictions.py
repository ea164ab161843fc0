"""Wagtail's site, home page, ancestors and "is anything private?" come from the cache,
and every change to them still reaches the next reader (page cache off, so the render
itself is what is tested)."""

import pytest
from wagtail.models import PageViewRestriction, Site

from tests.factories import GuidePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uncached(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def guide(section):
    return GuidePageFactory(parent=section, title="Salary Negotiation")


def test_renaming_the_site_shows_on_the_next_page_view(client, guide):
    assert "| Career Compass</title>" in client.get(guide.url).content.decode()
    site = Site.objects.get()
    site.site_name = "Job Compass"
    site.save()

    assert "| Job Compass</title>" in client.get(guide.url).content.decode()


def test_renaming_a_section_shows_in_the_breadcrumb_of_its_guides(client, section, guide):
    assert "Preparing for a Job Interview" in client.get(guide.url).content.decode()

    section.title = "Interviews, start to finish"
    section.save_revision().publish()

    breadcrumb = client.get(guide.url).content.decode()
    assert "Interviews, start to finish" in breadcrumb


def test_a_host_django_does_not_accept_is_a_400(client, guide):
    assert client.get(guide.url, HTTP_HOST="attacker.example").status_code == 400


def test_another_port_on_the_sites_host_is_served_by_the_site(client, guide):
    response = client.get(guide.url, HTTP_HOST="localhost:8080")

    assert response.status_code == 200
    assert "Salary Negotiation" in response.content.decode()


def test_the_first_restriction_on_a_site_with_none_takes_effect_at_once(client, guide):
    assert client.get(guide.url).status_code == 200  # "nothing is private" is now cached

    PageViewRestriction.objects.create(page=guide, restriction_type="login")

    response = client.get(guide.url)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_restriction_on_a_section_still_covers_its_guides(client, section, guide):
    other = GuidePageFactory(parent=section, title="Dress Code")
    PageViewRestriction.objects.create(page=section, restriction_type="login")

    assert client.get(other.url).status_code == 302
    assert client.get(guide.url).status_code == 302
