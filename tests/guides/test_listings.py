import datetime

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from tests.factories import GuidePageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


def guide_titles(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in soup.select("main .card__title a")]


@pytest.fixture
def crowded_section(section):
    start = timezone.now() - datetime.timedelta(days=30)
    for number in range(1, 24):
        guide = GuidePageFactory(parent=section, title=f"Guide {number:02d}")
        guide.first_published_at = start + datetime.timedelta(days=number)
        guide.save(update_fields=["first_published_at"])
    return section


def test_a_section_lists_its_published_guides_newest_first_with_summary_and_date(client, section):
    older = GuidePageFactory(parent=section, title="Older", summary="The first guide.")
    older.first_published_at = timezone.now() - datetime.timedelta(days=3)
    older.save(update_fields=["first_published_at"])
    GuidePageFactory(parent=section, title="Newer")
    GuidePageFactory(parent=section, title="Draft", publish=False)

    response = client.get(section.url)

    assert guide_titles(response) == ["Newer", "Older"]
    assert "The first guide." in response.content.decode()
    assert "<time datetime=" in response.content.decode()


def test_a_long_section_is_split_into_pages_of_ten(client, crowded_section):
    first = client.get(crowded_section.url)
    third = client.get(crowded_section.url + "?page=3")
    assert len(guide_titles(first)) == 10
    assert guide_titles(first)[0] == "Guide 23"
    assert guide_titles(third) == ["Guide 03", "Guide 02", "Guide 01"]
    assert "Page 3 of 3" in third.content.decode()


@pytest.mark.parametrize(
    ("page", "expected_first"),
    [
        ("abc", "Guide 23"),
        ("0", "Guide 23"),
        ("-4", "Guide 23"),
        ("99999", "Guide 03"),
        ("", "Guide 23"),
    ],
)
def test_junk_page_numbers_fall_back_to_the_first_or_last_page(
    client, crowded_section, page, expected_first
):
    response = client.get(crowded_section.url, {"page": page})
    assert response.status_code == 200
    assert guide_titles(response)[0] == expected_first


def test_an_empty_section_says_it_has_no_guides_yet(client, section):
    response = client.get(section.url)
    assert "no guides in this section yet" in response.content.decode()


def test_the_menu_lists_sections_shown_in_menus_and_marks_the_current_one(client, home):
    shown = SectionPageFactory(parent=home, title="Interviews")
    SectionPageFactory(parent=home, title="Hidden", show_in_menus=False)
    guide = GuidePageFactory(parent=shown)

    soup = BeautifulSoup(client.get(guide.url).content, "html.parser")
    menu = soup.select_one('nav[aria-label="Sections"]')

    assert [a.get_text() for a in menu.select("a")] == ["Interviews", "Search"]
    assert menu.select_one("a[aria-current]")["href"] == shown.url


def test_a_guide_offers_previous_next_and_related_guides_from_its_section(client, section):
    first = GuidePageFactory(parent=section, title="First")
    middle = GuidePageFactory(parent=section, title="Middle")
    last = GuidePageFactory(parent=section, title="Last")

    soup = BeautifulSoup(client.get(middle.url).content, "html.parser")

    assert soup.select_one('a[rel="prev"]')["href"] == first.url
    assert soup.select_one('a[rel="next"]')["href"] == last.url
    related = {a["href"] for a in soup.select(".related .card__title a")}
    assert related == {first.url, last.url}


def test_editors_can_override_the_related_guides(client, section):
    other_section = SectionPageFactory(parent=section.get_parent(), title="CVs")
    chosen = GuidePageFactory(parent=other_section, title="Chosen")
    GuidePageFactory(parent=section, title="Sibling")
    guide = GuidePageFactory(parent=section, title="Main")
    guide.related_guides.create(guide=chosen)
    guide.save_revision().publish()

    soup = BeautifulSoup(client.get(guide.url).content, "html.parser")

    assert [a.get_text() for a in soup.select(".related .card__title a")] == ["Chosen"]


def test_the_footer_links_the_disclosure_and_footer_pages(client, home, disclosure_page):
    from tests.factories import StandardPageFactory

    about = StandardPageFactory(parent=home, title="About us", show_in_footer=True)
    StandardPageFactory(parent=home, title="Not in footer")

    soup = BeautifulSoup(client.get("/").content, "html.parser")
    footer = soup.select_one('nav[aria-label="Footer"]')

    hrefs = [a["href"] for a in footer.select("a")]
    assert disclosure_page.url in hrefs
    assert about.url in hrefs
    assert "Not in footer" not in footer.get_text()
