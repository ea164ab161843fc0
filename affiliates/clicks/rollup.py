"""The click roll-ups reports read instead of raw clicks.

Three tables, all additive counters, all in the site's time zone (``TIME_ZONE``):

- ``DailyClickSummary``: clicks, bot clicks and unique visitors per day, link and page;
- ``MonthlyClickSummary``: the same per calendar month, so a year's report adds up
  twelve rows per link and page instead of 365;
- ``DailyClickTotal``: all clicks per day, for the report's chart;
- ``DailyPlacementClicks`` and ``MonthlyPlacementClicks``: clicks and bot clicks per
  day (month), link, page and placement on the page, for reports by placement.

They are kept exact two ways:

- ``insert_click`` counts each click as it is recorded, in the same transaction as the
  click's INSERT (``recording.write_click``): upserts, so simultaneous clicks never
  lose a count; on PostgreSQL one statement (the writes in a function whose plans
  PostgreSQL keeps), elsewhere a few statements in a transaction.
  A visitor is unique once per day, link and page: ``DailyVisitor`` remembers the
  visitor keys already counted, and its unique constraint decides, even between
  simultaneous clicks, which one counts. On PostgreSQL each connection adds to its
  own row (``shard``), so simultaneous clicks on a popular link do not queue for one
  row lock; ``compact`` merges past days' rows into one.
- ``rebuild`` recomputes days from the raw clicks in set-based INSERT … SELECT
  statements, for ``rebuild_click_rollup`` and before ``prune_clicks`` deletes them.

Only days that still have raw clicks are rebuilt: once ``prune_clicks`` has removed
a day's clicks, its roll-up is the only record of it and is left alone.
"""

import datetime
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from affiliates.days import (
    day_start,
    month_start,
    next_month,
    site_day,
    site_timezone,
    site_today,
)

from .models import (
    Click,
    DailyClickSummary,
    DailyClickTotal,
    DailyPlacementClicks,
    DailyVisitor,
    MonthlyClickSummary,
    MonthlyPlacementClicks,
)

#: ``page_key`` of clicks that came from no (live) page.
NO_PAGE = DailyClickSummary.NO_PAGE
VISITOR_COUNTERS = ("clicks", "bot_clicks", "unique_visitors", "unique_visitors_with_bots")
TOTAL_COUNTERS = ("clicks", "bot_clicks")


# Counting each click as it happens.


def _quoted(model, *fields):
    quote = connection.ops.quote_name
    return [quote(model._meta.get_field(name).column) for name in fields]


