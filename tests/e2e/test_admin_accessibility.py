"""axe-core finds no WCAG 2.1 A/AA violations in the admin screens this project adds.

Checked as whole pages, Wagtail's own admin chrome (sidebar, header, footer) included,
because axe reports nothing there today: the affiliate links listing, a link's edit
view (also with validation errors showing), the partner listing and, once it is
registered, Reports › Affiliate clicks (with some real clicks to show).

One exclusion: the affiliate-link chooser modal is checked on its own
(``.modal``). It opens over Wagtail's page editor, where axe reports
``aria-input-field-name`` on Draftail's rich-text editors inside StreamField blocks
(Wagtail renders the ``role="textbox"`` without an accessible name) and colour
contrast on editor text dimmed behind the modal's backdrop. That is Wagtail's
page-editor markup, not ours; the modal's contents, including our Reader link,
Partner and Active columns, are checked in full.
"""

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from affiliates.links.destinations import from_value
from affiliates.models import AffiliateLink, Partner
from guides.models import GuidePage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"  # noqa: S105 - UserFactory's test password
LINK_NAME = "Interview coaching – first session"


@pytest.fixture
def editor_page(page, demo_site):
    """``page``, logged in to the admin as a superuser."""
    editor = UserFactory(username="a11y-editor", is_superuser=True, is_staff=True)
    page.goto(demo_site + "/admin/login/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(demo_site + "/admin/")
    return page


def link_edit_url():
    link = AffiliateLink.objects.get(name=LINK_NAME)
    return reverse(AffiliateLink.snippet_viewset.get_url_name("edit"), args=[link.pk])


ADMIN_PAGES = {
    "affiliate links listing": lambda: reverse(AffiliateLink.snippet_viewset.get_url_name("list")),
    "affiliate link edit view": link_edit_url,
    "partner listing": lambda: reverse(Partner.snippet_viewset.get_url_name("list")),
}


@pytest.mark.parametrize("url", ADMIN_PAGES.values(), ids=ADMIN_PAGES.keys())
def test_the_affiliate_admin_has_no_accessibility_violations(editor_page, demo_site, axe, url):
    editor_page.goto(demo_site + url())
    expect(editor_page.get_by_role("main")).to_be_visible()
    assert axe(editor_page) == []


def test_the_affiliate_link_form_showing_errors_has_no_accessibility_violations(
    editor_page, demo_site, axe
):
    editor_page.goto(demo_site + link_edit_url())
    editor_page.get_by_role("textbox", name="Destination url").fill("partner.example.com/offer")
    editor_page.get_by_role("textbox", name="Name").fill("")
    editor_page.get_by_role("button", name="Save", exact=True).click()
    expect(
        editor_page.get_by_text("Enter a full web address starting with https://")
    ).to_be_visible()
    assert axe(editor_page) == []


def test_the_click_report_has_no_accessibility_violations(
    editor_page, reader_page, demo_site, partner_site, axe
):
    try:
        report_url = reverse("affiliates_click_report")
    except NoReverseMatch:
        pytest.skip("Reports › Affiliate clicks is not registered")
    # Real readers' clicks, so the report has totals, a chart and rows to show.
    AffiliateLink.objects.update(destination_url=partner_site + "/offer")
    guide = GuidePage.objects.get(slug="follow-up-interview-tips")
    for slug in ("interview-coaching", "resume-builder"):
        reader_page.goto(f"{demo_site}/go/{slug}/?from={from_value(guide.pk, slug)}")
        expect(reader_page.get_by_role("heading", level=1)).to_have_text("Partner landing page")

    editor_page.goto(demo_site + report_url)
    expect(editor_page.get_by_role("main")).to_contain_text(LINK_NAME)
    assert axe(editor_page) == []


def test_the_affiliate_link_chooser_has_no_accessibility_violations(editor_page, demo_site, axe):
    guide = GuidePage.objects.get(slug="follow-up-interview-tips")
    editor_page.goto(demo_site + reverse("wagtailadmin_pages:edit", args=[guide.pk]))
    intro = editor_page.locator("[data-contentpath=intro] .public-DraftEditor-content")
    intro.click()
    editor_page.keyboard.press("End")
    editor_page.keyboard.press("Shift+Home")
    editor_page.get_by_role("button", name="Affiliate link", exact=True).click()
    modal = editor_page.get_by_role("dialog").filter(has_text="Choose affiliate link")
    expect(modal.get_by_role("columnheader", name="Reader link")).to_be_visible()
    expect(modal.get_by_role("link", name=LINK_NAME)).to_be_visible()
    assert axe(editor_page, context={"include": [".modal"]}) == []
