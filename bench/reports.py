"""Benchmark the click reports at scale: a million clicks, the roll-up, every report page.

    make bench-reports              # or: uv run python bench/reports.py --help

On PostgreSQL (127.0.0.1:5432, user postgres unless --postgres says otherwise) it
recreates the ``careersite_bench_reports`` database, migrates it, adds 20 partners,
200 affiliate links and 500 pages, then generates 1,000,000 clicks spread over the
last 365 days in one INSERT ... SELECT over generate_series: popular links get more
clicks, each link sits on a handful of pages (10% of clicks come from no page),
readers come back within a day, 12% are bots. Then it times:

- rebuilding the roll-ups from those raw clicks (``rollup.rebuild``), then letting
  VACUUM ANALYZE run as autovacuum would;
- each report query (per link, partner and page; bots out and in; 7, 30, 90 and
  365 days), the clicks-per-day query, the dashboard's and a link's own queries;
- rendering each report page through Django's test client as a superuser, the
  dashboard and a link's inspect view (DEBUG off).

Every timing is the median of --repeat runs after one warm-up. The target is under
200 ms for every report page. ``--readme`` writes the table into README.md between
the ``bench-reports`` markers. The database is dropped afterwards unless --keep.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
README = PROJECT / "README.md"
BEGIN, END = "<!-- bench-reports:begin -->", "<!-- bench-reports:end -->"
DATABASE = "careersite_bench_reports"
TARGET_MS = 200

CLICKS = 1_000_000
LINKS = 200
PAGES = 500
PARTNERS = 20
DAYS = 365


def log(message):
    print(f"bench-reports: {message}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--clicks", type=int, default=CLICKS)
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--readme", action="store_true", help="write the results into README.md")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a --keep run left (no new data)"
    )
    return parser.parse_args()


def admin_connection(server):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def recreate_database(server, database=DATABASE):
    with admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')


def drop_database(server, database=DATABASE):
    from django.db import connections

    connections.close_all()
    with admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def setup_django(server, database=DATABASE, cache_url=None):
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "careersite.settings.dev"
    os.environ["DEBUG"] = "false"  # no query log: what a deployment does
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CACHE_URL", None)
    if cache_url:
        os.environ["CACHE_URL"] = cache_url
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Plain static file names (the benchmark measures reports, not collectstatic), and
    # the test client's host name.
    override_settings(
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()


def timed(function, repeat):
    """Median milliseconds of ``repeat`` calls after a warm-up call, and its result."""
    result = function()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), result


def build_site():
    """Partners, links and pages, the things clicks point at."""
    from django.core.management import call_command

    from guides.models import HomePage, StandardPage

    call_command("migrate", verbosity=0)
    call_command("load_demo_content", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    add_partners_and_links()
    home = HomePage.objects.get()
    have = StandardPage.objects.count()
    for n in range(have, PAGES):
        home.add_child(
            instance=StandardPage(
                title=f"Bench page {n:03}", slug=f"bench-{n:03}", body="<p>Bench.</p>"
            )
        )


def add_partners_and_links():
    """The partners and links clicks go to."""
    from affiliates.models import AffiliateLink, Partner

    partners = Partner.objects.bulk_create(
        Partner(name=f"Bench partner {n:02}") for n in range(PARTNERS)
    )
    AffiliateLink.objects.bulk_create(
        AffiliateLink(
            name=f"Bench offer {n:03}",
            slug=f"bench-offer-{n:03}",
            destination_url=f"https://partner{n % PARTNERS}.example.com/offer/{n}",
            partner=partners[n % PARTNERS] if n % 10 else None,
        )
        for n in range(LINKS)
    )


GENERATE_CLICKS = """
WITH links AS (SELECT array_agg(id ORDER BY id) AS ids FROM affiliates_affiliatelink),
     pages AS (SELECT array_agg(id ORDER BY id) AS ids FROM wagtailcore_page WHERE depth > 2),
     draws AS (
        SELECT n,
               now() - random() * interval '%(days)s days' AS clicked_at,
               floor(power(random(), 2) * %(links)s)::int AS link_index,
               floor(random() * 5)::int AS page_slot,
               random() < 0.1 AS no_page,
               floor(random() * 4000)::int AS visitor,
               random() < 0.12 AS is_bot
        FROM generate_series(1, %(clicks)s) AS n
     )
