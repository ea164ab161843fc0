"""A reader meets a direct affiliate link: the partner's rules on the page, the partner's
own address in the link, and a click counted by the browser's ping."""

import re
import time

import pytest
from playwright.sync_api import expect

from affiliates.links.destinations import from_value
from affiliates.models import AffiliateLink, Click
from guides.models import GuidePage

from .conftest import CHROMIUM, CHROMIUM_ARGS, new_context

pytestmark = pytest.mark.django_db(transaction=True)

SENTENCE = "As a PaperTrail Stationery affiliate, Career Compass earns from qualifying purchases."


@pytest.fixture
def cards(demo_site, partner_site):
    """The demo's direct link (PaperTrail forbids cloaking), pointed at the local partner."""
    link = AffiliateLink.objects.get(slug="thank-you-cards")
    link.destination_url = partner_site + "/cards/thank-you?affiliate=cc"
    link.save()
    return link


@pytest.fixture
def guide(cards):
    return GuidePage.objects.get(slug="follow-up-interview-tips")


def clicks_after_a_moment(expected=1, timeout=5.0):
    """The clicks stored once the browser's ping has had time to arrive (pings are sent
    alongside the navigation, not before it), and a moment more for a second one."""
    deadline = time.monotonic() + timeout
    while Click.objects.count() < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    return list(Click.objects.all())


def test_a_reader_sees_the_partners_rules_and_a_direct_link_click_is_counted_by_its_ping(
    page, demo_site, partner_site, cards, guide
):
    page.goto(demo_site + guide.url)

    expect(page.locator(".disclosure")).to_contain_text(SENTENCE)
    link = page.get_by_role("link", name="printed card")
    destination = partner_site + "/cards/thank-you?affiliate=cc"
    expect(link).to_have_attribute("href", destination)
    expect(link).to_have_attribute("rel", "sponsored nofollow noopener")
    # The ping names the page and the spot (the guide's tip block), signed together.
    ping = link.get_attribute("ping")
    placement = re.fullmatch(
        rf"{re.escape(demo_site)}/go/thank-you-cards/ping/\?from={guide.pk}-[0-9a-f]{{12}}-(tip-\d+)",
        ping,
    )[1]
    assert ping.endswith(from_value(guide.pk, "thank-you-cards", placement))
    marker = link.locator("xpath=following-sibling::span[1]")
    expect(marker).to_have_text("(paid link)")
    expect(marker).to_be_visible()
    assert Click.objects.count() == 0

    link.click()

    expect(page).to_have_url(destination)
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner landing page")
    [click] = clicks_after_a_moment()
    assert (click.link_id, click.page_id, click.is_bot) == (cards.pk, guide.pk, False)
    assert click.placement == placement


def test_where_a_browser_sends_no_pings_the_script_counts_the_click_once(
    browser, demo_site, partner_site, cards, guide
):
    # Chromium with pings switched off and the ping property hidden: a browser that
    # does not know <a ping>, for which the page's script sends a beacon instead.
    no_pings = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--no-pings"]
    )
    try:
        context = new_context(no_pings)
        context.add_init_script("delete HTMLAnchorElement.prototype.ping;")
        reader = context.new_page()
        reader.goto(demo_site + guide.url)
        expect(reader.locator('script[src*="direct-link-ping"]')).to_have_count(1)

        reader.get_by_role("link", name="printed card").click()

        expect(reader).to_have_url(partner_site + "/cards/thank-you?affiliate=cc")
        [click] = clicks_after_a_moment()
        assert (click.link_id, click.page_id, click.is_bot) == (cards.pk, guide.pk, False)
    finally:
        no_pings.close()
