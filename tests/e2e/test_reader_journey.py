"""A reader finds a guide, reads the disclosure, and follows an affiliate link."""

import re

import pytest
from playwright.sync_api import expect

from affiliates.models import AffiliateLink, Click
from guides.models import GuidePage

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = "Follow Up Interview Tips"


def test_a_reader_browses_from_home_to_a_guide_and_back_up_the_breadcrumb(page, demo_site):
    page.goto(demo_site + "/")
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Preparing for a Job Interview"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preparing for a Job Interview")

    page.get_by_role("link", name=GUIDE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GUIDE)
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb).to_contain_text("You Are Here")
    expect(breadcrumb.get_by_role("listitem")).to_have_text(
        ["Home", "Preparing for a Job Interview", GUIDE]
    )

    breadcrumb.get_by_role("link", name="Preparing for a Job Interview").click()
    expect(page).to_have_url(demo_site + "/preparing-for-a-job-interview/")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Home").click()
    expect(page).to_have_url(demo_site + "/")


def test_a_reader_searches_and_finds_a_guide(page, demo_site):
    page.goto(demo_site + "/")
    page.get_by_label("Search the guides").fill("ninety days")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("for “ninety days”")
    page.get_by_role("link", name=GUIDE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GUIDE)


def test_the_disclosure_is_visible_above_the_first_affiliate_link(page, demo_site):
    page.goto(demo_site + "/preparing-for-a-job-interview/follow-up-interview-tips/")
    notice = page.locator(".disclosure")
    first_link = page.locator('a[rel~="sponsored"]').first
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Referral fees may be earned")
    assert notice.bounding_box()["y"] < first_link.bounding_box()["y"]
    notice.get_by_role("link", name="my disclosure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosure")


def test_following_an_affiliate_link_lands_on_the_partner_and_counts_one_click(
    page, demo_site, partner_site
):
    AffiliateLink.objects.filter(slug="interview-coaching").update(
        destination_url=partner_site + "/book?aff=cc-001"
    )
    guide = GuidePage.objects.get(slug="follow-up-interview-tips")
    page.goto(demo_site + guide.url)

    page.get_by_role("link", name="Book a coaching session").click()

    expect(page).to_have_url(re.compile(re.escape(partner_site) + r"/book\?aff=cc-001"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner landing page")
    click = Click.objects.get()
    assert click.link.slug == "interview-coaching"
    assert click.page_id == guide.pk
    assert not click.is_bot