INSERT INTO affiliates_click (link_id, page_id, visitor_key, is_bot, clicked_at)
SELECT links.ids[link_index + 1],
       CASE WHEN no_page THEN NULL
            ELSE pages.ids[((link_index * 37 + page_slot) %% cardinality(pages.ids)) + 1] END,
       md5(clicked_at::date::text || ':' || visitor::text) || md5(visitor::text),
       is_bot,
       clicked_at
FROM draws, links, pages
"""


def generate_clicks(count, days=DAYS):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(GENERATE_CLICKS, {"days": days, "links": LINKS, "clicks": count})
        cursor.execute("ANALYZE affiliates_click")


def rebuild_rollup():

    from affiliates.clicks import rollup

    result = rollup.rebuild()
    return result


def settle():
    """What autovacuum would soon do after a bulk load: fresh statistics, visibility map."""
    from django.db import connection

    from affiliates.models import (
        DailyClickSummary,
        DailyClickTotal,
        DailyPlacementClicks,
        MonthlyClickSummary,
        MonthlyPlacementClicks,
    )

    rollups = (
        DailyClickSummary,
        MonthlyClickSummary,
        DailyClickTotal,
        DailyPlacementClicks,
        MonthlyPlacementClicks,
    )
    with connection.cursor() as cursor:
        for model in rollups:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def check_rollup():
    from django.db.models import Sum

    from affiliates.models import Click, DailyClickSummary

    totals = DailyClickSummary.objects.aggregate(clicks=Sum("clicks"), bots=Sum("bot_clicks"))
    raw = Click.objects.count(), Click.objects.filter(is_bot=True).count()
    if (totals["clicks"], totals["bots"]) != raw:
        raise SystemExit(f"the roll-up does not add up to the raw clicks: {totals} != {raw}")
    return DailyClickSummary.objects.count()


def ranges():
    from affiliates.days import site_today

    today = site_today()
    return {days: (today - datetime.timedelta(days=days - 1), today) for days in (7, 30, 90, 365)}


def time_queries(repeat):
    from affiliates.clicks.rollup import clicks_per_day
    from affiliates.models import AffiliateLink, DailyClickSummary
    from affiliates.reports.queries import Grouping, LinkClicks, report_rows, top_movers

    rows = []
    for days, (first, last) in ranges().items():
        for grouping in Grouping:
            for bots in (False, True):
                ms, result = timed(
                    lambda g=grouping, b=bots, f=first, la=last: report_rows(
                        g, f, la, include_bots=b
                    ),
                    repeat,
                )
                label = f"{grouping.label.lower()}, {days} days, bots {'in' if bots else 'out'}"
                rows.append((f"rows per {label}", ms, f"{len(result)} rows"))
        ms, result = timed(lambda f=first, la=last: clicks_per_day(f, la), repeat)
        rows.append((f"clicks per day, {days} days", ms, f"{len(result)} days"))
    ms, _ = timed(lambda: (top_movers("link"), top_movers("page_key")), repeat)
    rows.append(("dashboard: top links and pages", ms, ""))
    busiest = (
        DailyClickSummary.objects.values("link").order_by("-clicks").first() or {"link": None}
    )["link"]
    link = AffiliateLink.objects.get(pk=busiest)
    ms, _ = timed(lambda: LinkClicks(link), repeat)
    rows.append(("a link's last 30 days (busiest link)", ms, ""))
    return rows, link


def time_pages(repeat, link, user=None):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = (
        user
        or get_user_model().objects.get_or_create(
            username="bench-reports", defaults={"is_superuser": True, "is_staff": True}
        )[0]
    )
    client = Client()
    client.force_login(user)
    report = reverse("affiliates_click_report")

    def get(url, query=None):
        def fetch():
            response = client.get(url, query or {})
            if response.status_code != 200:
                raise SystemExit(f"{url} {query}: HTTP {response.status_code}")
            if response.streaming:
                b"".join(response.streaming_content)
            return response

        return fetch

    rows = []
    for days, (first, last) in ranges().items():
        period = (
            {"period": str(days)}
            if days != 365
            else {"period": "custom", "date_from": first.isoformat(), "date_to": last.isoformat()}
        )
        for grouping in ("link", "partner", "page"):
            for bots in (False, True):
                query = {**period, "group_by": grouping, **({"include_bots": "on"} if bots else {})}
                ms, _ = timed(get(report, query), repeat)
                rows.append(
                    (
                        f"report page: per {grouping}, {days} days, bots {'in' if bots else 'out'}",
                        ms,
                    )
                )
    for fmt in ("csv", "xlsx"):
        ms, _ = timed(get(report, {"group_by": "page", "period": "90", "export": fmt}), repeat)
        rows.append((f"{fmt.upper()} export: per page, 90 days", ms))
    ms, _ = timed(get(reverse("wagtailadmin_home")), repeat)
    rows.append(("admin dashboard with the clicks panel", ms))
    inspect = reverse("wagtailsnippets_affiliates_affiliatelink:inspect", args=[link.pk])
    ms, _ = timed(get(inspect), repeat)
    rows.append(("a link's inspect view (busiest link)", ms))
    return rows


def machine():
    import django
    import wagtail
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"Wagtail {wagtail.__version__}, PostgreSQL {postgres}; "
        f"load average before: {load:.2f}"
    )


def markdown(setup, queries, pages, summary_rows, load):
    lines = [
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by "
        "`make bench-reports`; median of the runs after a warm-up. "
        f"{load}.",
        "",
        "| Setup | Time |",
        "| --- | ---: |",
        *(f"| {what} | {value} |" for what, value in setup),
        "",
        f"Report pages (target: under {TARGET_MS} ms each), rendered through Django's test "
        "client as a superuser, DEBUG off:",
        "",
        "| Page | ms | Under target? |",
        "| --- | ---: | --- |",
        *(f"| {what} | {ms:.1f} | {'yes' if ms < TARGET_MS else '**no**'} |" for what, ms in pages),
        "",
        f"The queries behind them (roll-up: {summary_rows:,} rows):",
        "",
        "| Query | ms | Result |",
        "| --- | ---: | --- |",
        *(f"| {what} | {ms:.1f} | {result} |" for what, ms, result in queries),
    ]
    return "\n".join(lines)


def write_between_markers(path, begin, end, text):
    """Replace what lies between the ``begin`` and ``end`` markers in the file at ``path``."""
    document = path.read_text()
    if begin not in document or end not in document:
        raise SystemExit(f"{path.name} has no {begin} … {end} markers")
    before, rest = document.split(begin, 1)
    _, after = rest.split(end, 1)
    path.write_text(f"{before}{begin}\n{text}\n{end}{after}")
    log(f"wrote the results into {path.relative_to(PROJECT)}")


def main():
    args = parse_args()
    if not args.reuse:
        log(f"recreating database {DATABASE}")
        recreate_database(args.postgres)
    setup_django(args.postgres)
    try:
        load = machine()
        setup = []
        if not args.reuse:
            start = time.perf_counter()
            build_site()
            setup.append(
                (
                    "migrate, demo content, 200 links, 500 pages",
                    f"{time.perf_counter() - start:.1f} s",
                )
            )
            log(f"generating {args.clicks:,} clicks")
            start = time.perf_counter()
            generate_clicks(args.clicks)
            setup.append(
                (
                    f"generate {args.clicks:,} raw clicks (SQL)",
                    f"{time.perf_counter() - start:.1f} s",
                )
            )
        log("rebuilding the roll-up")
        start = time.perf_counter()
        result = rebuild_rollup()
        setup.append(
            (
                f"rebuild_click_rollup, all {result.days} days",
                f"{time.perf_counter() - start:.1f} s",
            )
        )
        summary_rows = check_rollup()
        settle()
        log("timing the queries")
        queries, link = time_queries(args.repeat)
        log("timing the pages")
        pages = time_pages(args.repeat, link)
        text = markdown(setup, queries, pages, summary_rows, load)
        print(text)
        slow = [what for what, ms in pages if ms >= TARGET_MS]
        if slow:
            log(f"over {TARGET_MS} ms: {', '.join(slow)}")
        if args.readme:
            write_between_markers(README, BEGIN, END, text)
    finally:
        if args.keep:
            log(f"kept database {DATABASE}")
        else:
            drop_database(args.postgres)
            log(f"dropped database {DATABASE}")


if __name__ == "__main__":
    main()
