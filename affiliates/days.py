"""Days as affiliate reports count them: in the site's time zone (``TIME_ZONE``).

The one module for days and time zones. Roll-ups, reports and exports all cut days
here, so a day means the same everywhere, whatever zone the admin has activated for an
editor (Wagtail activates each editor's own zone from their account settings).
"""

import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format

#: The days a report or export may name. Far wider than any click could fall in, and
#: narrow enough that the day after the last one, and its start in any time zone, exist.
FIRST_REPORT_DAY = datetime.date(2000, 1, 1)
LAST_REPORT_DAY = datetime.date(2999, 12, 31)


def out_of_report_range(day: datetime.date) -> str | None:
    """Why ``day`` can't be reported on, or None if it can."""
    if FIRST_REPORT_DAY <= day <= LAST_REPORT_DAY:
        return None
    return (
        f"Choose a day from {date_format(FIRST_REPORT_DAY, 'j F Y')} "
        f"to {date_format(LAST_REPORT_DAY, 'j F Y')}."
    )


def site_timezone() -> ZoneInfo:
    """The zone days are counted in: the site's ``TIME_ZONE``, whatever is active."""
    return timezone.get_default_timezone()


def site_day(when: datetime.datetime) -> datetime.date:
    """The day ``when`` (an aware datetime) falls on in the site's time zone."""
    return timezone.localtime(when, site_timezone()).date()


def site_today() -> datetime.date:
    return site_day(timezone.now())


def day_start(day: datetime.date) -> datetime.datetime:
    """The aware moment ``day`` begins in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), site_timezone())


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def days_in(first_day: datetime.date, last_day: datetime.date) -> Iterator[datetime.date]:
    """Every day from ``first_day`` to ``last_day``, both included."""
    for offset in range((last_day - first_day).days + 1):
        yield first_day + datetime.timedelta(days=offset)


def last_days(days: int, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """(first, last) of the ``days`` days ending today, today included."""
    today = today or site_today()
    return today - datetime.timedelta(days=days - 1), today


def describe_range(first: datetime.date, last: datetime.date) -> str:
    """A range of days in words: "3 March 2026", or "1 March 2026 to 30 March 2026"."""
    if first == last:
        return date_format(first, "j F Y")
    return f"{date_format(first, 'j F Y')} to {date_format(last, 'j F Y')}"