def _upsert(model, keys, counters, select):
    """INSERT INTO ``model`` (keys, shard, counters) ``select`` ON CONFLICT … add them up."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_columns = _quoted(model, *keys, "shard")
    counter_columns = _quoted(model, *counters)
    increments = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in counter_columns)
    return (
        f"INSERT INTO {table} ({', '.join(key_columns + counter_columns)}) {select} "  # noqa: S608
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {increments}"
    )


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
def _count_click_sqls():
    """The five upserts of one click, each with VALUES (…) parameters."""
    return (
        _upsert(
            DailyClickSummary,
            ("day", "link", "page_key"),
            VISITOR_COUNTERS,
            "VALUES (%s, %s, %s, 0, 1, %s, %s, %s)",
        ),
        _upsert(
            MonthlyClickSummary,
            ("month", "link", "page_key"),
            VISITOR_COUNTERS,
            "VALUES (%s, %s, %s, 0, 1, %s, %s, %s)",
        ),
        _upsert(DailyClickTotal, ("day",), TOTAL_COUNTERS, "VALUES (%s, 0, 1, %s)"),
        _upsert(
            DailyPlacementClicks,
            ("day", "link", "page_key", "placement"),
            TOTAL_COUNTERS,
            "VALUES (%s, %s, %s, %s, 0, 1, %s)",
        ),
        _upsert(
            MonthlyPlacementClicks,
            ("month", "link", "page_key", "placement"),
            TOTAL_COUNTERS,
            "VALUES (%s, %s, %s, %s, 0, 1, %s)",
        ),
    )


def count_click(cursor, *, link_id, page_id, visitor_key, is_bot, when, placement=""):
    """Add one just-inserted click to the roll-ups, on ``cursor``, in its transaction.

    ``page_id`` is the page the click was credited to (None for none). The visitor
    key is recorded for the day, link and page (once for "all clicks" and, for a
    reader, once for "reader clicks"); the rows that were new say which unique-visitor
    counts go up. Then the day's, the month's and the day-total counters are upserted.
    """
    ops = connection.ops
    local_day = site_day(when)
    day = ops.adapt_datefield_value(local_day)
    month = ops.adapt_datefield_value(month_start(local_day))
    page_key = page_id or NO_PAGE
    visitor = [day, link_id, page_key, visitor_key]
    params = [*visitor, False] if is_bot else [*visitor, False, *visitor, True]
    cursor.execute(_count_visitor_sql(1 if is_bot else 2), params)
    new = [bool(readers_only) for (readers_only,) in cursor.fetchall()]
    counts = [int(is_bot), int(True in new), int(False in new)]
    daily, monthly, total, placement_daily, placement_monthly = _count_click_sqls()
    cursor.execute(daily, [day, link_id, page_key, *counts])
    cursor.execute(monthly, [month, link_id, page_key, *counts])
    cursor.execute(total, [day, int(is_bot)])
    cursor.execute(placement_daily, [day, link_id, page_key, placement, int(is_bot)])
    cursor.execute(placement_monthly, [month, link_id, page_key, placement, int(is_bot)])


@functools.cache
def _insert_and_count_sql(insert_click_sql):
    """PostgreSQL: the click's INSERT and its roll-up writes as one statement.

    The roll-up writes are the ``affiliates_count_click`` function (``count_function``),
    the same as ``count_click`` but with plans PostgreSQL keeps per connection, and
    each connection adding to its own shard of the counters. One round trip, atomic
    on its own.
    """
    page = connection.ops.quote_name(Click._meta.get_field("page").column)
    return (
        f"WITH click AS ({insert_click_sql}) "  # noqa: S608
        f"SELECT click.{page} FROM click, LATERAL (SELECT affiliates_count_click("
        f"%s, %s, %s, COALESCE(click.{page}, {NO_PAGE}), %s, %s, %s)) AS counted"
    )


def insert_click(
    cursor, insert_click_sql, params, *, link_id, visitor_key, is_bot, when, placement=""
):
    """Run the click's INSERT (``… ON CONFLICT DO NOTHING RETURNING page_id``) and, if it
    stored a row, count it in the roll-ups. Call it inside a transaction, so both happen
    or neither does (on PostgreSQL they are one statement anyway).

    Returns whether the click was new: a click id already stored inserts nothing and
    counts nothing.
    """
    if connection.vendor == "postgresql":
        day = site_day(when)
        cursor.execute(
            _insert_and_count_sql(insert_click_sql),
            [*params, day, month_start(day), link_id, visitor_key, is_bot, placement],
        )
        return cursor.fetchone() is not None
    # Elsewhere several statements: the caller holds them in one transaction.
    cursor.execute(insert_click_sql, params)
    inserted = cursor.fetchone()
    if inserted is None:
        return False
    count_click(
        cursor,
        link_id=link_id,
        page_id=inserted[0],
        visitor_key=visitor_key,
        is_bot=is_bot,
        when=when,
        placement=placement,
    )
    return True


# Reading: a date range from whole months where it can, days where it must.


def split_range(first_day, last_day):
    """(whole months, day ranges) that together cover ``first_day``…``last_day`` once."""
    months, days = [], []
    month = month_start(first_day)
    if month < first_day:
        month = next_month(month)
    head_end = min(month - datetime.timedelta(days=1), last_day)
    if first_day <= head_end:
        days.append((first_day, head_end))
    while next_month(month) - datetime.timedelta(days=1) <= last_day:
        months.append(month)
        month = next_month(month)
    if month <= last_day and (not days or days[-1][1] < month):
        days.append((max(month, first_day), last_day))
    return months, days


def range_totals(group_field, first_day, last_day, *, include_bots=False, links=None):
    """{value of ``group_field``: Counter(clicks, unique_visitors, bot_clicks)} for the
    range, from the monthly roll-up for whole months and the daily one for the rest:
    two queries at most.

    ``group_field`` may be a tuple of fields, then keys are tuples of their values;
    grouping by ``placement`` reads the placement roll-ups, which count no visitors
    (``unique_visitors`` is then None).
    """
    fields = group_field if isinstance(group_field, tuple) else (group_field,)
    by_placement = "placement" in fields
    daily = DailyPlacementClicks if by_placement else DailyClickSummary
    monthly = MonthlyPlacementClicks if by_placement else MonthlyClickSummary
    months, days = split_range(first_day, last_day)
    querysets = []
    if days:
        in_days = Q()
        for first, last in days:
            in_days |= Q(day__gte=first, day__lte=last)
        querysets.append(daily.objects.filter(in_days))
    if months:
        querysets.append(monthly.objects.filter(month__in=months))
    totals = defaultdict(Counter)
    for queryset in querysets:
        if links is not None:
            queryset = queryset.filter(link__in=links)
        for row in queryset.totals_by(*fields, include_bots=include_bots):
            key = tuple(row[name] for name in fields) if len(fields) > 1 else row[fields[0]]
            totals[key].update(clicks=row["clicks_total"], bot_clicks=row["bot_clicks_total"])
            if not by_placement:
                totals[key].update(unique_visitors=row["visitors_total"])
    if by_placement:
        for counts in totals.values():
            counts["unique_visitors"] = None
    return totals


def clicks_per_day(first_day, last_day, *, include_bots=False):
    """{day: clicks} for every day in the range that had any (one small query)."""
    return DailyClickTotal.objects.between(first_day, last_day).per_day(include_bots)


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
    # Staff clicks are kept as raw clicks but never counted (see ``Click.is_staff``).
    clicks = Click.objects.filter(
        is_staff=False,
        clicked_at__gte=day_start(first_day),
        clicked_at__lt=day_start(last_day + datetime.timedelta(days=1)),
    )
    if links is not None:
        clicks = clicks.filter(link_id__in=links)
    return clicks.annotate(
        r_day=TruncDate("clicked_at", tzinfo=site_timezone()),
        r_link=F("link_id"),
        r_page=Coalesce("page_id", Value(NO_PAGE)),
        r_placement=F("placement"),
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


def _sums(counters):
    return {f"r_{name}": Sum(name) for name in counters}


#: (daily, monthly, keys besides the period, counters) of the roll-ups kept per month.
MONTHLY_ROLLUPS = (
    (DailyClickSummary, MonthlyClickSummary, ("link", "page_key"), VISITOR_COUNTERS),
    (
        DailyPlacementClicks,
        MonthlyPlacementClicks,
        ("link", "page_key", "placement"),
        TOTAL_COUNTERS,
    ),
)


def _rebuild_months(first_day, last_day, links=None):
    """Recompute the months touching ``first_day``…``last_day`` from the daily roll-ups."""
    first_month, last_month = month_start(first_day), month_start(last_day)
    for daily, monthly, keys, counters in MONTHLY_ROLLUPS:
        months = monthly.objects.filter(month__gte=first_month, month__lte=last_month)
        days = daily.objects.filter(day__gte=first_month, day__lt=next_month(last_month))
        days = days.annotate(r_month=TruncMonth("day"), **{f"r_{key}": F(key) for key in keys})
        if links is not None:
            months = months.filter(link_id__in=links)
            days = days.filter(link_id__in=links)
        months.delete()
        aliases = ["r_month", *(f"r_{key}" for key in keys)]
        totals = days.values(*aliases).annotate(**_sums(counters))
        _insert_select(
            monthly,
            ["month", *keys, *counters],
            totals.order_by(),
            [*aliases, *(f"r_{name}" for name in counters)],
        )


def _rebuild_day_totals(first_day, last_day):
    """Recompute the per-day totals for ``first_day``…``last_day`` from the daily roll-up."""
    DailyClickTotal.objects.between(first_day, last_day).delete()
    days = DailyClickSummary.objects.between(first_day, last_day).annotate(r_day=F("day"))
    totals = days.values("r_day").annotate(**_sums(TOTAL_COUNTERS))
    _insert_select(
        DailyClickTotal,
        ["day", *TOTAL_COUNTERS],
        totals.order_by(),
        ["r_day", *(f"r_{name}" for name in TOTAL_COUNTERS)],
    )


def rebuild(first_day=None, last_day=None, *, links=None):
    """Recompute the roll-ups from raw clicks for ``first_day``…``last_day`` (inclusive).

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

    summaries = DailyClickSummary.objects.between(first_day, last_day)
    placements = DailyPlacementClicks.objects.between(first_day, last_day)
    visitors = DailyVisitor.objects.filter(day__gte=first_day, day__lte=last_day)
    if links is not None:
        summaries = summaries.filter(link_id__in=links)
        placements = placements.filter(link_id__in=links)
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
            ["day", "link", "page_key", *VISITOR_COUNTERS],
            totals,
            ["r_day", "r_link", "r_page", "r_clicks", "r_bots", "r_readers", "r_visitors"],
        )
        placements.delete()
        placement_totals = (
            clicks.values("r_day", "r_link", "r_page", "r_placement")
            .annotate(r_clicks=Count("id"), r_bots=Count("id", filter=Q(is_bot=True)))
            .order_by()
        )
        _insert_select(
            DailyPlacementClicks,
            ["day", "link", "page_key", "placement", *TOTAL_COUNTERS],
            placement_totals,
            ["r_day", "r_link", "r_page", "r_placement", "r_clicks", "r_bots"],
        )
        _rebuild_months(first_day, last_day, links)
        _rebuild_day_totals(first_day, last_day)
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


