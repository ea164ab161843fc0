"""The daily click roll-up reports read instead of raw clicks.

``DailyClickSummary`` holds, for each day (in the site's time zone, ``TIME_ZONE``),
link and page, the clicks, bot clicks and unique visitors. It is kept exact two ways:

- ``insert_click`` adds each click as it is recorded, in the same transaction as the
  click's INSERT (``tracking.record_click``): upserts, so simultaneous clicks never
  lose a count; on PostgreSQL all one statement, elsewhere three in a transaction.
  A visitor is unique once per day, link and page: ``DailyVisitor`` remembers the
  visitor keys already counted, and its unique constraint decides, even between
  simultaneous clicks, which one counts.
- ``rebuild`` recomputes days from the raw clicks in one set-based INSERT … SELECT,
  for the ``rebuild_click_rollup`` command and before ``prune_clicks`` deletes them.

Only days that still have raw clicks are rebuilt: once ``prune_clicks`` has removed
a day's clicks, its roll-up is the only record of it and is left alone.
"""

import datetime
import functools
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .models import Click, DailyClickSummary, DailyVisitor

#: ``page_key`` of clicks that came from no (live) page.
NO_PAGE = DailyClickSummary.NO_PAGE


def site_timezone():
    """The zone days are counted in: the site's ``TIME_ZONE``, whatever is active."""
    return timezone.get_default_timezone()


def site_day(when):
    """The day ``when`` (an aware datetime) falls on in the site's time zone."""
    return timezone.localtime(when, site_timezone()).date()


def site_today():
    return site_day(timezone.now())


