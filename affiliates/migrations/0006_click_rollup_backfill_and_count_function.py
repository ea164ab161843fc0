"""The new roll-ups filled from the daily one, and the PostgreSQL function that counts clicks.

Data and function apart from 0005's schema changes, so PostgreSQL can run each.
"""

from django.db import migrations
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from affiliates.clicks.count_function import DROP_COUNT_CLICK_FUNCTION, count_click_function

COUNTERS = ("clicks", "bot_clicks", "unique_visitors", "unique_visitors_with_bots")


def create_count_click_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Not schema_editor.execute: that would read the % in the body as a placeholder.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(count_click_function(shards=8))


def drop_count_click_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_COUNT_CLICK_FUNCTION)


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
