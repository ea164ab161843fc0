"""The comparison table: two to five products in rows editors choose, as a real table,
with buttons through managed affiliate links."""

import pytest
from django.core.exceptions import ValidationError

from affiliates.blocks import ComparisonTableBlock
from tests.factories import AffiliateLinkFactory, GuidePageFactory, signed_from
from tests.pages import soup_of

pytestmark = pytest.mark.django_db


def table(products, rows, caption="Thank-you notes compared"):
    return {
        "type": "comparison_table",
        "value": {
            "caption": caption,
            "products": [
                {"name": name, "link": link.pk if link else None, "button_label": "Get it"}
                for name, link in products
            ],
            "rows": [{"label": label, "values": values} for label, values in rows],
        },
    }


def test_a_comparison_is_a_table_with_headers_for_products_and_rows(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory(slug="cards")
    guide = GuidePageFactory(
        parent=section,
        body=[
            table(
                [("Card", link), ("Email", None)],
                [("Cost", ["£9", "Free"]), ("Arrives", ["In two days", ""])],
            )
        ],
    )

    html_table = soup_of(client, guide).select_one(".comparison table")

    assert html_table.caption.text == "Thank-you notes compared"
    assert [th.text for th in html_table.select('thead th[scope="col"]')] == ["Card", "Email"]
    assert [th.text for th in html_table.select('tbody th[scope="row"]')] == [
        "Cost",
        "Arrives",
        "Where to get it",
    ]
    first_row = html_table.select("tbody tr")[0]
    assert [(td["data-label"], td.text) for td in first_row.select("td")] == [
        ("Card", "£9"),
        ("Email", "Free"),
    ]
    assert html_table.select("tbody tr")[1].select("td")[1].text == "–"  # left empty
    buttons = html_table.select("a.button")
    assert [a["href"] for a in buttons] == [
        f"/go/cards/?from={signed_from(guide, link, 'comparison-table-1')}"
    ]


def test_a_table_without_links_has_no_button_row(client, section, disclosure_page):
    guide = GuidePageFactory(
        parent=section, body=[table([("A", None), ("B", None)], [("Cost", ["1", "2"])])]
    )

    html_table = soup_of(client, guide).select_one(".comparison table")

    assert "Where to get it" not in html_table.text


def test_the_disclosure_comes_before_a_table_that_opens_the_guide(client, section, disclosure_page):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(
        parent=section,
        intro="<p>No links.</p>",
        body=[table([("A", link), ("B", None)], [("Cost", ["1", "2"])])],
    )

    main = str(soup_of(client, guide).main)

    assert 'class="disclosure"' in main
    assert main.index('class="disclosure"') < main.index('class="button"')


@pytest.mark.parametrize("count", [1, 6])
def test_a_table_needs_two_to_five_products(count):
    block = ComparisonTableBlock()
    value = block.to_python(
        table([(f"P{n}", None) for n in range(count)], [("Cost", ["x"] * count)])["value"]
    )

    with pytest.raises(ValidationError):
        block.clean(value)


def test_a_row_with_the_wrong_number_of_entries_is_refused_naming_the_row():
    block = ComparisonTableBlock()
    value = block.to_python(
        table([("A", None), ("B", None)], [("Cost", ["1", "2"]), ("Speed", ["fast"])])["value"]
    )

    with pytest.raises(ValidationError) as refused:
        block.clean(value)

    (message,) = [error.message for error in refused.value.non_block_errors.as_data()]
    assert message == "Each row needs one entry per product (2): “Speed” does not."


def test_a_row_saved_before_a_product_was_added_still_fills_every_column(
    client, section, disclosure_page
):
    guide = GuidePageFactory(
        parent=section,
        body=[table([("A", None), ("B", None), ("C", None)], [("Cost", ["1", "2"])])],
    )

    cells = soup_of(client, guide).select(".comparison tbody tr td")

    assert [td.text for td in cells] == ["1", "2", "–"]
