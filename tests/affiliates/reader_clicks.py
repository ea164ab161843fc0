"""Helpers for the click-report tests: real clicks through /go/, and the totals to expect."""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from freezegun import freeze_time

from affiliates.days import site_today
from affiliates.models import Click, DailyClickSummary, DailyClickTotal, MonthlyClickSummary
from tests.factories import browser_headers, signed_from

BOT_USER_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def follow(
    client, link, *, page=None, placement="", ip="203.0.113.7", bot=False, at=None, **headers
):
    """Click ``link`` through the real /go/ view, as a reader (or a crawler), at ``at``,
    from ``placement`` on ``page``."""
    query = f"?from={signed_from(page, link, placement)}" if page is not None else ""
    if bot:
        headers.setdefault("HTTP_USER_AGENT", BOT_USER_AGENT)
    request_headers = browser_headers(REMOTE_ADDR=ip, **headers)
    if at is None:
        response = client.get(f"/go/{link.slug}/{query}", **request_headers)
    else:
        with freeze_time(at):
            response = client.get(f"/go/{link.slug}/{query}", **request_headers)
    assert response.status_code == 302
    return response


def days_ago(days, hour=12, minute=0):
    """A moment ``days`` days before today, in the site's time zone."""
    day = site_today() - datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), ZoneInfo(settings.TIME_ZONE))


def expected_rollup():
    """What the roll-up must hold, worked out in Python from every raw click that is
    not staff."""
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = defaultdict(lambda: {"clicks": 0, "bots": 0, "readers": set(), "everyone": set()})
    for click in Click.objects.filter(is_staff=False):
        day = click.clicked_at.astimezone(zone).date()
        row = rows[(day, click.link_id, click.page_id or 0)]
        row["clicks"] += 1
        row["everyone"].add(click.visitor_key)
        if click.is_bot:
            row["bots"] += 1
        else:
            row["readers"].add(click.visitor_key)
    return {
        key: (row["clicks"], row["bots"], len(row["readers"]), len(row["everyone"]))
        for key, row in rows.items()
    }


COUNTERS = ("clicks", "bot_clicks", "unique_visitors", "unique_visitors_with_bots")


def _added_up(rows, key):
    totals = defaultdict(lambda: [0] * len(COUNTERS))
    for row in rows:
        for index, name in enumerate(COUNTERS):
            totals[key(row)][index] += getattr(row, name)
    return {key: tuple(values) for key, values in totals.items()}


def stored_rollup(*, check=True):
    """{(day, link id, page key): (clicks, bot clicks, unique visitors, with bots)}, with
    the shards of each added up; checks the monthly and per-day roll-ups agree with it."""
    daily = _added_up(
        DailyClickSummary.objects.all(), lambda row: (row.day, row.link_id, row.page_key)
    )
    if not check:
        return daily
    months = defaultdict(lambda: [0] * len(COUNTERS))
    days = defaultdict(lambda: [0, 0])
    for (day, link_id, page_key), counts in daily.items():
        for index, value in enumerate(counts):
            months[(day.replace(day=1), link_id, page_key)][index] += value
        days[day][0] += counts[0]
        days[day][1] += counts[1]
    monthly = _added_up(
        MonthlyClickSummary.objects.all(), lambda row: (row.month, row.link_id, row.page_key)
    )
    assert monthly == {key: tuple(values) for key, values in months.items()}
    totals = defaultdict(lambda: [0, 0])
    for row in DailyClickTotal.objects.all():
        totals[row.day][0] += row.clicks
        totals[row.day][1] += row.bot_clicks
    assert {day: tuple(v) for day, v in totals.items() if any(v)} == {
        day: tuple(v) for day, v in days.items()
    }
    return daily
