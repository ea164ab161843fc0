"""An editor builds a guide in the Wagtail admin, previews and publishes it, and readers
see all of it; later the editor repoints its affiliate link and readers follow it there.

Everything the editor does goes through the admin UI in a real browser: the page
form, StreamField's block chooser, Draftail's “Affiliate link” button and the
snippet chooser modal, the preview panel and the snippet admin.
"""

import re

import pytest
from playwright.sync_api import expect

from guides.models import GuidePage, SectionPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"  # noqa: S105 - UserFactory's test password
SECTION = "Preparing for a Job Interview"
TITLE = "Questions to Ask Your Interviewer"
INTRO = "Rehearse your questions with a coaching session"
LINKED_WORDS = "a coaching session"
LINK = "Interview coaching – first session"
LINK_SLUG = "interview-coaching"
QUESTIONS = {
    "What does a typical day look like?": [
        "Ask who you would work with most.",
        "Ask how the week's work is planned.",
    ],
    "How will my success be measured?": [
        "Ask what good looks like after ninety days.",
        "Ask how often reviews happen.",
    ],
}
TIP = "Write your questions down and take them with you."
CTA_HEADING = "Rehearse with a coach"
CTA_TEXT = "A first session to practise your questions."
CTA_BUTTON = "Book a first session"
# Server round trips in the admin (preview renders, publishing, saving) on a busy machine.
ROUND_TRIP = 20_000


def log_in_to_the_admin(page, base_url):
    editor = UserFactory(username="journey-editor", is_superuser=True, is_staff=True)
    page.goto(base_url + "/admin/login/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/admin/")


def rich_text(scope):
    """The Draftail editors in ``scope``."""
    return scope.locator(".public-DraftEditor-content")


def type_into(editor, text):
    editor.click()
    expect(editor).to_be_focused()
    editor.page.keyboard.type(text)
    expect(editor).to_have_text(text)


def add_block(page, label):
    """Add a block at the end of the guide's body through the “+” block chooser."""
    body = page.locator("[data-contentpath=body]")
    blocks = body.locator("[data-streamfield-child]").filter(
        has=page.locator(".c-sf-block__type", has_text=label)
    )
    existing = blocks.count()
    body.get_by_role("button", name="Insert a block").last.click()
    page.get_by_role("option", name=label, exact=True).click()
    # The block appears a moment after the click; fields filled before then would
    # land in the previous block.
    expect(blocks).to_have_count(existing + 1)
    return blocks.nth(existing)


def choose_affiliate_link(page, search, name):
    """Search for and pick a managed link in the snippet chooser modal."""
    modal = page.get_by_role("dialog").filter(has_text="Choose affiliate link")
    modal.get_by_label("Search term").fill(search)
    expect(modal.get_by_role("link", name="CV builder – annual plan")).to_have_count(0)
    modal.get_by_role("link", name=name).click()
    expect(modal).to_be_hidden()


def build_the_guide(page):
    page.get_by_placeholder("Page title*").fill(TITLE)

    # Intro: select the last words and link them with the “Affiliate link” button.
    intro = rich_text(page.locator("[data-contentpath=intro]"))
    type_into(intro, INTRO)
    for _ in LINKED_WORDS:
        page.keyboard.press("Shift+ArrowLeft")
    page.get_by_role("button", name="Affiliate link", exact=True).click()
    choose_affiliate_link(page, "coaching", LINK)
    linked = intro.locator("[data-affiliate-link-id]")
    expect(linked).to_have_text(LINKED_WORDS)
    expect(linked).to_have_attribute("title", f"Affiliate link: {LINK}")

    for question, points in QUESTIONS.items():
        block = add_block(page, "Question section")
        block.get_by_role("textbox", name="Question").fill(question)
        answer_points = block.locator("[data-contentpath=points]")
        type_into(rich_text(answer_points).first, points[0])
        answer_points.get_by_role("button", name="Add", exact=True).last.click()
        expect(rich_text(answer_points)).to_have_count(2)
        type_into(rich_text(answer_points).nth(1), points[1])

    tip = add_block(page, "Tip")
    type_into(rich_text(tip), TIP)

    cta = add_block(page, "Affiliate call-to-action")
    cta.get_by_role("button", name="Choose affiliate link").click()
    choose_affiliate_link(page, "coaching", LINK)
    expect(cta).to_contain_text(LINK)
    cta.get_by_role("textbox", name="Heading").fill(CTA_HEADING)
    cta.get_by_role("textbox", name="Text").fill(CTA_TEXT)
    cta.get_by_role("textbox", name="Button label").fill(CTA_BUTTON)


