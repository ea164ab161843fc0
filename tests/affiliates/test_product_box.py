"""The product box: a recommended product, its verdict, pros and cons, rating and price,
with a button through a managed affiliate link that every link rule applies to."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from affiliates.blocks import ProductBoxBlock
from affiliates.models import Partner
from guides.models import GuidePage
from tests.factories import AffiliateLinkFactory, GuidePageFactory, PartnerFactory, signed_from
from tests.pages import soup_of

pytestmark = pytest.mark.django_db


def product_box(link, **fields):
    return {
        "type": "product_box",
        "value": {
            "name": "PaperTrail thank-you cards",
            "image": None,
            "verdict": "Plain, heavy cards.",
            "pros": ["Blank inside", "Fast delivery"],
            "cons": ["Packs of ten only"],
            "rating": "4.5",
            "price_note": "£9 for ten (November 2026)",
            "link": link.pk,
            "button_label": "See the cards",
            **fields,
        },
    }


def test_a_product_box_shows_verdict_pros_cons_rating_price_and_a_cloaked_button(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory(slug="cards", destination_url="https://cards.example/x")
    guide = GuidePageFactory(parent=section, body=[product_box(link)])

    box = soup_of(client, guide).select_one("section.product")

    assert box.h2.text == "PaperTrail thank-you cards"
    assert box["aria-labelledby"] == box.h2["id"]
    assert [li.text for li in box.select(".product__pros li")] == ["Blank inside", "Fast delivery"]
    assert [li.text for li in box.select(".product__cons li")] == ["Packs of ten only"]
    assert " ".join(box.select_one(".product__rating").text.split()) == "Our rating: 4.5 out of 5"
    assert "Price at the time of writing: £9 for ten (November 2026)" in box.text
    button = box.select_one("a.button")
    assert button["href"] == f"/go/cards/?from={signed_from(guide, link, 'product-box-1')}"
    assert button["rel"] == ["sponsored", "nofollow", "noopener"]
    assert "cards.example" not in str(box)


def test_a_direct_partners_product_box_links_straight_to_it_with_its_marker_and_ping(
    client, section, disclosure_page
):
    partner = PartnerFactory(link_style=Partner.LinkStyle.DIRECT, link_marker="(paid link)")
    link = AffiliateLinkFactory(partner=partner, destination_url="https://shop.example/cards")
    guide = GuidePageFactory(parent=section, body=[product_box(link)])

    box = soup_of(client, guide).select_one("section.product")

    button = box.select_one("a.button")
    assert button["href"] == "https://shop.example/cards"
    assert button["ping"].endswith(
        f"/go/{link.slug}/ping/?from={signed_from(guide, link, 'product-box-1')}"
    )
    assert box.select_one(".affiliate-marker").text == "(paid link)"


def test_the_disclosure_comes_before_a_product_box_that_opens_the_guide(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(
        parent=section, intro="<p>No links here.</p>", body=[product_box(link)]
    )

    html = str(soup_of(client, guide).main)

    assert 'class="disclosure"' in html
    assert html.index('class="disclosure"') < html.index('class="button"')


def test_a_guide_whose_only_link_is_in_a_product_box_may_not_go_live_without_a_disclosure_page(
    section,
):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=section, publish=False, body=[product_box(link)])

    with pytest.raises(Exception, match="referral disclosure"):
        guide.save_revision().publish()
    assert not GuidePage.objects.get(pk=guide.pk).live


def test_a_product_without_image_rating_pros_or_cons_still_renders(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(
        parent=section,
        body=[product_box(link, rating=None, pros=[], cons=[], price_note="")],
    )

    box = soup_of(client, guide).select_one("section.product")

    assert box.img is None
    assert box.select_one(".product__rating") is None
    assert box.select_one(".product__pros-cons") is None
    assert box.select_one(".product__price") is None
    assert box.select_one("a.button") is not None


def test_a_product_image_has_sources_a_size_and_lazy_loading(
    client, section, disclosure_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    image = Image.objects.create(
        title="Cards", file=get_test_image_file(filename="cards.png", size=(800, 600))
    )
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(
        parent=section,
        body=[
            product_box(
                link, image={"image": image.pk, "alt_text": "A white card", "decorative": False}
            )
        ],
    )

    box = soup_of(client, guide).select_one("section.product")

    img = box.select_one("picture img")
    assert img["alt"] == "A white card"
    assert img["loading"] == "lazy"
    assert img["width"] and img["height"]
    assert {source["type"] for source in box.select("picture source")} == {
        "image/avif",
        "image/webp",
    }


def test_a_product_whose_direct_link_is_switched_off_keeps_its_review_without_a_button(
    client, section, disclosure_page
):
    # A cloaked link keeps its /go/ address, whose answer explains; a direct one with
    # no fallback leads nowhere.
    link = AffiliateLinkFactory(partner=PartnerFactory(link_style=Partner.LinkStyle.DIRECT))
    guide = GuidePageFactory(parent=section, body=[product_box(link)])
    link.is_active = False
    link.save()

    box = soup_of(client, guide).select_one("section.product")

    assert "Plain, heavy cards." in box.text
    assert box.select_one("a.button") is None


@pytest.mark.parametrize("rating", ["5.1", "-1", "not a number"])
def test_a_rating_outside_zero_to_five_is_refused(rating):
    block = ProductBoxBlock()
    value = block.to_python(product_box(AffiliateLinkFactory())["value"])
    value["rating"] = rating

    with pytest.raises(ValidationError):
        block.clean(value)


def test_a_rating_within_range_is_kept_to_one_decimal_place():
    block = ProductBoxBlock()
    value = block.to_python(product_box(AffiliateLinkFactory(), rating="3.5")["value"])

    assert block.clean(value)["rating"] == Decimal("3.5")


def test_the_block_preview_shows_a_real_managed_link():
    link = AffiliateLinkFactory()

    html = ProductBoxBlock().render(ProductBoxBlock().get_preview_value())

    assert f"/go/{link.slug}/" in html
    assert "Price at the time of writing" in html


def test_many_product_boxes_cost_no_more_queries_than_one(
    client, section, disclosure_page, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # measure rendering, not the full-page cache
    one = GuidePageFactory(parent=section, body=[product_box(AffiliateLinkFactory())])
    many = GuidePageFactory(
        parent=section, body=[product_box(link) for link in AffiliateLinkFactory.create_batch(8)]
    )
    client.get(one.url)  # warm per-process caches (content types)

    counts = []
    for page in (one, many):
        cache.clear()  # rendered from nothing, when the links are drawn
        with CaptureQueriesContext(connection) as queries:
            boxes = soup_of(client, page).select("section.product a.button")
        counts.append((len(queries), len(boxes)))

    assert counts[0][1] == 1 and counts[1][1] == 8
    assert counts[1][0] == counts[0][0]
