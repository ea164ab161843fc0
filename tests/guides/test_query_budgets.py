"""The pages readers hit most render in a small, fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    ImageFactory,
    SectionPageFactory,
    affiliate_anchor,
    question,
)

pytestmark = pytest.mark.django_db

# Measured on SQLite and PostgreSQL, for a page rendered again (the page cache off) as
# after a publish elsewhere. The site, its home page and root paths, the breadcrumb's
# ancestors, "is any page private?", the menu, footer and settings, the page an address
# led to last time, a guide's links, neighbours and related guides (until a publish
# gives its address a new version, or a link or partner changes) and its rendered
# content come from the cache; what is left is the page's own row, as its own class;
# a section's guides (a count and a page of them) and its subsections; the home page's
# featured guides and sections. Pictures add, for a page with its own, that image; for
# each listing of cards, its pictures' renditions (the pictures come with the pages).
GUIDE_BUDGET = 1
SECTION_BUDGET = 7
HOME_BUDGET = 5


@pytest.fixture(autouse=True)
def uncached(settings):
    settings.PAGE_CACHE_SECONDS = 0


def heavy_guide(section, links, blocks=30):
    body = []
    for number in range(blocks):
        chunk = links[number * len(links) // blocks : (number + 1) * len(links) // blocks]
        points = [f"Point {number}: {affiliate_anchor(link)}" for link in chunk] or ["No link."]
        body.append(question(f"Question {number}?", *points))
    body.append({"type": "table_of_contents", "value": None})
    for link in links[:5]:
        body.append(
            {
                "type": "affiliate_call_to_action",
                "value": {"link": link.pk, "heading": "Try it", "text": "", "button_label": "Go"},
            }
        )
    return GuidePageFactory(
        parent=section,
        body=body,
        intro=f"<p>{affiliate_anchor(links[0])}</p>",
        image=ImageFactory(),
    )


def count_queries(client, url):
    client.get(url)  # warm per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_a_guide_with_fifty_links_and_thirty_blocks_stays_within_budget(
    client, section, disclosure_page, django_assert_max_num_queries
):
    small = heavy_guide(section, AffiliateLinkFactory.create_batch(2), blocks=2)
    big = heavy_guide(section, AffiliateLinkFactory.create_batch(50), blocks=30)
    for number in range(6):
        GuidePageFactory(parent=section, title=f"Sibling {number}")

    small_count, _ = count_queries(client, small.url)
    big_count, response = count_queries(client, big.url)

    assert response.content.decode().count("/go/") >= 50
    with django_assert_max_num_queries(GUIDE_BUDGET):
        client.get(big.url)
    assert big_count == small_count, "queries must not grow with blocks or links"


def test_a_section_listing_stays_within_budget_however_many_guides(
    client, home, django_assert_max_num_queries
):
    picture = ImageFactory()
    few = SectionPageFactory(parent=home, title="Few", image=picture)
    many = SectionPageFactory(parent=home, title="Many", image=picture)
    GuidePageFactory.create_batch(2, parent=few, image=picture)
    GuidePageFactory.create_batch(25, parent=many, image=picture)
    for parent in (few, many):
        SectionPageFactory.create_batch(3, parent=parent, image=picture)
    for number in range(8):
        SectionPageFactory(parent=home, title=f"Menu item {number}")

    few_count, _ = count_queries(client, few.url)
    many_count, response = count_queries(client, many.url)

    with django_assert_max_num_queries(SECTION_BUDGET):
        client.get(many.url)
    assert many_count == few_count
    # Ten guides and three subsections, each a card with its picture.
    assert response.content.decode().count('class="card card--picture"') == 13


def test_the_home_page_stays_within_budget(client, home, section, django_assert_max_num_queries):
    picture = ImageFactory()
    guides = GuidePageFactory.create_batch(4, parent=section, image=picture)
    for guide in guides:
        home.featured_guides.create(guide=guide)
    home.image = ImageFactory()
    home.save_revision().publish()
    for number in range(8):
        SectionPageFactory(parent=home, title=f"Topic {number}", image=picture)

    client.get("/")
    with django_assert_max_num_queries(HOME_BUDGET):
        response = client.get("/")
    # Four featured guides and nine sections, each a card; all but the section without
    # a picture with theirs.
    assert response.content.decode().count('class="card card--picture"') == 12
    assert response.content.decode().count('class="card"') == 1
    assert 'class="hero__image"' in response.content.decode()
