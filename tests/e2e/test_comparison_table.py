"""The model guide's comparison table fits a phone without sideways scrolling, one card
per row, and is a table on wider screens."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = "/preparing-for-a-job-interview/follow-up-interview-tips/"


def test_on_a_phone_the_table_turns_into_cards_that_fit_the_screen(page, demo_site):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(demo_site + GUIDE)

    table = page.locator(".comparison table")
    assert table.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.eval_on_selector(".comparison tbody tr", "el => getComputedStyle(el).display") == (
        "block"
    )
    first_cell = page.locator(".comparison tbody td").first
    label = first_cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert label == '"Printed card: "'


def test_on_a_desktop_it_is_a_table(page, demo_site):
    page.goto(demo_site + GUIDE)

    assert page.eval_on_selector(".comparison table", "el => getComputedStyle(el).display") == (
        "table"
    )
    assert page.locator(".comparison thead th").all_inner_texts() == [
        "Printed card",
        "Email",
        "Handwritten note",
    ]
