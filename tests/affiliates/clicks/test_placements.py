"""Each affiliate link on a page says where it sits (its placement), signed with the page,
and the click records it: the reports can then tell a product box from the intro."""

import io
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from affiliates.clicks import rollup
from affiliates.clicks.recording import ClickEvent
from affiliates.days import site_today
from affiliates.links.destinations import from_value
from affiliates.models import Click, ClickAttribution, DailyPlacementClicks, MonthlyPlacementClicks
from tests.affiliates.reader_clicks import days_ago, follow
from tests.affiliates.test_call_to_action import call_to_action
from tests.affiliates.test_comparison_table import table
from tests.affiliates.test_product_box import product_box
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    affiliate_anchor,
    browser_headers,
    question,
)

pytestmark = pytest.mark.django_db


def go_links(client, page):
    """Every /go/ address on ``page`` as a reader gets it, in order."""
    soup = BeautifulSoup(client.get(page.url).content, "html.parser")
    return [anchor["href"] for anchor in soup.select('a[href^="/go/"]')]


def click_every_link(client, page):
    for href in go_links(client, page):
        assert client.get(href, **browser_headers()).status_code == 302
    return Counter(Click.objects.filter(page=page).values_list("placement", flat=True))


def test_every_link_on_a_guide_records_the_spot_it_sat_in(client, section, disclosure_page):
    link = AffiliateLinkFactory(slug="cards")
    guide = GuidePageFactory(
        parent=section,
        intro=f"<p>Try {affiliate_anchor(link)}.</p>",
        body=[
            question("What do I send?", f"A card: {affiliate_anchor(link)}"),
            product_box(link),
            call_to_action(link),
            table([("Cards", link), ("Notes", link)], [("Price", ["£9", "£5"])]),
            {"type": "tip", "value": {"text": f"<p>{affiliate_anchor(link)}</p>"}},
            {"type": "paragraph", "value": {"text": f"<p>{affiliate_anchor(link)}</p>"}},
        ],
        closing=f"<p>Good luck: {affiliate_anchor(link)}</p>",
    )

    recorded = click_every_link(client, guide)

    assert recorded == {
        "intro": 1,
        "question-1": 1,
        "product-box-2": 1,
        "cta-3": 1,
        "comparison-table-4": 2,
        "tip-5": 1,
        "paragraph-6": 1,
        "closing": 1,
    }


def test_the_home_and_section_pages_record_their_intro(client, home, section, disclosure_page):
    link = AffiliateLinkFactory(slug="cards")
    for page in (home, section):
        page.intro = f"<p>{affiliate_anchor(link)}</p>"
        page.save_revision().publish()

    assert click_every_link(client, home) == {"intro": 1}
    assert click_every_link(client, section) == {"intro": 1}


def test_a_placement_that_was_not_signed_for_the_page_credits_nothing(client, home):
    link = AffiliateLinkFactory(slug="cards")
    guide = GuidePageFactory(parent=home)
    signed = from_value(guide.pk, link.slug, "intro")
    forged = signed.removesuffix("intro") + "product-box-1"

    client.get(f"/go/cards/?from={forged}", **browser_headers())

    click = Click.objects.get()
    assert (click.page, click.placement) == (None, "")


def test_links_in_pages_cached_before_placements_still_credit_their_page(client, home):
    link = AffiliateLinkFactory(slug="cards")
    guide = GuidePageFactory(parent=home)

    client.get(f"/go/cards/?from={from_value(guide.pk, link.slug)}", **browser_headers())

    click = Click.objects.get()
    assert (click.page, click.placement) == (guide.page_ptr, "")


def test_a_click_queued_before_placements_existed_still_loads():
    old = '["abc",1,null,"' + "a" * 64 + '",false,false,1700000000.0]'

    assert ClickEvent.from_json(old).placement == ""


def placement_totals(first_day, last_day):
    totals = rollup.range_totals(("page_key", "placement"), first_day, last_day)
    return {key: counts["clicks"] for key, counts in totals.items()}


def test_clicks_per_placement_add_up_and_survive_a_rebuild_and_pruning(client, home):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=home)
    for days, placement, ip in [
        (40, "intro", "198.51.100.1"),
        (3, "intro", "198.51.100.2"),
        (3, "product-box-2", "198.51.100.2"),
        (3, "product-box-2", "198.51.100.3"),
    ]:
        follow(client, link, page=guide, placement=placement, ip=ip, at=days_ago(days))
    follow(client, link, page=guide, placement="intro", bot=True, at=days_ago(3))
    first, last = days_ago(60).date(), site_today()
    expected = {(guide.pk, "intro"): 2, (guide.pk, "product-box-2"): 2}

    assert placement_totals(first, last) == expected
    rollup.rebuild()
    assert placement_totals(first, last) == expected
    call_command("prune_clicks", "--days", "7", stdout=io.StringIO())
    rollup.compact()
    assert placement_totals(first, last) == expected
    # What the pruned click stood for keeps its placement, for sales reported later.
    assert set(ClickAttribution.objects.values_list("placement", flat=True)) == {"intro"}
    assert not DailyPlacementClicks.objects.filter(shard__gt=0, day__lt=site_today()).exists()
    assert MonthlyPlacementClicks.objects.exists()


def test_a_deleted_pages_placement_clicks_move_to_no_page(client, home):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=home)
    follow(client, link, page=guide, placement="cta-1", at=days_ago(2))
    first, last = days_ago(10).date(), site_today()

    guide.delete()

    assert placement_totals(first, last) == {(0, "cta-1"): 1}