# Shards: merged once their period is over.


@functools.cache
def _compact_sql(model, keys, counters):
    quote = connection.ops.quote_name
    key_columns = ", ".join(_quoted(model, *keys))
    sums = ", ".join(f"SUM({name})" for name in _quoted(model, *counters))
    shard, period = _quoted(model, "shard", keys[0])
    select = (
        f"SELECT {key_columns}, 0, {sums} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"WHERE {shard} > 0 AND {period} < %s GROUP BY {key_columns}"
    )
    return _upsert(model, keys, counters, select)


def compact(today=None):
    """Merge the shards of days (and months) that are over into one row each.

    Only past periods, which no click can change any more. Totals stay the same.
    """
    today = today or site_today()
    this_month = month_start(today)
    placement = ("link", "page_key", "placement")
    tables = [
        (DailyClickSummary, ("day", "link", "page_key"), VISITOR_COUNTERS, today),
        (MonthlyClickSummary, ("month", "link", "page_key"), VISITOR_COUNTERS, this_month),
        (DailyClickTotal, ("day",), TOTAL_COUNTERS, today),
        (DailyPlacementClicks, ("day", *placement), TOTAL_COUNTERS, today),
        (MonthlyPlacementClicks, ("month", *placement), TOTAL_COUNTERS, this_month),
    ]
    merged = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for model, keys, counters, before in tables:
            cursor.execute(
                _compact_sql(model, keys, counters), [connection.ops.adapt_datefield_value(before)]
            )
            deleted, _ = model.objects.filter(shard__gt=0, **{f"{keys[0]}__lt": before}).delete()
            merged += deleted
    return merged


