"""Reports › Affiliate clicks: per link, partner or page, for a date range, bots in or out."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from affiliates.days import site_today
from tests.affiliates.reader_clicks import follow
from tests.factories import AffiliateLinkFactory, GuidePageFactory, PartnerFactory

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("affiliates_click_report")


@pytest.fixture
def clicks(client, home):
    """Two partners' links clicked from two guides today: readers, a returning reader
    and a crawler. Returns the objects by name."""
    acme, globex = PartnerFactory(name="Acme"), PartnerFactory(name="Globex")
    coaching = AffiliateLinkFactory(name="Coaching", partner=acme)
    cv = AffiliateLinkFactory(name="CV builder", partner=globex)
    cards = AffiliateLinkFactory(name="Cards", partner=None)
    interviews = GuidePageFactory(parent=home, title="Interview tips")
    cvs = GuidePageFactory(parent=home, title="Writing a CV")
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.2"):
        follow(client, coaching, page=interviews, ip=ip)
    follow(client, coaching, page=cvs, ip="198.51.100.3")
    follow(client, cv, page=cvs, ip="198.51.100.1")
    follow(client, cv, page=cvs, bot=True)
    follow(client, cards)
    return locals()


def table_rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
        for row in soup.select("#listing-results table.listing:not(.click-chart__table) tbody tr")
    ]


def test_the_report_shows_clicks_and_unique_visitors_per_link_without_bots(admin_client, clicks):
    response = admin_client.get(REPORT_URL)

    assert response.status_code == 200
    assert table_rows(response) == [
        ["Coaching", "Acme", "4", "3", "0"],
        ["Cards", "", "1", "1", "0"],
        ["CV builder", "Globex", "1", "1", "1"],
    ]


def test_bots_can_be_counted_in(admin_client, clicks):
    response = admin_client.get(REPORT_URL, {"include_bots": "on"})

    assert table_rows(response)[1] == ["CV builder", "Globex", "2", "2", "1"]


def test_clicks_can_be_added_up_per_partner(admin_client, clicks):
    response = admin_client.get(REPORT_URL, {"group_by": "partner"})

    assert table_rows(response) == [
        ["Acme", "4", "3", "0"],
        ["Globex", "1", "1", "1"],
        ["No partner", "1", "1", "0"],
    ]


def test_clicks_can_be_added_up_per_page(admin_client, clicks):
    response = admin_client.get(REPORT_URL, {"group_by": "page", "ordering": "name"})

    assert table_rows(response) == [
        ["Interview tips", "3", "2", "0"],
        ["No page (direct visits and unknown pages)", "1", "1", "0"],
        ["Writing a CV", "2", "2", "1"],
    ]


def name_links(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {a.get_text(strip=True): a["href"] for a in soup.select("#listing-results td.title a")}


def test_names_link_to_the_link_partner_or_page_in_the_admin(admin_client, clicks):
    assert name_links(admin_client.get(REPORT_URL))["Coaching"] == reverse(
        "wagtailsnippets_affiliates_affiliatelink:inspect", args=[clicks["coaching"].pk]
    )
    assert name_links(admin_client.get(REPORT_URL, {"group_by": "partner"}))["Acme"] == reverse(
        "wagtailsnippets_affiliates_partner:edit", args=[clicks["acme"].pk]
    )
    assert name_links(admin_client.get(REPORT_URL, {"group_by": "page"}))[
        "Interview tips"
    ] == reverse("wagtailadmin_pages:edit", args=[clicks["interviews"].pk])


@pytest.mark.parametrize(
    ("ordering", "names"),
    [
        ("-clicks", ["Coaching", "Cards", "CV builder"]),
        ("clicks", ["Cards", "CV builder", "Coaching"]),
        ("name", ["Cards", "Coaching", "CV builder"]),
        ("-name", ["CV builder", "Coaching", "Cards"]),
        ("-bot_clicks", ["CV builder", "Coaching", "Cards"]),
        ("partner", ["Cards", "Coaching", "CV builder"]),
    ],
)
def test_every_column_sorts(admin_client, clicks, ordering, names):
    response = admin_client.get(REPORT_URL, {"ordering": ordering})

    assert [row[0] for row in table_rows(response)] == names


def test_sorting_keeps_the_other_choices(admin_client, clicks):
    soup = BeautifulSoup(
        admin_client.get(REPORT_URL, {"group_by": "page", "include_bots": "on"}).content,
        "html.parser",
    )
    header = soup.select_one("#listing-results thead a[href*='ordering=name']")
    assert "group_by=page" in header["href"]
    assert "include_bots=on" in header["href"]


def test_the_totals_add_up_the_rows(admin_client, clicks):
    soup = BeautifulSoup(admin_client.get(REPORT_URL).content, "html.parser")
    totals = {
        item.dt.get_text(strip=True): item.dd.get_text(strip=True)
        for item in soup.select(".click-report__summary div")
    }

    assert totals == {"Clicks": "6", "Unique visitors": "5", "Bot clicks": "1"}


def test_preset_periods_end_today_and_include_the_first_day(admin_client, client):
    link = AffiliateLinkFactory(name="Coaching")
    today = site_today()
    noon = datetime.time(12, tzinfo=ZoneInfo("Europe/London"))
    follow(client, link, at=datetime.datetime.combine(today - datetime.timedelta(days=6), noon))
    follow(client, link, at=datetime.datetime.combine(today - datetime.timedelta(days=7), noon))

    assert table_rows(admin_client.get(REPORT_URL, {"period": "7"}))[0][2] == "1"
    assert table_rows(admin_client.get(REPORT_URL, {"period": "30"}))[0][2] == "2"


@override_settings(TIME_ZONE="America/New_York")
@pytest.mark.parametrize("rebuilt", [False, True], ids=["kept on insert", "after rebuild"])
def test_date_ranges_are_whole_days_in_the_sites_time_zone(admin_client, client, rebuilt):
    new_york = ZoneInfo("America/New_York")
    link = AffiliateLinkFactory(name="Coaching", partner=None)
    # 23:30 on 10 March in New York is already 11 March in UTC; 00:30 on 11 March is 05:30.
    follow(client, link, at=datetime.datetime(2026, 3, 10, 23, 30, tzinfo=new_york))
    follow(client, link, at=datetime.datetime(2026, 3, 11, 0, 30, tzinfo=new_york))
    follow(client, link, at=datetime.datetime(2026, 3, 9, 0, 0, tzinfo=new_york))
    if rebuilt:
        call_command("rebuild_click_rollup", stdout=io.StringIO())

    with freeze_time("2026-03-20 12:00"):
        response = admin_client.get(
            REPORT_URL, {"period": "custom", "date_from": "2026-03-09", "date_to": "2026-03-10"}
        )
        one_day = admin_client.get(
            REPORT_URL, {"period": "custom", "date_from": "2026-03-11", "date_to": "2026-03-11"}
        )

    # One reader, but visitor keys are per day: a unique visitor on each of two days.
    assert table_rows(response) == [["Coaching", "", "2", "2", "0"]]
    assert table_rows(one_day) == [["Coaching", "", "1", "1", "0"]]


def test_custom_dates_need_a_first_day_not_after_the_last(admin_client, clicks):
    response = admin_client.get(
        REPORT_URL, {"period": "custom", "date_from": "2026-03-10", "date_to": "2026-03-01"}
    )

    assert response.status_code == 200
    assert "The last day cannot be before the first." in response.content.decode()
    assert table_rows(response) == []

    response = admin_client.get(REPORT_URL, {"period": "custom"})
    assert "Choose the first day for custom dates." in response.content.decode()


def test_custom_dates_leave_out_the_period_presets(admin_client, clicks):
    today = site_today().isoformat()

    response = admin_client.get(
        REPORT_URL, {"period": "custom", "date_from": "2020-01-01", "date_to": "2020-01-31"}
    )
    assert table_rows(response) == []
    response = admin_client.get(REPORT_URL, {"period": "custom", "date_from": today})
    assert len(table_rows(response)) == 3


def test_the_csv_export_holds_the_rows_shown(admin_client, clicks):
    query = {"group_by": "link", "include_bots": "on", "ordering": "name"}
    shown = table_rows(admin_client.get(REPORT_URL, query))

    response = admin_client.get(REPORT_URL, {**query, "export": "csv"})

    assert response["Content-Type"] == "text/csv"
    assert "affiliate-clicks-per-link-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Link", "Partner", "Clicks (bots included)", "Unique visitors", "Bot clicks"]
    assert rows[1:] == shown


def test_the_xlsx_export_holds_the_rows_shown(admin_client, clicks):
    query = {"group_by": "page"}
    shown = table_rows(admin_client.get(REPORT_URL, query))

    response = admin_client.get(REPORT_URL, {**query, "export": "xlsx"})

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Page", "Clicks", "Unique visitors", "Bot clicks")
    assert [list(map(str, row)) for row in rows[1:]] == shown
    assert all(isinstance(value, int) for row in rows[1:] for value in row[1:])


def test_the_export_buttons_carry_the_current_choices(admin_client, clicks):
    soup = BeautifulSoup(
        admin_client.get(REPORT_URL, {"group_by": "partner", "period": "7"}).content,
        "html.parser",
    )
    [csv_button] = [a for a in soup.find_all("a") if "export=csv" in a.get("href", "")]

    assert "group_by=partner" in csv_button["href"]
    assert "period=7" in csv_button["href"]


def test_the_report_reads_a_fixed_number_of_queries(
    admin_client, clicks, django_assert_max_num_queries
):
    for link in ("coaching", "cv", "cards"):
        follow(admin_client, clicks[link], page=clicks["cvs"], ip="192.0.2.9")

    with django_assert_max_num_queries(14):
        admin_client.get(REPORT_URL, {"group_by": "page"})
