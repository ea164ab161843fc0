"""Where on the page each click's link sat (its placement), on the click, its kept
attribution and the sale, and roll-ups of clicks per placement.

Clicks before this have no placement: their roll-ups are copied to the placement ones
with placement "" ("not recorded"), so a report by placement adds up to every click.
On PostgreSQL the counting function is replaced by one taking the placement.
"""

import django.db.models.deletion
from django.db import migrations, models

from affiliates.clicks.count_function import (
    DROP_COUNT_CLICK_FUNCTION,
    DROP_PLACEMENT_COUNT_CLICK_FUNCTION,
    count_click_function,
)

SHARDS = 64  # as migration 0007 left it


def _run(schema_editor, *statements):
    if schema_editor.connection.vendor == "postgresql":
        # Not schema_editor.execute: that would read the % in the body as a placeholder.
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def count_placements(apps, schema_editor):
    _run(
        schema_editor,
        DROP_COUNT_CLICK_FUNCTION,
        count_click_function(SHARDS, placements=True),
    )


def stop_counting_placements(apps, schema_editor):
    _run(schema_editor, DROP_PLACEMENT_COUNT_CLICK_FUNCTION, count_click_function(SHARDS))


def copy_rollups(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        for period, source, target in (
            ("day", "affiliates_dailyclicksummary", "affiliates_dailyplacementclicks"),
            ("month", "affiliates_monthlyclicksummary", "affiliates_monthlyplacementclicks"),
        ):
            columns = f"{quote(period)}, link_id, page_key, shard, clicks, bot_clicks"
            cursor.execute(
                f"INSERT INTO {target} ({columns}, placement) "  # noqa: S608
                f"SELECT {columns}, '' FROM {source}"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("affiliates", "0015_conversions"),
    ]

    operations = [
        migrations.AddField(
            model_name="click",
            name="placement",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Where on the page the link sat (intro, product-box-4…); signed by the page, empty when not known.",
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="clickattribution",
            name="placement",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.AddField(
            model_name="conversion",
            name="placement",
            field=models.CharField(
                blank=True, default="", help_text="Where on the page the link sat.", max_length=40
            ),
        ),
        migrations.CreateModel(
            name="DailyPlacementClicks",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "shard",
                    models.PositiveSmallIntegerField(
                        db_default=0,
                        default=0,
                        help_text="Spreads simultaneous clicks over rows (PostgreSQL only); 0 once compacted.",
                    ),
                ),
                (
                    "clicks",
                    models.PositiveIntegerField(default=0, help_text="All clicks, bots included."),
                ),
                ("bot_clicks", models.PositiveIntegerField(default=0)),
                ("day", models.DateField(help_text="In the site's time zone (TIME_ZONE).")),
                ("page_key", models.PositiveIntegerField(default=0, verbose_name="page")),
                ("placement", models.CharField(blank=True, default="", max_length=40)),
                (
                    "link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="affiliates.affiliatelink",
                    ),
                ),
            ],
            options={
                "verbose_name": "daily placement clicks",
                "verbose_name_plural": "daily placement clicks",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "link", "page_key", "placement", "shard"),
                        name="affiliates_placement_day",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthlyPlacementClicks",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "shard",
                    models.PositiveSmallIntegerField(
                        db_default=0,
                        default=0,
                        help_text="Spreads simultaneous clicks over rows (PostgreSQL only); 0 once compacted.",
                    ),
                ),
                (
                    "clicks",
                    models.PositiveIntegerField(default=0, help_text="All clicks, bots included."),
                ),
                ("bot_clicks", models.PositiveIntegerField(default=0)),
                ("month", models.DateField(help_text="The month's first day.")),
                ("page_key", models.PositiveIntegerField(default=0, verbose_name="page")),
                ("placement", models.CharField(blank=True, default="", max_length=40)),
                (
                    "link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="affiliates.affiliatelink",
                    ),
                ),
            ],
            options={
                "verbose_name": "monthly placement clicks",
                "verbose_name_plural": "monthly placement clicks",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("month", "link", "page_key", "placement", "shard"),
                        name="affiliates_placement_month",
                    )
                ],
            },
        ),
        migrations.RunPython(copy_rollups, migrations.RunPython.noop),
        migrations.RunPython(count_placements, stop_counting_placements),
    ]
