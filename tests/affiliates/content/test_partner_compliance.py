"""Each partner's programme rules: its disclosure sentence, its marker, and direct links."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site

from affiliates.blocks import AffiliateCallToActionBlock
from affiliates.models import DisclosureSettings, Partner
from tests.factories import (
    NOT_LIVE,
    AffiliateLinkFactory,
    GuidePageFactory,
    PartnerFactory,
    StandardPageFactory,
    affiliate_anchor,
    question,
    signed_from,
)

pytestmark = pytest.mark.django_db

AMAZON_SENTENCE = "As an Amazon Associate I earn from qualifying purchases."
DIRECT = Partner.LinkStyle.DIRECT


@pytest.fixture
def amazon():
    return PartnerFactory(
        name="Amazon Associates",
        link_style=DIRECT,
        disclosure_sentence=AMAZON_SENTENCE,
        link_marker="(paid link)",
    )


def call_to_action(link, button_label="See the offer"):
    return {
        "type": "affiliate_call_to_action",
        "value": {"link": link.pk, "heading": "Try it", "text": "", "button_label": button_label},
    }


def rendered(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def notice_text(soup):
    [notice] = soup.select(".disclosure")
    return " ".join(notice.get_text().split())


def following_text(anchor):
    """The text right after a link's closing tag, as a reader meets it."""
    sibling = anchor.next_sibling
    while isinstance(sibling, str) and not sibling.strip():
        sibling = sibling.next_sibling
    return sibling


# The disclosure sentence.


def test_the_partners_sentence_follows_the_notice_on_a_page_linking_to_it(
    client, section, disclosure_page, amazon
):
    link = AffiliateLinkFactory(partner=amazon)
    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")

    text = notice_text(rendered(client, guide))

    assert text.startswith("Referral fees may be earned")
    assert text.endswith(AMAZON_SENTENCE)


def test_pages_that_do_not_link_to_the_partner_leave_its_sentence_out(
    client, home, section, disclosure_page, amazon
):
    AffiliateLinkFactory(partner=amazon)
    other = AffiliateLinkFactory(partner=PartnerFactory(disclosure_sentence=""))
    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(other)}</p>")
    about = StandardPageFactory(parent=home, title="About us")
    settings = DisclosureSettings.for_site(Site.objects.get())
    settings.policy = DisclosureSettings.Policy.EVERY_PAGE
    settings.save()

    for page in (guide, about, home):
        text = notice_text(rendered(client, page))
        assert "Referral fees may be earned" in text, page.title
        assert "Amazon" not in text, page.title


def test_each_sentence_appears_once_in_the_order_of_the_partners_first_links(
    client, section, disclosure_page, amazon
):
    coaching = PartnerFactory(disclosure_sentence="Acme pays us for coaching sign-ups.")
    same_words = PartnerFactory(disclosure_sentence=AMAZON_SENTENCE)
    first, second = AffiliateLinkFactory(partner=coaching), AffiliateLinkFactory(partner=amazon)
    third = AffiliateLinkFactory(partner=same_words)
    guide = GuidePageFactory(
        parent=section,
        intro=f"<p>{affiliate_anchor(first)} and {affiliate_anchor(second)}</p>",
        body=[question("Where?", affiliate_anchor(third), affiliate_anchor(first))],
        closing=f"<p>{affiliate_anchor(second)}</p>",
    )

    sentences = [s.get_text() for s in rendered(client, guide).select(".disclosure__partner")]

    assert sentences == ["Acme pays us for coaching sign-ups.", AMAZON_SENTENCE]


def test_a_call_to_action_brings_its_partners_sentence_too(
    client, section, disclosure_page, amazon
):
    guide = GuidePageFactory(
        parent=section, body=[call_to_action(AffiliateLinkFactory(partner=amazon))]
    )

    assert notice_text(rendered(client, guide)).endswith(AMAZON_SENTENCE)


# The marker.


def test_the_marker_follows_each_of_the_partners_links_in_rich_text(
    client, section, disclosure_page, amazon
):
    link = AffiliateLinkFactory(partner=amazon)
    guide = GuidePageFactory(
        parent=section,
        intro=f"<p>Try {affiliate_anchor(link, 'this <b>book</b>')}, then read on.</p>",
        body=[question("Where?", affiliate_anchor(link, "the same book"))],
    )

    soup = rendered(client, guide)

    anchors = soup.select("main a[rel~=sponsored]")
    assert [a.get_text() for a in anchors] == ["this book", "the same book"]
    for anchor in anchors:
        marker = following_text(anchor)
        assert marker.name == "span"
        assert marker["class"] == ["affiliate-marker"]
        assert marker.get_text() == "(paid link)"
        assert not anchor.has_attr("data-affiliate-marker")
    intro = " ".join(soup.select_one(".guide__intro").get_text().split())
    assert intro == "Try this book (paid link), then read on."