def day_start(day):
    """The aware moment ``day`` begins in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), site_timezone())


# Counting each click as it happens.


def _quoted(model, *fields):
    quote = connection.ops.quote_name
    return [quote(model._meta.get_field(name).column) for name in fields]


@functools.cache
def _count_visitor_sql(rows):
    # Built once per shape; only names from our own models go into the string.
    quote = connection.ops.quote_name
    columns = _quoted(DailyVisitor, "day", "link", "page_key", "visitor_key", "readers_only")
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * rows)
    return (
        f"INSERT INTO {quote(DailyVisitor._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES {values} "
        f"ON CONFLICT ({', '.join(columns)}) DO NOTHING "
        f"RETURNING {columns[-1]}"
    )


@functools.cache
def _count_click_sql():
    quote = connection.ops.quote_name
    table = quote(DailyClickSummary._meta.db_table)
    key = _quoted(DailyClickSummary, "day", "link", "page_key")
    counters = _quoted(
        DailyClickSummary, "clicks", "bot_clicks", "unique_visitors", "unique_visitors_with_bots"
    )
    increments = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in counters)
    return (
        f"INSERT INTO {table} ({', '.join(key + counters)}) "  # noqa: S608
        f"VALUES (%s, %s, %s, 1, %s, %s, %s) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {increments}"
    )


def count_click(cursor, *, link_id, page_id, visitor_key, is_bot, when):
    """Add one just-inserted click to the roll-up, on ``cursor``, in the click's transaction.

    ``page_id`` is the page the click was credited to (None for none). Two statements:
    the visitor key is recorded for the day, link and page (once for "all clicks" and,
    for a reader, once for "reader clicks"), and the rows that were new say which
    unique-visitor counts go up; then the day's counters are upserted.
    """
    day = connection.ops.adapt_datefield_value(site_day(when))
    page_key = page_id or NO_PAGE
    visitor = [day, link_id, page_key, visitor_key]
    params = [*visitor, False] if is_bot else [*visitor, False, *visitor, True]
    cursor.execute(_count_visitor_sql(1 if is_bot else 2), params)
    new = [bool(readers_only) for (readers_only,) in cursor.fetchall()]
    cursor.execute(
        _count_click_sql(),
        [day, link_id, page_key, int(is_bot), int(True in new), int(False in new)],
    )


@functools.cache
def _insert_and_count_sql(insert_click_sql):
    """PostgreSQL: the click's INSERT and both roll-up upserts as one statement.

    Data-modifying CTEs: one round trip and atomic on its own, so the roll-up costs
    the redirect almost nothing. Same effect as the INSERT followed by ``count_click``.
    """
    quote = connection.ops.quote_name
    page = quote(Click._meta.get_field("page").column)
    visitor_table = quote(DailyVisitor._meta.db_table)
    visitor_columns = _quoted(
        DailyVisitor, "day", "link", "page_key", "visitor_key", "readers_only"
    )
    readers_only = visitor_columns[-1]
    summary_table = quote(DailyClickSummary._meta.db_table)
    key = _quoted(DailyClickSummary, "day", "link", "page_key")
    counters = _quoted(
        DailyClickSummary, "clicks", "bot_clicks", "unique_visitors", "unique_visitors_with_bots"
    )
    increments = ", ".join(
        f"{name} = {summary_table}.{name} + EXCLUDED.{name}" for name in counters
    )
    return (
        f"WITH click AS ({insert_click_sql}), "  # noqa: S608
        f"visitor AS (INSERT INTO {visitor_table} ({', '.join(visitor_columns)}) "
        f"SELECT %s, %s, COALESCE(click.{page}, {NO_PAGE}), %s, kind.readers_only "
        f"FROM click CROSS JOIN (VALUES (FALSE), (TRUE)) AS kind (readers_only) "
        f"WHERE %s OR NOT kind.readers_only "
        f"ON CONFLICT ({', '.join(visitor_columns)}) DO NOTHING RETURNING {readers_only}), "
        f"summary AS (INSERT INTO {summary_table} ({', '.join(key + counters)}) "
        f"SELECT %s, %s, COALESCE(click.{page}, {NO_PAGE}), 1, %s, "
        f"(SELECT COUNT(*) FROM visitor WHERE {readers_only}), "
        f"(SELECT COUNT(*) FROM visitor WHERE NOT {readers_only}) FROM click "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {increments}) "
        f"SELECT {page} FROM click"
    )


def insert_click(cursor, insert_click_sql, params, *, link_id, visitor_key, is_bot, when):
    """Run the click's INSERT (``… RETURNING page_id``) and count it in the roll-up.

    Both happen or neither does. Returns the page id the INSERT returned.
    """
    if connection.vendor == "postgresql":
        day = site_day(when)
        cursor.execute(
            _insert_and_count_sql(insert_click_sql),
            [*params, day, link_id, visitor_key, not is_bot, day, link_id, int(is_bot)],
        )
        return cursor.fetchone()[0]
    with transaction.atomic(using=connection.alias):
        cursor.execute(insert_click_sql, params)
        page_id = cursor.fetchone()[0]
        count_click(
            cursor,
            link_id=link_id,
            page_id=page_id,
            visitor_key=visitor_key,
            is_bot=is_bot,
            when=when,
        )
    return page_id


# Rebuilding from raw clicks.


@dataclass(frozen=True)
class RebuildResult:
    first_day: datetime.date | None
    last_day: datetime.date | None
    rows: int

    @property
    def days(self):
        if self.first_day is None:
            return 0
        return (self.last_day - self.first_day).days + 1


def oldest_raw_day():
    """The first day that still has raw clicks, or None if there are none."""
    oldest = Click.objects.aggregate(oldest=Min("clicked_at"))["oldest"]
    return site_day(oldest) if oldest else None


def _clicks_between(first_day, last_day, links):
    clicks = Click.objects.filter(
        clicked_at__gte=day_start(first_day),
        clicked_at__lt=day_start(last_day + datetime.timedelta(days=1)),
    )
    if links is not None:
        clicks = clicks.filter(link_id__in=links)
    return clicks.annotate(
        r_day=TruncDate("clicked_at", tzinfo=site_timezone()),
        r_link=F("link_id"),
        r_page=Coalesce("page_id", Value(NO_PAGE)),
    )


def _insert_select(model, fields, queryset, aliases, *, ignore_conflicts=False):
    """INSERT INTO ``model`` (``fields``) SELECT ``aliases`` FROM (``queryset``): one statement."""
    quote = connection.ops.quote_name
    sql, params = queryset.query.sql_with_params()
    columns = ", ".join(_quoted(model, *fields))
    selected = ", ".join(f"rebuilt.{quote(alias)}" for alias in aliases)
    # SQLite needs the WHERE to tell this SELECT from an upsert clause.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {selected} FROM ({sql}) AS rebuilt WHERE 1 = 1"
    )
    if ignore_conflicts:
        statement += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def rebuild(first_day=None, last_day=None, *, links=None):
    """Recompute the roll-up from raw clicks for ``first_day``…``last_day`` (inclusive).

    Either end may be None for "from the oldest raw click" / "to today". Days before
    the oldest raw click are never touched: their raw clicks were pruned and the
    roll-up is all that is left of them. ``links`` (ids) limits it to those links.
    Idempotent, one transaction, a few set-based statements whatever the size.
    """
    oldest = oldest_raw_day()
    if oldest is None:
        return RebuildResult(None, None, 0)
    first_day = max(first_day or oldest, oldest)
    last_day = last_day or site_today()
    if last_day < first_day:
        return RebuildResult(None, None, 0)

    summaries = DailyClickSummary.objects.filter(day__gte=first_day, day__lte=last_day)
    visitors = DailyVisitor.objects.filter(day__gte=first_day, day__lte=last_day)
    if links is not None:
        summaries = summaries.filter(link_id__in=links)
        visitors = visitors.filter(link_id__in=links)

    clicks = _clicks_between(first_day, last_day, links)
    totals = (
        clicks.values("r_day", "r_link", "r_page")
        .annotate(
            r_clicks=Count("id"),
            r_bots=Count("id", filter=Q(is_bot=True)),
            r_readers=Count("visitor_key", distinct=True, filter=Q(is_bot=False)),
            r_visitors=Count("visitor_key", distinct=True),
        )
        .order_by()
    )
    with transaction.atomic():
        summaries.delete()
        rows = _insert_select(
            DailyClickSummary,
            ["day", "link", "page_key", "clicks", "bot_clicks"]
            + ["unique_visitors", "unique_visitors_with_bots"],
            totals,
            ["r_day", "r_link", "r_page", "r_clicks", "r_bots", "r_readers", "r_visitors"],
        )
        # Visitor keys matter only while their day can still get clicks.
        visitors.delete()
        recent = max(first_day, site_today() - datetime.timedelta(days=1))
        if recent <= last_day:
            _rebuild_visitors(recent, last_day, links)
    return RebuildResult(first_day, last_day, rows)


def _rebuild_visitors(first_day, last_day, links):
    fields = ["day", "link", "page_key", "visitor_key", "readers_only"]
    aliases = ["r_day", "r_link", "r_page", "visitor_key", "r_readers_only"]
    clicks = _clicks_between(first_day, last_day, links)
    for readers_only in (False, True):
        keys = clicks.filter(is_bot=False) if readers_only else clicks
        keys = keys.annotate(r_readers_only=Value(readers_only)).values(*aliases).distinct()
        _insert_select(DailyVisitor, fields, keys.order_by(), aliases, ignore_conflicts=True)


def forget_old_visitors(today=None):
    """Delete visitor keys of days that can no longer get clicks (before yesterday)."""
    today = today or site_today()
    deleted, _ = DailyVisitor.objects.filter(day__lt=today - datetime.timedelta(days=1)).delete()
    return deleted


# Retention: raw clicks go, the roll-up stays.


@dataclass(frozen=True)
class PruneResult:
    keep_from: datetime.date
    deleted: int
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None


def prune_raw_clicks(keep_days, *, dry_run=False):
    """Delete raw clicks from before the last ``keep_days`` days (and today).

    Whole days only, in the site's time zone. Those days are rebuilt into the
    roll-up first, in the same transaction, so the totals reports show do not move
    even if the roll-up had missed something. Visitor keys of past days go too.
    """
    if keep_days < 1:
        raise ValueError("Keep at least one day of raw clicks.")
    today = site_today()
    keep_from = today - datetime.timedelta(days=keep_days)
    old = Click.objects.filter(clicked_at__lt=day_start(keep_from))
    span = old.aggregate(first=Min("clicked_at"), last=Max("clicked_at"))
    if span["first"] is None:
        return PruneResult(keep_from, 0)
    first_day, last_day = site_day(span["first"]), site_day(span["last"])
    if dry_run:
        return PruneResult(keep_from, old.count(), first_day, last_day)
    with transaction.atomic():
        rebuild(first_day, keep_from - datetime.timedelta(days=1))
        deleted, _ = old.delete()
        forget_old_visitors(today)
    return PruneResult(keep_from, deleted, first_day, last_day)


# Deleted pages.


@functools.cache
def _merge_into_no_page_sql():
    quote = connection.ops.quote_name
    table = quote(DailyClickSummary._meta.db_table)
    day, link, page_key = _quoted(DailyClickSummary, "day", "link", "page_key")
    counters = _quoted(
        DailyClickSummary, "clicks", "bot_clicks", "unique_visitors", "unique_visitors_with_bots"
    )
    increments = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in counters)
    return (
        f"INSERT INTO {table} ({day}, {link}, {page_key}, {', '.join(counters)}) "  # noqa: S608
        f"SELECT {day}, {link}, {NO_PAGE}, {', '.join(counters)} FROM {table} "
        f"WHERE {page_key} = %s AND {day} < %s "
        f"ON CONFLICT ({day}, {link}, {page_key}) DO UPDATE SET {increments}"
    )


def forget_page(page_id):
    """Move a deleted page's totals to "no page", as its raw clicks have been.

    Days that still have raw clicks are rebuilt from them (for the links concerned),
    so they stay exact. Older days only have totals left, which are added to the
    "no page" ones: there a reader who came both from the page and from nowhere on
    the same day is counted as two unique visitors.
    """
    rows = DailyClickSummary.objects.filter(page_key=page_id)
    if not rows.exists():
        return
    oldest = oldest_raw_day() or site_today() + datetime.timedelta(days=1)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _merge_into_no_page_sql(),
                [page_id, connection.ops.adapt_datefield_value(oldest)],
            )
        rows.filter(day__lt=oldest).delete()
        recent = rows.filter(day__gte=oldest)
        span = recent.aggregate(first=Min("day"), last=Max("day"))
        if span["first"] is not None:
            links = set(recent.values_list("link_id", flat=True))
            rebuild(span["first"], span["last"], links=links)
