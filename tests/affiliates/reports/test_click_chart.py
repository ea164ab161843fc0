"""Clicks per day as an SVG chart, with a text alternative: on the report and a link's page."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from affiliates.days import site_today
from affiliates.reports.charts import DailyChart, scale
from tests.affiliates.reader_clicks import follow
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("affiliates_click_report")
LONDON = ZoneInfo("Europe/London")


def chart(response):
    soup = BeautifulSoup(response.content, "html.parser")
    [figure] = soup.select("figure.click-chart")
    return figure


def assert_accessible(figure):
    """The picture is named and described; the same numbers are in a table."""
    svg = figure.find("svg")
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    assert svg.find("title")["id"] == title_id
    assert svg.find("desc")["id"] == desc_id
    assert svg.find("title").get_text(strip=True)
    assert svg.find("desc").get_text(strip=True)
    texts = [text.get_text(strip=True) for text in svg.find_all("text")]
    assert "Day" in texts
    assert "Clicks" in texts
    table = figure.select_one("details table")
    assert table.find("caption").get_text(strip=True)
    return {
        row.th.time["datetime"]: row.td.get_text(strip=True) for row in table.select("tbody tr")
    }


def test_the_chart_renders_for_a_range_without_clicks(admin_client):
    response = admin_client.get(
        REPORT_URL, {"period": "custom", "date_from": "2026-01-01", "date_to": "2026-01-07"}
    )

    figure = chart(response)
    days = assert_accessible(figure)
    assert days == {f"2026-01-0{day}": "0" for day in range(1, 8)}
    assert figure.find("desc").get_text(strip=True) == "No clicks in 7 days."
    assert "No clicks in this period" in figure.find("svg").get_text()
    assert not figure.select("svg rect")


def test_the_chart_renders_for_a_one_day_range(admin_client, client):
    link = AffiliateLinkFactory()
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        follow(client, link, ip=ip, at=datetime.datetime(2026, 2, 3, 10, tzinfo=LONDON))

    response = admin_client.get(
        REPORT_URL, {"period": "custom", "date_from": "2026-02-03", "date_to": "2026-02-03"}
    )

    figure = chart(response)
    assert assert_accessible(figure) == {"2026-02-03": "3"}
    assert figure.find("desc").get_text(strip=True) == (
        "3 clicks in 1 day; most on 3 February 2026, with 3."
    )
    [bar] = figure.select("svg rect")
    assert bar.title.get_text() == "3 Feb 2026: 3"
    assert [text.get_text() for text in figure.select(".click-chart__dates text")] == ["3 Feb"]


def test_the_table_lists_each_days_clicks_and_the_bars_match(admin_client, client):
    link = AffiliateLinkFactory()
    today = site_today()
    for age, clicks in ((0, 2), (2, 5)):
        for n in range(clicks):
            when = datetime.datetime.combine(
                today - datetime.timedelta(days=age), datetime.time(12), LONDON
            )
            follow(client, link, ip=f"198.51.100.{n}", at=when)
    follow(client, link, bot=True)

    figure = chart(admin_client.get(REPORT_URL, {"period": "7"}))

    days = assert_accessible(figure)
    assert len(days) == 7
    assert days[today.isoformat()] == "2"
    assert days[(today - datetime.timedelta(days=2)).isoformat()] == "5"
    assert figure.select_one("details tfoot td").get_text(strip=True) == "7"
    heights = sorted(float(rect["height"]) for rect in figure.select("svg rect"))
    assert heights[1] == pytest.approx(heights[0] * 5 / 2, abs=0.01)


def test_including_bots_counts_them_in_the_chart(admin_client, client):
    follow(client, AffiliateLinkFactory(), bot=True)

    assert set(assert_accessible(chart(admin_client.get(REPORT_URL))).values()) == {"0"}
    with_bots = chart(admin_client.get(REPORT_URL, {"include_bots": "on"}))
    assert assert_accessible(with_bots)[site_today().isoformat()] == "1"


def test_a_links_inspect_view_shows_its_last_30_days(admin_client, client, home):
    link = AffiliateLinkFactory(name="Coaching")
    other = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=home, title="Interview tips")
    follow(client, link, page=guide, ip="198.51.100.1")
    follow(client, link, page=guide, ip="198.51.100.1")
    follow(client, link, page=guide, ip="198.51.100.2")
    follow(client, link, ip="198.51.100.3")
    follow(client, link, bot=True)
    follow(client, other, page=guide)
    follow(
        client,
        link,
        at=datetime.datetime.combine(
            site_today() - datetime.timedelta(days=30), datetime.time(12), LONDON
        ),
    )

    response = admin_client.get(
        reverse("wagtailsnippets_affiliates_affiliatelink:inspect", args=[link.pk])
    )

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    totals = {
        item.dt.get_text(strip=True): item.dd.get_text(strip=True)
        for item in soup.select(".click-report__summary div")
    }
    assert totals == {"Clicks": "4", "Unique visitors": "3", "Bot clicks": "1"}
    days = assert_accessible(chart(response))
    assert len(days) == 30
    assert days[site_today().isoformat()] == "4"
    top_pages = [
        [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
        for row in soup.select("#link-clicks-heading ~ table tbody tr")
    ]
    assert top_pages == [
        ["Interview tips", "3", "2"],
        ["No page (direct visits and unknown pages)", "1", "1"],
    ]


@pytest.mark.parametrize(
    ("peak", "top", "step"),
    [(0, 1, 1), (1, 1, 1), (3, 3, 1), (7, 8, 2), (120, 150, 50), (2741, 3000, 1000)],
)
def test_the_scale_has_round_steps_and_fits_the_busiest_day(peak, top, step):
    assert scale(peak) == (top, step)


def test_a_long_range_labels_at_most_seven_days_first_and_last_included():
    start = datetime.date(2025, 1, 1)
    end = datetime.date(2025, 12, 31)

    chart = DailyChart({}, start, end, chart_id="year", title="A year")

    labels = [tick.label for tick in chart.x_ticks]
    assert len(labels) == 7
    assert labels[0] == "1 Jan"
    assert labels[-1] == "31 Dec"
    assert len(chart.bars) == 365
