"""A site owner sees a reader's click in the click report and exports it."""

import csv
import io

import pytest
from playwright.sync_api import expect

from affiliates.models import AffiliateLink
from guides.models import GuidePage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LINK_NAME = "Interview coaching – first session"


def test_a_readers_click_shows_in_the_click_report_and_its_csv_export(
    browser, page, demo_site, partner_site
):
    AffiliateLink.objects.filter(slug="interview-coaching").update(
        destination_url=partner_site + "/book"
    )
    guide = GuidePage.objects.get(slug="follow-up-interview-tips")
    page.goto(demo_site + guide.url)
    page.get_by_role("link", name="Book a coaching session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner landing page")

    UserFactory(username="owner", is_staff=True, is_superuser=True)
    owner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    owner.goto(demo_site + "/admin/login/")
    owner.get_by_label("Username").fill("owner")
    owner.get_by_label("Password").fill("correct horse battery staple")
    owner.get_by_role("button", name="Sign in").click()
    expect(owner).to_have_url(demo_site + "/admin/")

    owner.goto(demo_site + "/admin/reports/affiliate-clicks/")
    expect(owner.get_by_role("heading", name="Affiliate clicks")).to_be_visible()
    row = owner.get_by_role("row").filter(has_text=LINK_NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1")

    owner.get_by_role("button", name="Actions").click()
    with owner.expect_download() as download:
        owner.get_by_role("link", name="Download CSV").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    coaching = [r for r in rows if r.get("Link") == LINK_NAME]
    assert len(coaching) == 1
    assert coaching[0]["Clicks"] == "1"
    owner.context.close()
