"""Screenshots of the pages readers see most, on a phone and a desktop, for people
reviewing a change to look at (under test-artifacts/screenshots/)."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", PROJECT / "test-artifacts" / "screenshots"))
PAGES = {
    "home": "/",
    "section": "/preparing-for-a-job-interview/",
    "guide": "/preparing-for-a-job-interview/follow-up-interview-tips/",
    "author": "/authors/amara-okafor/",
}


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", PAGES)
def test_each_page_type_is_photographed_at_phone_and_desktop_widths(page, demo_site, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(demo_site + PAGES[name])
    assert response.status == 200
    # Nothing wider than the screen: readers never scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # Every picture arrives, none broken: lazy ones are asked for at once here, as
    # scrolling past them would.
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    # Polled from here: waiting inside the page would need eval, which the site's CSP forbids.
    for _ in range(100):
        if page.evaluate("Array.from(document.images).every(image => image.complete)"):
            break
        page.wait_for_timeout(100)
    broken = page.evaluate(
        "Array.from(document.images).filter(image => !image.naturalWidth).map(image => image.src)"
    )
    assert broken == []
    assert page.locator("main picture img").count() >= 1

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=path, full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
