"""The PostgreSQL function that counts a click in every roll-up, in one statement.

PostgreSQL keeps the plans of a function's statements per connection; planning the
roll-up writes on every click cost as much again. ``affiliates.clicks.rollup.count_click``
does the same in Python where there is no such function (SQLite); the tests run both.

Migrations create it from here (0006 with 8 shards, 0007 with 64, 0016 with the
placement of the click too), so the SQL is written once. A change to the roll-up
tables needs a new migration that calls ``count_click_function`` again; the SQL here
must keep producing what those migrations installed, so change it only together with
a migration that replaces the function on every database.
"""

COUNT_CLICK_FUNCTION = """
CREATE OR REPLACE FUNCTION affiliates_count_click(
    p_day date, p_month date, p_link bigint, p_page integer, p_key varchar,
    p_bot boolean{placement_parameter}
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_readers integer;
    v_visitors integer;
    v_shard smallint := pg_backend_pid() % {shards};
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
{placement_writes}END
$$;
"""

PLACEMENT_WRITES = """
    INSERT INTO {table} AS t
        ({period}, link_id, page_key, placement, shard, clicks, bot_clicks)
    VALUES (p_{period}, p_link, p_page, p_placement, v_shard, 1, p_bot::integer)
    ON CONFLICT ({period}, link_id, page_key, placement, shard) DO UPDATE SET
        clicks = t.clicks + 1,
        bot_clicks = t.bot_clicks + EXCLUDED.bot_clicks;
"""
_ARGUMENTS = "date, date, bigint, integer, varchar, boolean"

#: How the function is dropped when its first migration is reversed.
DROP_COUNT_CLICK_FUNCTION = f"DROP FUNCTION IF EXISTS affiliates_count_click({_ARGUMENTS})"
#: How the function that also counts placements (migration 0016) is dropped.
DROP_PLACEMENT_COUNT_CLICK_FUNCTION = (
    f"DROP FUNCTION IF EXISTS affiliates_count_click({_ARGUMENTS}, varchar)"
)


def count_click_function(shards, *, placements=False):
    """CREATE OR REPLACE the function, spreading each connection's counts over
    ``shards`` rows (``pg_backend_pid() % shards``); with ``placements``, it takes the
    click's placement too and counts it in the placement roll-ups."""
    writes = "".join(
        PLACEMENT_WRITES.format(period=period, table=f"affiliates_{table}placementclicks")
        for period, table in (("day", "daily"), ("month", "monthly"))
    )
    return COUNT_CLICK_FUNCTION.format(
        shards=int(shards),
        placement_parameter=", p_placement varchar" if placements else "",
        placement_writes=writes if placements else "",
    )
