"""The admin home shows the week's top links and pages, against the week before."""

from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from affiliates.reports.queries import change_label
from tests.affiliates.reader_clicks import days_ago, follow
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def clicks(client, link, count, *, age, page=None, bot=False):
    for n in range(count):
        follow(client, link, page=page, ip=f"198.51.100.{n}", at=days_ago(age), bot=bot)


def panel_tables(response):
    soup = BeautifulSoup(response.content, "html.parser")
    panel = soup.select_one("#affiliate-clicks-section")
    return {
        table.caption.get_text(strip=True): [
            [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
            for row in table.select("tbody tr")
        ]
        for table in panel.select("table")
    }


def test_top_links_and_pages_show_the_change_against_the_week_before(admin_client, client, home):
    growing = AffiliateLinkFactory(name="Growing")
    shrinking = AffiliateLinkFactory(name="Shrinking")
    fresh = AffiliateLinkFactory(name="Fresh")
    steady = AffiliateLinkFactory(name="Steady")
    guide = GuidePageFactory(parent=home, title="Interview tips")
    clicks(client, growing, 5, age=0, page=guide)
    clicks(client, growing, 2, age=6, page=guide)  # first day of this week
    clicks(client, growing, 3, age=7, page=guide)  # last day of the week before
    clicks(client, shrinking, 1, age=3)
    clicks(client, shrinking, 4, age=13)
    clicks(client, shrinking, 9, age=14)  # too old to count
    clicks(client, fresh, 2, age=1)
    clicks(client, steady, 3, age=2)
    clicks(client, steady, 3, age=9)
    clicks(client, steady, 5, age=0, bot=True)  # bots are left out

    tables = panel_tables(admin_client.get(reverse("wagtailadmin_home")))

    assert tables["Top links"] == [
        ["Growing", "7", "+4"],
        ["Steady", "3", "±0"],
        ["Fresh", "2", "new"],
        ["Shrinking", "1", "\N{MINUS SIGN}3"],
    ]
    assert tables["Top pages"] == [
        ["Interview tips", "7", "+4"],
        ["No page (direct visits and unknown pages)", "6", "\N{MINUS SIGN}1"],
    ]


def test_at_most_five_of_each_are_listed_busiest_first(admin_client, client):
    for n in range(7):
        clicks(client, AffiliateLinkFactory(name=f"Link {n}"), n + 1, age=0)

    rows = panel_tables(admin_client.get(reverse("wagtailadmin_home")))["Top links"]

    assert [row[0] for row in rows] == ["Link 6", "Link 5", "Link 4", "Link 3", "Link 2"]


def test_a_quiet_week_says_so(admin_client, client):
    clicks(client, AffiliateLinkFactory(), 2, age=10)

    tables = panel_tables(admin_client.get(reverse("wagtailadmin_home")))

    assert tables["Top links"] == [["No clicks in the last 7 days."]]
    assert tables["Top pages"] == [["No clicks in the last 7 days."]]


def test_the_panel_links_to_the_weeks_report(admin_client):
    soup = BeautifulSoup(admin_client.get(reverse("wagtailadmin_home")).content, "html.parser")

    link = soup.select_one("#affiliate-clicks-section a[href^='/admin/reports/']")
    assert link["href"] == reverse("affiliates_click_report") + "?period=7"


@pytest.mark.parametrize(
    ("current", "previous", "label"),
    [(12, 0, "new"), (15, 3, "+12"), (2, 5, "\N{MINUS SIGN}3"), (4, 4, "±0"), (1234, 1, "+1,233")],
)
def test_changes_read_as_signed_numbers(current, previous, label):
    assert change_label(current, previous) == label
