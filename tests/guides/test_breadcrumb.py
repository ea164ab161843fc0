import pytest
from bs4 import BeautifulSoup

from tests.factories import GuidePageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


def breadcrumb(client, url):
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    return soup.select_one('nav[aria-label="Breadcrumb"]')


def test_a_guide_in_a_subsection_shows_every_ancestor_from_home(client, home):
    section = SectionPageFactory(parent=home, title="Interviews")
    subsection = SectionPageFactory(parent=section, title="Video interviews")
    guide = GuidePageFactory(parent=subsection, title="Test Your Camera")

    nav = breadcrumb(client, guide.url)

    assert "You Are Here" in nav.get_text()
    items = nav.select("ol > li")
    assert [li.get_text(strip=True) for li in items] == [
        "Home",
        "Interviews",
        "Video interviews",
        "Test Your Camera",
    ]
    assert [li.a["href"] for li in items] == ["/", section.url, subsection.url, guide.url]


def test_only_the_current_page_is_marked_as_current(client, section):
    guide = GuidePageFactory(parent=section)
    nav = breadcrumb(client, guide.url)
    current = nav.select('[aria-current="page"]')
    assert len(current) == 1
    assert current[0]["href"] == guide.url


def test_the_home_page_has_no_breadcrumb(client, home):
    assert breadcrumb(client, "/") is None
