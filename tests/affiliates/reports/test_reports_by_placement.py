"""Clicks and earnings per placement: which spot on which page sends readers, and
which one makes money."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from affiliates.days import site_today
from affiliates.models import Click, Conversion
from tests.affiliates.earnings.reports import generic
from tests.affiliates.reader_clicks import days_ago, follow
from tests.affiliates.reports.test_earnings_report import table_rows
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db

EARNINGS_URL = reverse("affiliates_earnings_report")
CLICKS_URL = reverse("affiliates_click_report")


@pytest.fixture
def placed_sales(client, home, tmp_path):
    """Three clicks from the model guide's product box and one from its intro; a sale
    from each spot."""
    link = AffiliateLinkFactory(name="Thank-you cards")
    guide = GuidePageFactory(parent=home, title="Follow Up Interview Tips")
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        follow(client, link, page=guide, placement="product-box-2", ip=ip, at=days_ago(2))
    follow(client, link, page=guide, placement="intro", ip="198.51.100.4", at=days_ago(2))
    box_click = Click.objects.filter(placement="product-box-2").values_list("click_id", flat=True)[
        0
    ]
    intro_click = Click.objects.get(placement="intro").click_id
    day = site_today().isoformat()
    path = tmp_path / "report.csv"
    path.write_bytes(
        generic(
            ("T-1", box_click, day, "approved", "45.00", "4.50", "GBP"),
            ("T-2", intro_click, day, "pending", "20.00", "2.00", "GBP"),
        )
    )
    call_command("import_conversions", str(path), stdout=io.StringIO())
    return guide


def test_a_sale_remembers_the_spot_its_click_came_from(placed_sales):
    placements = dict(Conversion.objects.values_list("transaction_id", "placement"))

    assert placements == {"T-1": "product-box-2", "T-2": "intro"}


def test_earnings_per_placement_name_the_page_and_the_spot(admin_client, placed_sales):
    response = admin_client.get(EARNINGS_URL, {"period": "30", "group_by": "placement"})

    assert response.status_code == 200
    rows = {tuple(row[:2]): row[2:] for row in table_rows(response)}
    assert rows == {
        ("Follow Up Interview Tips", "Product box, block 2"): [
            "3",
            "1",
            "33.33 %",
            "GBP 4.50",
            "GBP 1.5000",
        ],
        ("Follow Up Interview Tips", "Introduction"): [
            "1",
            "1",
            "100.00 %",
            "GBP 2.00",
            "GBP 2.0000",
        ],
    }


def test_the_placement_export_has_page_and_placement_columns(admin_client, placed_sales):
    query = {"period": "30", "group_by": "placement", "export": "csv"}
    response = admin_client.get(EARNINGS_URL, query)

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Page", "Placement", "Clicks"]
    assert sorted(row[1] for row in rows[1:]) == ["Introduction", "Product box, block 2"]


def test_clicks_per_placement_leave_out_unique_visitors(admin_client, placed_sales):
    response = admin_client.get(CLICKS_URL, {"period": "30", "group_by": "placement"})

    assert response.status_code == 200
    rows = {tuple(row[:2]): row[2:] for row in table_rows(response)}
    assert rows == {
        ("Follow Up Interview Tips", "Product box, block 2"): ["3", "0"],
        ("Follow Up Interview Tips", "Introduction"): ["1", "0"],
    }
    assert "Unique visitors" not in response.content.decode()