def test_the_marker_follows_the_call_to_action_button(client, section, disclosure_page):
    partner = PartnerFactory(link_marker="Ad")
    guide = GuidePageFactory(
        parent=section, body=[call_to_action(AffiliateLinkFactory(partner=partner))]
    )

    button = rendered(client, guide).select_one("aside.cta a.button")

    assert button.get_text() == "See the offer"
    assert following_text(button).get_text() == "Ad"
    assert following_text(button)["class"] == ["affiliate-marker"]


def test_links_of_a_partner_without_a_marker_get_none(client, section, disclosure_page):
    link = AffiliateLinkFactory(partner=PartnerFactory(link_marker=""))
    guide = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(link)}</p>", body=[call_to_action(link)]
    )

    soup = rendered(client, guide)

    assert soup.select(".affiliate-marker") == []
    assert "data-affiliate-marker" not in str(soup)


def test_a_marker_is_escaped_like_any_text(client, section, disclosure_page):
    link = AffiliateLinkFactory(partner=PartnerFactory(link_marker='<b>"Paid" & ad</b>'))
    guide = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(link)}</p>", body=[call_to_action(link)]
    )

    soup = rendered(client, guide)

    markers = soup.select(".affiliate-marker")
    assert [m.get_text() for m in markers] == ['<b>"Paid" & ad</b>'] * 2
    assert soup.select(".affiliate-marker b") == []


# Direct links.


def test_a_direct_link_goes_to_the_partners_address_with_rel_and_a_ping(
    client, section, disclosure_page, amazon
):
    link = AffiliateLinkFactory(
        slug="interview-book",
        partner=amazon,
        destination_url="https://www.amazon.example/dp/123?tag=cc-20",
    )
    guide = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(link)}</p>", body=[call_to_action(link)]
    )

    soup = rendered(client, guide)

    in_text, button = soup.select_one(".guide__intro a"), soup.select_one("aside.cta a.button")
    for anchor, placement in ((in_text, "intro"), (button, "cta-1")):
        assert anchor["href"] == "https://www.amazon.example/dp/123?tag=cc-20"
        assert anchor["rel"] == ["sponsored", "nofollow", "noopener"]
        # A path: the browser pings whichever address served the page.
        from_value = signed_from(guide, link, placement)
        assert anchor["ping"] == f"http://testserver/go/interview-book/ping/?from={from_value}"
    assert "/go/interview-book/?" not in str(soup)


def test_a_direct_link_that_forwards_reader_parameters_still_renders(
    client, section, disclosure_page, amazon
):
    # Forwarding belongs to the redirect; on the page there is no reader query to pass.
    link = AffiliateLinkFactory(
        partner=amazon,
        destination_url="https://www.amazon.example/dp/123?tag=cc-20",
        pass_query_parameters=True,
        forwarded_parameters="ref",
    )
    guide = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(link)}</p>", body=[call_to_action(link)]
    )

    soup = rendered(client, guide)

    for anchor in (soup.select_one(".guide__intro a"), soup.select_one("aside.cta a.button")):
        assert anchor["href"] == "https://www.amazon.example/dp/123?tag=cc-20"


def test_cloaked_links_still_go_through_the_site_and_send_no_ping(client, section, disclosure_page):
    link = AffiliateLinkFactory(slug="coaching", partner=PartnerFactory())
    guide = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(link)}</p>", body=[call_to_action(link)]
    )

    soup = rendered(client, guide)

    in_text, button = soup.select_one(".guide__intro a"), soup.select_one("aside.cta a.button")
    for anchor, placement in ((in_text, "intro"), (button, "cta-1")):
        assert anchor["href"] == f"/go/coaching/?from={signed_from(guide, link, placement)}"
        assert anchor["rel"] == ["sponsored", "nofollow", "noopener"]
        assert not anchor.has_attr("ping")
    assert link.destination_url not in str(soup)


def test_a_direct_links_tracking_templates_are_filled_for_the_page(
    client, section, disclosure_page
):
    partner = PartnerFactory(
        link_style=DIRECT, tracking_template="subid={page_slug}&utm_source={site}"
    )
    link = AffiliateLinkFactory(
        slug="book",
        partner=partner,
        destination_url="https://shop.example/item?tag=cc-20",
        tracking_template="utm_campaign={section_slug}&p={page_id}&l={link_slug}",
    )
    guide = GuidePageFactory(
        parent=section, slug="prepare", intro=f"<p>{affiliate_anchor(link)}</p>"
    )

    href = rendered(client, guide).select_one(".guide__intro a")["href"]

    url = urlsplit(href)
    assert (url.netloc, url.path) == ("shop.example", "/item")
    assert parse_qs(url.query) == {
        "tag": ["cc-20"],
        "subid": ["prepare"],
        "utm_source": ["localhost"],
        "utm_campaign": [section.slug],
        "p": [str(guide.pk)],
        "l": ["book"],
    }