# Deleted pages and links.


def forget_page(page_id):
    """Move a deleted page's totals to "no page", as its raw clicks have been.

    Days that still have raw clicks are rebuilt from them (for the links concerned),
    so they stay exact. Older days only have totals left, which are added to the
    "no page" ones: there a reader who came both from the page and from nowhere on
    the same day is counted as two unique visitors.
    """
    rows = DailyClickSummary.objects.filter(page_key=page_id)
    span = rows.aggregate(first=Min("day"), last=Max("day"))
    if span["first"] is None:
        return
    links = set(rows.values_list("link_id", flat=True))
    oldest = oldest_raw_day() or site_today() + datetime.timedelta(days=1)
    with transaction.atomic():
        for daily, _, keys, counters in MONTHLY_ROLLUPS:
            _move_to_no_page(daily, keys, counters, page_id, oldest)
        recent = rows.filter(day__gte=oldest).aggregate(first=Min("day"), last=Max("day"))
        if recent["first"] is not None:
            rebuild(recent["first"], recent["last"], links=links)
        _rebuild_months(span["first"], span["last"], links)


def _move_to_no_page(model, keys, counters, page_id, before):
    """Add ``page_id``'s rows of ``model`` from before ``before`` to "no page"'s."""
    quote = connection.ops.quote_name
    key_columns = _quoted(model, "day", *keys, "shard")
    selected = ", ".join(
        str(NO_PAGE) if name == "page_key" else column
        for name, column in zip(["day", *keys, "shard"], key_columns, strict=True)
    )
    day, page_key = _quoted(model, "day", "page_key")
    select = (
        f"SELECT {selected}, {', '.join(_quoted(model, *counters))} "  # noqa: S608
        f"FROM {quote(model._meta.db_table)} WHERE {page_key} = %s AND {day} < %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert(model, ("day", *keys), counters, select),
            [page_id, connection.ops.adapt_datefield_value(before)],
        )
    model.objects.filter(page_key=page_id, day__lt=before).delete()


def link_days(link_id):
    """(first, last) day the link has clicks in the roll-up, or (None, None)."""
    span = DailyClickSummary.objects.filter(link_id=link_id).aggregate(
        first=Min("day"), last=Max("day")
    )
    return span["first"], span["last"]


def forget_link(first_day, last_day):
    """After a link is deleted (and its daily rows with it): correct the day totals."""
    if first_day is not None:
        _rebuild_day_totals(first_day, last_day)
