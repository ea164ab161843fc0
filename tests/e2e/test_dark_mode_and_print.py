"""Readers whose system asks for dark mode get a dark page that is still accessible;
a printed guide is the advice without the site's navigation."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = "/preparing-for-a-job-interview/follow-up-interview-tips/"


def background_of(page, selector="body"):
    return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")


@pytest.mark.parametrize("path", ["/", GUIDE, "/authors/amara-okafor/"])
def test_dark_mode_is_dark_and_has_no_accessibility_violations(browser, demo_site, axe, path):
    context = browser.new_context(color_scheme="dark", viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.goto(demo_site + path)

    assert background_of(page) == "rgb(18, 22, 27)"
    assert axe(page) == []
    context.close()


def test_light_mode_stays_light(page, demo_site):
    page.emulate_media(color_scheme="light")
    page.goto(demo_site + GUIDE)

    assert background_of(page) == "rgb(255, 255, 255)"


def test_a_printed_guide_leaves_out_the_navigation_but_keeps_the_advice(page, demo_site):
    page.goto(demo_site + GUIDE)
    page.emulate_media(media="print")

    for hidden in (".site-header", ".site-footer", ".breadcrumb", ".related", ".toc"):
        assert not page.locator(hidden).first.is_visible(), hidden
    for shown in ("h1", ".guide__byline", ".disclosure", ".question", ".product"):
        assert page.locator(shown).first.is_visible(), shown
    assert page.pdf()[:4] == b"%PDF"
