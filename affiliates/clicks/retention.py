"""Retention: raw clicks go after ``CLICK_RETENTION_DAYS``, the roll-ups stay, and so
does what each click id stands for (link, page, day, no visitor key) for
``ATTRIBUTION_RETENTION_DAYS``, for the sales networks report later.

``manage.py prune_clicks`` (daily, from cron) calls ``prune_raw_clicks``.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min

from affiliates.days import day_start, site_day, site_today

from . import attribution, rollup
from .models import Click


@dataclass(frozen=True)
class PruneResult:
    keep_from: datetime.date
    deleted: int
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None


def prune_raw_clicks(keep_days, *, dry_run=False):
    """Delete raw clicks from before the last ``keep_days`` days (and today).

    Whole days only, in the site's time zone. Those days are rebuilt into the
    roll-ups first, in the same transaction, so the totals reports show do not move
    even if a roll-up had missed something. Past days' shards are merged and
    visitor keys of past days deleted too.
    """
    if keep_days < 1:
        raise ValueError("Keep at least one day of raw clicks.")
    today = site_today()
    keep_from = today - datetime.timedelta(days=keep_days)
    old = Click.objects.filter(clicked_at__lt=day_start(keep_from))
    span = old.aggregate(first=Min("clicked_at"), last=Max("clicked_at"))
    first_day = site_day(span["first"]) if span["first"] else None
    last_day = site_day(span["last"]) if span["last"] else None
    if dry_run:
        return PruneResult(keep_from, old.count(), first_day, last_day)
    with transaction.atomic():
        rollup.compact(today)
        rollup.forget_old_visitors(today)
        attribution_from = today - datetime.timedelta(days=settings.ATTRIBUTION_RETENTION_DAYS)
        attribution.forget_old_attribution(attribution_from)
        if first_day is None:
            return PruneResult(keep_from, 0)
        rollup.rebuild(first_day, keep_from - datetime.timedelta(days=1))
        attribution.keep_attribution(old.filter(clicked_at__gte=day_start(attribution_from)))
        deleted, _ = old.delete()
    return PruneResult(keep_from, deleted, first_day, last_day)
