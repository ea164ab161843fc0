"""A site owner uploads a network's report and sees what the model guide earned, and
from which spot on it."""

import pytest
from playwright.sync_api import expect

from affiliates.days import site_today
from affiliates.links import placements
from affiliates.models import AffiliateLink, Click
from guides.models import GuidePage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_uploaded_report_shows_the_model_guides_earnings(
    browser, page, demo_site, partner_site, tmp_path
):
    AffiliateLink.objects.filter(slug="interview-coaching").update(
        destination_url=partner_site + "/book"
    )
    guide = GuidePage.objects.get(slug="follow-up-interview-tips")
    page.goto(demo_site + guide.url)
    page.get_by_role("link", name="Book a coaching session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner landing page")
    # The demo's CoachPoint passes the click id on, as its network reports it back.
    click = Click.objects.get()
    click_id = click.click_id
    assert f"clickref={click_id}" in page.url
    # The button is the guide's call-to-action block.
    assert click.placement.startswith("cta-")
    report = tmp_path / "coachpoint-november.csv"
    report.write_text(
        "transaction_id,click_id,date,status,sale_amount,commission,currency\n"
        f"CP-1,{click_id},{site_today():%Y-%m-%d},approved,120.00,18.00,GBP\n"
    )

    UserFactory(username="owner", is_staff=True, is_superuser=True)
    owner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    owner.goto(demo_site + "/admin/login/")
    owner.get_by_label("Username").fill("owner")
    owner.get_by_label("Password").fill("correct horse battery staple")
    owner.get_by_role("button", name="Sign in").click()
    expect(owner).to_have_url(demo_site + "/admin/")

    owner.goto(demo_site + "/admin/snippets/affiliates/conversion/")
    owner.get_by_role("link", name="Upload a report").click()
    owner.get_by_label("Report (CSV)").set_input_files(str(report))
    owner.get_by_role("button", name="Preview").click()
    expect(owner.get_by_text("1 new, tied to their click")).to_be_visible()
    owner.get_by_role("button", name="Record these sales").click()

    owner.goto(demo_site + "/admin/reports/earnings/?period=7&group_by=page")
    row = owner.get_by_role("row").filter(has_text="Follow Up Interview Tips")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("GBP 18.00")

    owner.get_by_label("Earnings per").select_option(label="Placement on a page")
    owner.get_by_role("button", name="Show report").click()
    row = owner.get_by_role("row").filter(has_text="Follow Up Interview Tips")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(placements.describe(click.placement))
    expect(row).to_contain_text("GBP 18.00")
    owner.context.close()
