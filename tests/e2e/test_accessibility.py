"""axe-core finds no WCAG 2.1 A/AA violations on the pages readers visit."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = {
    "home": "/",
    "section": "/preparing-for-a-job-interview/",
    "guide": "/preparing-for-a-job-interview/follow-up-interview-tips/",
    "search results": "/search/?q=interview",
    "search with no results": "/search/?q=zebra",
    "disclosure": "/disclosure/",
    "author": "/authors/amara-okafor/",
    "not found": "/no-such-page/",
}


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_pages_have_no_accessibility_violations(page, demo_site, axe, path):
    page.goto(demo_site + path)
    assert axe(page) == []


@pytest.mark.parametrize("width", [375, 1280])
def test_the_guide_has_no_accessibility_violations_on_phones_and_desktops(
    page, demo_site, axe, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(demo_site + PUBLIC_PAGES["guide"])
    assert axe(page) == []
