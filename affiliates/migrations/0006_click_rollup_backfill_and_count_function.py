"""The new roll-ups filled from the daily one, and the PostgreSQL function that counts clicks.

Data and function apart from 0005's schema changes, so PostgreSQL can run each.
"""

from django.db import migrations
from django.db.models import Sum
from django.db.models.functions import TruncMonth

COUNTERS = ("clicks", "bot_clicks", "unique_visitors", "unique_visitors_with_bots")


# PostgreSQL: every roll-up write of one click in a function, whose statements' plans
# PostgreSQL keeps per connection; planning them on every click cost as much again.
# affiliates.rollup.count_click does the same in Python (SQLite); the tests run both.
COUNT_CLICK_FUNCTION = """
CREATE OR REPLACE FUNCTION affiliates_count_click(
    p_day date, p_month date, p_link bigint, p_page integer, p_key varchar, p_bot boolean
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_readers integer;
    v_visitors integer;
    v_shard smallint := pg_backend_pid() % 8;
BEGIN
    WITH new AS (
        INSERT INTO affiliates_dailyvisitor (day, link_id, page_key, visitor_key, readers_only)
        SELECT p_day, p_link, p_page, p_key, kind.readers_only
        FROM (VALUES (FALSE), (TRUE)) AS kind (readers_only)
        WHERE NOT kind.readers_only OR NOT p_bot
        ON CONFLICT (day, link_id, page_key, visitor_key, readers_only) DO NOTHING
        RETURNING readers_only
    )
    SELECT count(*) FILTER (WHERE readers_only), count(*) FILTER (WHERE NOT readers_only)
    INTO v_readers, v_visitors FROM new;

    INSERT INTO affiliates_dailyclicksummary AS t
        (day, link_id, page_key, shard, clicks, bot_clicks, unique_visitors,
         unique_visitors_with_bots)
    VALUES (p_day, p_link, p_page, v_shard, 1, p_bot::integer, v_readers, v_visitors)
    ON CONFLICT (day, link_id, page_key, shard) DO UPDATE SET
        clicks = t.clicks + 1,
        bot_clicks = t.bot_clicks + EXCLUDED.bot_clicks,
        unique_visitors = t.unique_visitors + EXCLUDED.unique_visitors,
        unique_visitors_with_bots = t.unique_visitors_with_bots
            + EXCLUDED.unique_visitors_with_bots;

    INSERT INTO affiliates_monthlyclicksummary AS t
        (month, link_id, page_key, shard, clicks, bot_clicks, unique_visitors,
         unique_visitors_with_bots)
    VALUES (p_month, p_link, p_page, v_shard, 1, p_bot::integer, v_readers, v_visitors)
    ON CONFLICT (month, link_id, page_key, shard) DO UPDATE SET
        clicks = t.clicks + 1,
        bot_clicks = t.bot_clicks + EXCLUDED.bot_clicks,
        unique_visitors = t.unique_visitors + EXCLUDED.unique_visitors,
        unique_visitors_with_bots = t.unique_visitors_with_bots
            + EXCLUDED.unique_visitors_with_bots;

    INSERT INTO affiliates_dailyclicktotal AS t (day, shard, clicks, bot_clicks)
    VALUES (p_day, v_shard, 1, p_bot::integer)
    ON CONFLICT (day, shard) DO UPDATE SET
        clicks = t.clicks + 1,
        bot_clicks = t.bot_clicks + EXCLUDED.bot_clicks;
END
$$;
"""


def create_count_click_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Not schema_editor.execute: that would read the % in the body as a placeholder.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(COUNT_CLICK_FUNCTION)


def drop_count_click_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS affiliates_count_click(date, date, bigint, integer, varchar, boolean)"
        )


def merge_shards(apps, schema_editor):
    """Going back: one row per day, link and page again, as the old constraint wants."""
    Daily = apps.get_model("affiliates", "DailyClickSummary")
    sharded = Daily.objects.filter(shard__gt=0)
    merged = (
        Daily.objects.filter(
            day__in=sharded.values("day"), link__in=sharded.values("link")
        )
        .values("day", "link_id", "page_key")
        .annotate(**{f"r_{name}": Sum(name) for name in COUNTERS})
        .order_by()
    )
    rows = [
        Daily(
            day=row["day"],
            link_id=row["link_id"],
            page_key=row["page_key"],
            shard=0,
            **{name: row[f"r_{name}"] for name in COUNTERS},
        )
        for row in merged
    ]
    Daily.objects.filter(day__in=[row.day for row in rows]).filter(
        link_id__in=[row.link_id for row in rows]
    ).delete()
    Daily.objects.bulk_create(rows)


def fill_months_and_day_totals(apps, schema_editor):
    """Derive the new roll-ups from the daily one (rebuild_click_rollup does the same)."""
    Daily = apps.get_model("affiliates", "DailyClickSummary")
    Monthly = apps.get_model("affiliates", "MonthlyClickSummary")
    Total = apps.get_model("affiliates", "DailyClickTotal")
    months = (
        Daily.objects.annotate(r_month=TruncMonth("day"))
        .values("r_month", "link_id", "page_key")
        .annotate(**{f"r_{name}": Sum(name) for name in COUNTERS})
        .order_by()
    )
    Monthly.objects.bulk_create(
        (
            Monthly(
                month=row["r_month"],
                link_id=row["link_id"],
                page_key=row["page_key"],
                **{name: row[f"r_{name}"] for name in COUNTERS},
            )
            for row in months.iterator()
        ),
        batch_size=1000,
    )
    days = Daily.objects.values("day").annotate(
        r_clicks=Sum("clicks"), r_bot_clicks=Sum("bot_clicks")
    ).order_by()
    Total.objects.bulk_create(
        (
            Total(day=row["day"], clicks=row["r_clicks"], bot_clicks=row["r_bot_clicks"])
            for row in days.iterator()
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("affiliates", "0005_click_rollup_shards_months_and_day_totals"),
    ]

    operations = [
        migrations.RunPython(fill_months_and_day_totals, migrations.RunPython.noop),
        migrations.RunPython(migrations.RunPython.noop, merge_shards),
        migrations.RunPython(create_count_click_function, drop_count_click_function),
    ]
