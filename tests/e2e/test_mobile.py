import pytest

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE_PATH = "/preparing-for-a-job-interview/follow-up-interview-tips/"


@pytest.fixture
def phone(browser_context):
    page = browser_context.new_page()
    page.set_viewport_size({"width": 375, "height": 812})
    return page


def test_the_guide_fits_a_375_pixel_phone_without_sideways_scrolling(phone, demo_site):
    phone.goto(demo_site + GUIDE_PATH)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_menu_is_reachable_by_keyboard_after_the_skip_link(phone, demo_site):
    phone.goto(demo_site + GUIDE_PATH)

    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    reached = []
    for _ in range(4):
        phone.keyboard.press("Tab")
        reached.append(
            phone.evaluate(
                "document.activeElement.closest('nav[aria-label=Sections]') ? "
                "document.activeElement.textContent.trim() : null"
            )
        )
    assert "Preparing for a Job Interview" in reached
    assert "Writing Your CV" in reached


def test_the_skip_link_moves_focus_to_the_content(phone, demo_site):
    phone.goto(demo_site + GUIDE_PATH)
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