def expect_the_whole_guide(page, timeout=None):
    """The guide as readers see it, on ``page`` or in the preview's frame."""
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE, timeout=timeout)
    expect(page.locator(".guide__intro")).to_have_text(INTRO, timeout=timeout)
    for question, points in QUESTIONS.items():
        section = page.get_by_role("region", name=question)
        expect(section.get_by_role("heading", level=2)).to_have_text(question, timeout=timeout)
        expect(section.get_by_role("listitem")).to_have_text(points, timeout=timeout)
    expect(page.get_by_role("complementary", name="Tip")).to_contain_text(TIP, timeout=timeout)
    cta_box = page.get_by_role("complementary", name=CTA_HEADING)
    expect(cta_box).to_contain_text(CTA_TEXT, timeout=timeout)
    expect(cta_box.get_by_role("link", name=CTA_BUTTON)).to_be_visible(timeout=timeout)


def test_an_editor_publishes_a_guide_readers_see_in_full_then_repoints_its_affiliate_link(
    page, reader_page, demo_site, partner_site
):
    log_in_to_the_admin(page, demo_site)

    # Pages › the section › Add child page › Guide page.
    section = SectionPage.objects.get(title=SECTION)
    page.goto(demo_site + f"/admin/pages/{section.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Exploring: {SECTION}")
    page.get_by_role("link", name="Add child page").click()
    page.get_by_role("link", name="Guide page", exact=True).click()
    build_the_guide(page)

    page.get_by_role("button", name="Toggle preview").click()
    expect_the_whole_guide(page.frame_locator("#w-preview-iframe").last, timeout=ROUND_TRIP)

    # Publish once the header says “Saved”: Wagtail autosaves every edit, and this
    # journey is about publishing, not about a publish racing an autosave.
    autosave = page.locator("#w-autosave-indicator")
    expect(autosave).to_have_attribute("data-w-autosave-state-value", "saved")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    # “created and published”, or “has been published” if autosave created it first.
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(rf"Page '{TITLE}' (created and|has been) published\."), timeout=ROUND_TRIP
    )
    guide = GuidePage.objects.get(title=TITLE)
    assert guide.live
    assert guide.get_parent().pk == section.pk

    # A reader, never logged in, gets all of it, with the link cloaked and disclosed.
    reader = reader_page
    reader.goto(demo_site + guide.url)
    expect_the_whole_guide(reader)
    # Each link names the page and where on it the link sits, signed together.
    cloaked = rf"^/go/{LINK_SLUG}/\?from={guide.pk}-[0-9a-f]{{12}}-"
    intro_link = reader.locator(".guide__intro").get_by_role("link", name=LINKED_WORDS)
    expect(intro_link).to_have_attribute("href", re.compile(cloaked + "intro$"))
    expect(intro_link).to_have_attribute("rel", re.compile(r"(^|\s)sponsored(\s|$)"))
    expect(intro_link).to_have_attribute("rel", re.compile(r"(^|\s)nofollow(\s|$)"))
    cta_link = reader.get_by_role("complementary", name=CTA_HEADING).get_by_role("link")
    expect(cta_link).to_have_attribute("href", re.compile(cloaked + r"cta-\d+$"))
    notice = reader.locator(".disclosure")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Referral fees may be earned")
    first_affiliate_link = reader.locator('a[rel~="sponsored"]').first
    expect(first_affiliate_link).to_have_text(LINKED_WORDS)
    assert notice.bounding_box()["y"] < first_affiliate_link.bounding_box()["y"]

    # The editor sends the link somewhere new: Affiliates › Affiliate links › edit.
    revisions = guide.revisions.count()
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("button", name="Affiliates").click()
    menu.get_by_role("link", name="Affiliate links").click()
    page.get_by_role("link", name=LINK).click()
    new_destination = partner_site + "/welcome?aff=cc-002"
    page.get_by_role("textbox", name="Destination url").fill(new_destination)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"'{LINK}' updated", timeout=ROUND_TRIP)

    # The reader's next visit follows the guide's link to the new destination; the
    # guide itself was not touched, let alone republished.
    reader.reload()
    reader.locator(".guide__intro").get_by_role("link", name=LINKED_WORDS).click()
    # …carrying the partner's tracking template, filled in for this guide (demo content).
    expect(reader).to_have_url(
        re.compile(
            re.escape(new_destination)
            + r"&utm_source=localhost&utm_campaign=[-\w]+&subid="
            + re.escape(guide.slug)
            # …and the click's id, which the network reports sales with (docs/earnings.md).
            + r"&clickref=[-\w]{12}$"
        )
    )
    expect(reader.get_by_role("heading", level=1)).to_have_text("Partner landing page")
    assert guide.revisions.count() == revisions
