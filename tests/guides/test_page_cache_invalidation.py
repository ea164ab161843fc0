"""Publishing a guide retires only the cached pages that show it; a change that every
page shows (the menu, the footer, the disclosure notice) still reaches every page."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from wagtail.models import Page

from guides.models import GuidePage
from guides.page_cache import path_version_key
from tests.factories import GuidePageFactory, SectionPageFactory, StandardPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections(home):
    """Two sections of guides; in the first, guide 0 is the oldest and guide 7 the newest."""
    first = SectionPageFactory(parent=home, title="Interviews")
    second = SectionPageFactory(parent=home, title="Salaries")
    start = timezone.now() - timedelta(days=30)
    for number in range(8):
        guide = GuidePageFactory(parent=first, title=f"Interview guide {number}")
        GuidePage.objects.filter(pk=guide.pk).update(
            first_published_at=start + timedelta(days=number)
        )
    for number in range(3):
        GuidePageFactory(parent=second, title=f"Salary guide {number}")
    return first, second


def guides_in(section):
    return list(GuidePage.objects.child_of(section).order_by("path"))


def warm(client, pages):
    for page in pages:
        assert client.get(page.url).status_code == 200
    assert all(client.get(page.url)["X-Page-Cache"] == "HIT" for page in pages)


def missed(client, pages):
    """The titles of the pages that are no longer served from the cache."""
    return sorted(page.title for page in pages if client.get(page.url)["X-Page-Cache"] == "MISS")


def everything(home, sections):
    return [home, *sections, *guides_in(sections[0]), *guides_in(sections[1])]


def test_publishing_an_older_guide_retires_it_its_neighbours_section_and_home_only(
    client, home, sections
):
    pages = everything(home, sections)
    warm(client, pages)
    guide = guides_in(sections[0])[2]

    guide.summary = "A fresh summary."
    guide.save_revision().publish()

    assert missed(client, pages) == [
        "Home",
        "Interview guide 1",
        "Interview guide 2",
        "Interview guide 3",
        "Interviews",
    ]
    assert "A fresh summary." in client.get(sections[0].url).content.decode()


def test_publishing_one_of_the_newest_guides_retires_its_section_but_not_others(
    client, home, sections
):
    pages = everything(home, sections)
    warm(client, pages)
    newest = guides_in(sections[0])[7]

    newest.title = "Interview guide 7, renamed"
    newest.save_revision().publish()

    # Every guide in the section lists the newest guides beside itself.
    assert missed(client, pages) == sorted(
        ["Home", "Interviews", *(f"Interview guide {n}" for n in range(8))]
    )
    assert (
        "Interview guide 7, renamed" in client.get(guides_in(sections[0])[0].url).content.decode()
    )


def test_a_page_that_links_to_the_published_guide_is_retired_too(client, home, sections):
    target = guides_in(sections[0])[2]
    linking = guides_in(sections[1])[1]
    linking.intro = f'<p>See <a linktype="page" id="{target.pk}">this guide</a>.</p>'
    linking.save_revision().publish()
    pages = everything(home, sections)
    warm(client, pages)

    target.summary = "Changed."
    target.save_revision().publish()

    assert "Salary guide 1" in missed(client, pages)
    assert "Salary guide 0" not in missed(client, pages)


def test_unpublishing_a_guide_takes_it_off_its_neighbours_and_its_section(client, home, sections):
    guides = guides_in(sections[0])
    pages = everything(home, sections)
    warm(client, pages)
    assert guides[3].url in client.get(guides[2].url).content.decode()

    guides[3].unpublish()

    assert client.get(guides[3].url).status_code == 404
    assert guides[3].url not in client.get(guides[2].url).content.decode()
    assert guides[3].url not in client.get(sections[0].url).content.decode()
    assert client.get(guides_in(sections[1])[0].url)["X-Page-Cache"] == "HIT"


def test_renaming_a_section_in_the_menu_reaches_every_cached_page(client, home, sections):
    pages = everything(home, sections)
    warm(client, pages)

    sections[1].title = "Pay and salaries"
    sections[1].save_revision().publish()

    assert missed(client, pages) == sorted(
        page.title for page in Page.objects.filter(pk__in=[page.pk for page in pages])
    )
    assert "Pay and salaries" in client.get(guides_in(sections[0])[0].url).content.decode()


def test_a_new_footer_page_reaches_every_cached_page(client, home, sections):
    pages = everything(home, sections)
    warm(client, pages)

    StandardPageFactory(
        parent=home, title="Contact us", show_in_footer=True
    ).save_revision().publish()

    assert "Contact us" in client.get(guides_in(sections[0])[5].url).content.decode()
    assert "Contact us" in client.get(guides_in(sections[1])[0].url).content.decode()


def test_a_cached_page_whose_version_was_evicted_is_never_served_again(
    client, home, sections, settings
):
    # The shared cache's own entries, not this process's copy of them (PAGE_CACHE_LOCAL_SECONDS).
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    guide = guides_in(sections[0])[0]
    warm(client, [guide])

    cache.delete(path_version_key(guide.url))

    assert client.get(guide.url)["X-Page-Cache"] == "MISS"
    assert client.get(guide.url)["X-Page-Cache"] == "HIT"
