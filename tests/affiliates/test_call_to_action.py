"""The affiliate call-to-action box: a recommendation with a cloaked, sponsored button."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from affiliates.blocks import AffiliateCallToActionBlock
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    affiliate_anchor,
    question,
    signed_from,
)

pytestmark = pytest.mark.django_db


def call_to_action(link, heading="Practise with a coach", text="", button_label="Book a session"):
    return {
        "type": "affiliate_call_to_action",
        "value": {
            "link": link.pk,
            "heading": heading,
            "text": text,
            "button_label": button_label,
        },
    }


def boxes(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select("aside.cta")


def test_the_button_is_a_cloaked_sponsored_link_attributed_to_the_page(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory(slug="acme-coaching", destination_url="https://acme.example/x")
    guide = GuidePageFactory(
        parent=section,
        body=[call_to_action(link, heading="Practise", text="An hour with a coach.")],
    )

    [box] = boxes(client, guide)

    button = box.select_one("a.button")
    assert button["href"] == f"/go/acme-coaching/?from={signed_from(guide, link, 'cta-1')}"
    assert button["rel"] == ["sponsored", "nofollow", "noopener"]
    assert button.get_text() == "Book a session"
    assert box.h2.get_text() == "Practise"
    assert "An hour with a coach." in box.get_text()
    assert "acme.example" not in str(box)


def test_two_boxes_for_the_same_link_are_each_labelled_by_their_own_heading(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(
        parent=section,
        body=[call_to_action(link, heading="First"), call_to_action(link, heading="Second")],
    )

    first, second = boxes(client, guide)

    assert first["aria-labelledby"] != second["aria-labelledby"]
    for box in (first, second):
        assert box.h2["id"] == box["aria-labelledby"]
    assert [first.h2.get_text(), second.h2.get_text()] == ["First", "Second"]


def test_a_box_rendered_outside_a_page_still_labels_itself_by_its_heading():
    link = AffiliateLinkFactory()
    block = AffiliateCallToActionBlock()
    value = block.to_python(call_to_action(link)["value"])

    first, second = (BeautifulSoup(block.render(value), "html.parser").aside for _ in range(2))

    assert first.h2["id"] == first["aria-labelledby"]
    assert first["aria-labelledby"] != second["aria-labelledby"]
    assert first.select_one("a.button")["href"] == link.get_absolute_url()


def test_a_box_whose_link_was_deleted_is_left_out_and_the_page_still_renders(
    client, section, disclosure_page
):
    kept, deleted = AffiliateLinkFactory(), AffiliateLinkFactory()
    guide = GuidePageFactory(
        parent=section,
        body=[call_to_action(deleted, heading="Gone"), call_to_action(kept, heading="Kept")],
    )
    deleted.delete()

    [box] = boxes(client, guide)

    assert box.h2.get_text() == "Kept"


def test_the_block_preview_shows_a_real_managed_link():
    link = AffiliateLinkFactory(slug="acme-coaching")
    block = AffiliateCallToActionBlock()

    preview = BeautifulSoup(block.render(block.get_preview_value()), "html.parser")

    assert preview.select_one("aside.cta a.button")["href"] == link.get_absolute_url()
    assert link.slug in preview.select_one("aside.cta a.button")["href"]


def test_many_boxes_and_links_cost_no_more_queries_than_one(
    client, section, disclosure_page, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # measure rendering, not the full-page cache

    def guide_with(count):
        links = AffiliateLinkFactory.create_batch(count)
        return GuidePageFactory(
            parent=section,
            intro="".join(f"<p>{affiliate_anchor(link)}</p>" for link in links),
            body=[call_to_action(link) for link in links]
            + [question("Where?", *(affiliate_anchor(link) for link in links))],
        )

    one, many = guide_with(1), guide_with(8)
    client.get(one.url)  # warm per-process caches (content types)
    # Both rendered with the shared cache empty, content included: what a render costs
    # after a publish, and the only time the links are drawn.
    cache.clear()
    with CaptureQueriesContext(connection) as for_one:
        client.get(one.url)
    cache.clear()
    with CaptureQueriesContext(connection) as for_many:
        assert len(boxes(client, many)) == 8

    assert len(for_many) == len(for_one)
