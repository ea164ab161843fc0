"""Tracking IDs per page or section, for programmes that report earnings by tracking ID
(Amazon Associates' tag): links carry the ID of the page's nearest section that has
one, and the network's earnings report is credited back to that page."""

import datetime
import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse

from affiliates.models import Conversion, Partner, TrackingId
from tests.affiliates.earnings.reports import SAMPLES
from tests.affiliates.reader_clicks import follow
from tests.affiliates.reports.test_earnings_report import table_rows
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    PartnerFactory,
    SectionPageFactory,
    affiliate_anchor,
    browser_headers,
    signed_from,
)
from tests.pages import soup_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def amazon(db):
    return PartnerFactory(
        name="Amazon", link_style=Partner.LinkStyle.DIRECT, tracking_template="tag={tracking_id}"
    )


def tag_of(url):
    return dict(parse_qsl(urlsplit(url).query))["tag"]


def direct_link_on(client, guide):
    return soup_of(client, guide).select_one(".guide__intro a")["href"]


def test_a_guide_carries_its_sections_tracking_id_and_the_nearest_one_wins(
    client, home, section, disclosure_page, amazon
):
    link = AffiliateLinkFactory(
        partner=amazon, destination_url="https://amazon.example/dp/1?tag=cc-20"
    )
    intro = f"<p>{affiliate_anchor(link)}</p>"
    in_section = GuidePageFactory(parent=section, intro=intro)
    own = GuidePageFactory(parent=section, intro=intro)
    elsewhere = GuidePageFactory(parent=SectionPageFactory(parent=home), intro=intro)
    TrackingId.objects.create(partner=amazon, value="cc-interview-21", page=section)
    TrackingId.objects.create(partner=amazon, value="cc-own-21", page=own)

    assert tag_of(direct_link_on(client, in_section)) == "cc-interview-21"
    assert tag_of(direct_link_on(client, own)) == "cc-own-21"
    # No ID above it and no default: the address keeps its own tag, never an empty one.
    assert tag_of(direct_link_on(client, elsewhere)) == "cc-20"


def test_the_partners_default_covers_pages_without_an_id_of_their_own(
    client, home, section, disclosure_page, amazon
):
    link = AffiliateLinkFactory(
        partner=amazon, destination_url="https://amazon.example/dp/1?tag=cc-20"
    )
    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")
    TrackingId.objects.create(partner=amazon, value="cc-default-21")

    assert tag_of(direct_link_on(client, guide)) == "cc-default-21"


def test_a_cloaked_link_fills_the_tracking_id_on_the_redirect(client, section):
    partner = PartnerFactory(tracking_template="tag={tracking_id}")
    link = AffiliateLinkFactory(partner=partner, destination_url="https://shop.example/x")
    guide = GuidePageFactory(parent=section)
    TrackingId.objects.create(partner=partner, value="cc-interview-21", page=section)

    response = client.get(
        f"/go/{link.slug}/?from={signed_from(guide, link, 'intro')}", **browser_headers()
    )

    assert response.status_code == 302
    assert tag_of(response["Location"]) == "cc-interview-21"


def test_earnings_reported_by_tracking_id_are_credited_to_its_page(
    admin_client, section, amazon, tmp_path
):
    TrackingId.objects.create(partner=amazon, value="careercompass-21", page=section)
    path = tmp_path / "amazon.csv"
    path.write_text(SAMPLES["amazon"])
    out = io.StringIO()

    call_command("import_conversions", str(path), "--format", "amazon", stdout=out)

    assert out.getvalue().strip().splitlines()[-1] == (
        "matched 2, unmatched 0, updated 0, unchanged 0"
    )
    assert set(Conversion.objects.values_list("page_key", "link")) == {(section.pk, None)}
    url = reverse("affiliates_earnings_report")
    period = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}
    by_page = {
        row[0]: row[1:] for row in table_rows(admin_client.get(url, {"group_by": "page", **period}))
    }
    assert by_page["Preparing for a Job Interview"][1:4] == ["2", "", "USD 0.72"]
    by_link = {row[0] for row in table_rows(admin_client.get(url, period))}
    assert by_link == {"Sales by tracking ID (no link known)"}


def test_a_partner_has_one_default_tracking_id(admin_client, amazon):
    TrackingId.objects.create(partner=amazon, value="cc-default-21")
    url = reverse("wagtailsnippets_affiliates_trackingid:add")

    response = admin_client.post(url, {"partner": amazon.pk, "value": "cc-other-21", "page": ""})

    assert response.status_code == 200
    assert "already has a default tracking ID" in response.content.decode()
    assert TrackingId.objects.count() == 1


def test_editors_find_tracking_ids_under_affiliates(admin_client, section, amazon):
    TrackingId.objects.create(partner=amazon, value="cc-interview-21", page=section)

    response = admin_client.get(reverse("wagtailsnippets_affiliates_trackingid:list"))

    cells = [
        td.get_text(" ", strip=True)
        for td in BeautifulSoup(response.content, "html.parser").select("td")
    ]
    assert "cc-interview-21" in cells and "Preparing for a Job Interview" in cells


def test_sales_known_by_tracking_id_leave_the_conversion_rate_to_clicked_sales(
    admin_client, client, section, amazon, tmp_path
):
    TrackingId.objects.create(partner=amazon, value="careercompass-21", page=section)
    follow(client, AffiliateLinkFactory(), page=section, at=datetime.datetime(2026, 11, 2, 12))
    path = tmp_path / "amazon.csv"
    path.write_text(SAMPLES["amazon"])
    call_command("import_conversions", str(path), "--format", "amazon", stdout=io.StringIO())
    url = reverse("affiliates_earnings_report")
    period = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}

    response = admin_client.get(url, {"group_by": "page", **period})

    # One click, and two sales Amazon knows only by the section's tracking ID: none of
    # them is known to have come from that click.
    by_page = {row[0]: row[1:] for row in table_rows(response)}
    assert by_page["Preparing for a Job Interview"][:3] == ["1", "2", "0.00 %"]
    summary = BeautifulSoup(response.content, "html.parser").select(".click-report__summary dd")
    assert [dd.get_text(strip=True) for dd in summary][:3] == ["1", "2", "0.00 %"]