@pytest.mark.parametrize("dates", NOT_LIVE.values(), ids=NOT_LIVE.keys())
def test_a_direct_link_that_is_not_live_goes_to_its_fallback_uncounted(
    client, section, disclosure_page, amazon, dates
):
    link = AffiliateLinkFactory(
        partner=amazon, fallback_url="https://www.amazon.example/bestsellers", **dates
    )
    guide = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(link)}</p>", body=[call_to_action(link)]
    )

    soup = rendered(client, guide)

    for anchor in (soup.select_one(".guide__intro a"), soup.select_one("aside.cta a.button")):
        assert anchor["href"] == "https://www.amazon.example/bestsellers"
        assert anchor["rel"] == ["sponsored", "nofollow", "noopener"]
        assert not anchor.has_attr("ping")


def test_a_direct_link_that_is_not_live_and_has_no_fallback_is_plain_text(
    client, section, disclosure_page, amazon
):
    link = AffiliateLinkFactory(
        partner=amazon, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    guide = GuidePageFactory(
        parent=section,
        intro=f"<p>Read {affiliate_anchor(link, 'this book')}.</p>",
        body=[call_to_action(link)],
    )

    soup = rendered(client, guide)

    intro = soup.select_one(".guide__intro")
    assert " ".join(intro.get_text().split()) == "Read this book."
    assert intro.a is None or not intro.a.has_attr("href")
    assert soup.select("aside.cta") == [], "a button that leads nowhere is left out"
    assert link.destination_url not in str(soup)


def test_a_call_to_action_rendered_on_its_own_still_follows_the_partners_rules(amazon):
    link = AffiliateLinkFactory(slug="book", partner=amazon)
    block = AffiliateCallToActionBlock()

    box = BeautifulSoup(block.render(block.to_python(call_to_action(link)["value"])), "html.parser")

    button = box.select_one("a.button")
    assert button["href"] == link.destination_url
    assert button["ping"] == f"{settings.WAGTAILADMIN_BASE_URL}/go/book/ping/"
    assert following_text(button).get_text() == "(paid link)"


def test_the_editors_preview_shows_direct_links_and_markers(section, disclosure_page, amazon):
    link = AffiliateLinkFactory(partner=amazon)
    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")

    response = guide.make_preview_request()

    soup = BeautifulSoup(response.content, "html.parser")
    anchor = soup.select_one(".guide__intro a")
    assert anchor["href"] == link.destination_url
    assert anchor["ping"].startswith("http")
    assert following_text(anchor).get_text() == "(paid link)"
    assert notice_text(soup).endswith(AMAZON_SENTENCE)


# What it costs and what it loads.


def test_a_page_with_direct_links_loads_the_ping_script_and_others_do_not(
    client, section, disclosure_page, amazon
):
    direct = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(AffiliateLinkFactory(partner=amazon))}</p>"
    )
    cloaked = GuidePageFactory(
        parent=section, intro=f"<p>{affiliate_anchor(AffiliateLinkFactory())}</p>"
    )

    [script] = rendered(client, direct).select('script[src*="direct-link-ping"]')
    assert script.has_attr("defer")
    assert rendered(client, cloaked).select('script[src*="direct-link-ping"]') == []
    served = client.get(script["src"])
    assert served.status_code == 200
    assert "sendBeacon" in b"".join(served.streaming_content).decode()


def test_partner_rules_cost_no_more_queries_however_many_links(
    client, section, disclosure_page, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # measure rendering, not the full-page cache

    def guide_with(count):
        links = [
            AffiliateLinkFactory(
                partner=PartnerFactory(
                    link_style=DIRECT if number % 2 else Partner.LinkStyle.CLOAKED,
                    disclosure_sentence=f"Sentence {number}.",
                    link_marker="(paid link)",
                    tracking_template="subid={page_slug}&s={section_slug}",
                )
            )
            for number in range(count)
        ]
        return GuidePageFactory(
            parent=section,
            intro="".join(f"<p>{affiliate_anchor(link)}</p>" for link in links),
            body=[call_to_action(link) for link in links]
            + [question("Where?", *(affiliate_anchor(link) for link in links))],
        )

    one, many = guide_with(2), guide_with(12)
    client.get(one.url)  # warm per-process caches (content types)
    # Both rendered with the shared cache empty, content included: what a render costs
    # after a publish, and the only time the links are drawn.
    cache.clear()
    with CaptureQueriesContext(connection) as for_one:
        client.get(one.url)
    cache.clear()
    with CaptureQueriesContext(connection) as for_many:
        soup = rendered(client, many)

    assert len(soup.select(".affiliate-marker")) == 12 * 3
    assert len(soup.select(".disclosure__partner")) == 12
    assert len(for_many) == len(for_one)
