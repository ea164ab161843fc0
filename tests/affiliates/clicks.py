"""Helpers for the click-report tests: real clicks through /go/, and the totals to expect."""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from freezegun import freeze_time

from affiliates.models import Click, DailyClickSummary
from tests.factories import browser_headers

BOT_USER_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def follow(client, link, *, page=None, ip="203.0.113.7", bot=False, at=None, **headers):
    """Click ``link`` through the real /go/ view, as a reader (or a crawler), at ``at``."""
    query = f"?from={page.pk}" if page is not None else ""
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


def expected_rollup():
    """What the roll-up must hold, worked out in Python from every raw click."""
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = defaultdict(lambda: {"clicks": 0, "bots": 0, "readers": set(), "everyone": set()})
    for click in Click.objects.all():
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


def stored_rollup():
    return {
        (row.day, row.link_id, row.page_key): (
            row.clicks,
            row.bot_clicks,
            row.unique_visitors,
            row.unique_visitors_with_bots,
        )
        for row in DailyClickSummary.objects.all()
    }
