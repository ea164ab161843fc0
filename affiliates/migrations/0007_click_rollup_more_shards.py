"""Counter rows per connection: pg_backend_pid() % 64 instead of % 8.

With eight shards, the few connections of a busy site still met on the same row now
and then and queued behind each other's commits (16 connections clicking one link:
about 1,300 clicks/s against 2,200 now). A shard holds at most one row per link,
page and day, and prune_clicks merges past days, so more shards cost little.
"""

from django.db import migrations

COUNT_CLICK_FUNCTION = """
CREATE OR REPLACE FUNCTION affiliates_count_click(
    p_day date, p_month date, p_link bigint, p_page integer, p_key varchar, p_bot boolean
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_readers integer;
    v_visitors integer;
    v_shard smallint := pg_backend_pid() % 64;
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

PREVIOUS_FUNCTION = """
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


def replace_function(schema_editor, body):
    if schema_editor.connection.vendor == "postgresql":
        # Not schema_editor.execute: that would read the % in the body as a placeholder.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(body)


def more_shards(apps, schema_editor):
    replace_function(schema_editor, COUNT_CLICK_FUNCTION)


def fewer_shards(apps, schema_editor):
    replace_function(schema_editor, PREVIOUS_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [
        ("affiliates", "0006_click_rollup_backfill_and_count_function"),
    ]

    operations = [
        migrations.RunPython(more_shards, fewer_shards),
    ]
