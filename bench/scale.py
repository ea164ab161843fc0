"""Benchmark the site at scale: 10,000 guides, ten million clicks.

    make bench-scale              # or: uv run python bench/scale.py --help

On PostgreSQL (127.0.0.1:5432, user postgres unless --postgres says otherwise) and Redis
(127.0.0.1:6379, database 14, emptied first), it recreates the ``careersite_bench_scale``
database, migrates it, loads the demo content and adds 50 sections of 200 guides each
(10,000 guides; three of them link to the guide that will be published, as Wagtail's
reference index records). Then it measures:

- **Targeted invalidation.** It warms the page cache with the published guide's
  neighbourhood and 1,000 unrelated guides from other sections, publishes an older
  guide (an edited summary, through Wagtail's revision publish, as the admin does),
  and counts the addresses the publish retired and the unrelated pages that miss
  afterwards (target 0), and how long the publish took.
- **Sitemap parts**: each part of the sitemap rendered afresh (page cache off).
- **Reports at ten million clicks** spread over 400 days and every page: the raw
  clicks in one INSERT … SELECT, the roll-up rebuilt, then every click report page
  and export and the admin dashboard with its clicks panel (``bench/reports.py``'s
  timings), each the median of --repeat runs after a warm-up.

It writes a table between the ``scale`` markers in docs/performance.md (--no-write to
leave it) and drops the database afterwards unless --keep. About 12 minutes on two cores.
"""

import argparse
import datetime
import os
import random
import statistics
import time
from pathlib import Path

import reports  # bench/reports.py: the database, Django and report timings

PROJECT = Path(__file__).resolve().parents[1]
PERFORMANCE = PROJECT / "docs" / "performance.md"
BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"
DATABASE = "careersite_bench_scale"
CACHE_URL = "redis://127.0.0.1:6379/14"

SECTIONS = 50
GUIDES_PER_SECTION = 200
WARM_UNRELATED = 1_000
CLICKS = 10_000_000
DAYS = 400
REFERRERS = 3

REPORT_TARGET_MS = 200
PANEL_TARGET_MS = 50
SITEMAP_TARGET_MS = 200
INVALIDATED_TARGET = 50


def log(message):
    print(f"bench-scale: {message}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--cache", default=CACHE_URL, help="a Redis database it may empty")
    parser.add_argument("--clicks", type=int, default=CLICKS)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--no-write", action="store_true", help="leave docs/performance.md")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def build_guides():
    """50 sections of 200 guides, first published over the last 400 days."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from guides.models import GuidePage, HomePage, SectionPage

    call_command("migrate", verbosity=0)
    call_command("load_demo_content", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    reports.add_partners_and_links()
    home = HomePage.objects.get()
    now = timezone.now()
    randomness = random.Random(16)  # noqa: S311 (publish dates, nothing secret)
    with transaction.atomic():
        for s in range(SECTIONS):
            section = home.add_child(
                instance=SectionPage(title=f"Scale section {s:02}", slug=f"scale-{s:02}")
            )
            for g in range(GUIDES_PER_SECTION):
                published = now - datetime.timedelta(days=randomness.uniform(1, DAYS))
                section.add_child(
                    instance=GuidePage(
                        title=f"Scale guide {s:02}-{g:03}",
                        slug=f"guide-{g:03}",
                        summary="A guide among ten thousand.",
                        intro="<p>Why this matters.</p>",
                        first_published_at=published,
                        last_published_at=published,
                    )
                )
    return GuidePage.objects.filter(title__startswith="Scale guide").count()


def target_and_referrers():
    """An older guide in the middle of a section, and three guides elsewhere linking to it."""
    from wagtail.models import ReferenceIndex

    from guides.models import GuidePage

    guides = GuidePage.objects.filter(title__startswith="Scale guide 07-")
    newest = set(guides.order_by("-first_published_at").values_list("pk", flat=True)[:4])
    target = next(
        guide for guide in guides.order_by("first_published_at")[50:] if guide.pk not in newest
    )
    referrers = list(GuidePage.objects.filter(title__startswith="Scale guide 31-")[:REFERRERS])
    for referrer in referrers:
        referrer.intro = f'<p>See <a linktype="page" id="{target.pk}">this guide</a>.</p>'
        referrer.save_revision().publish()
        ReferenceIndex.create_or_update_for_object(referrer)
    return target, referrers


def measure_invalidation(target):
    from django.core.cache import cache
    from django.test import Client

    from guides.models import GuidePage
    from guides.signal_handlers import pages_showing

    cache.clear()
    client = Client()
    retired_paths = pages_showing(target)
    related = [path for path in retired_paths if client.get(path).status_code == 200]
    unrelated = list(
        GuidePage.objects.live()
        .filter(title__startswith="Scale guide")
        .exclude(title__startswith="Scale guide 07-")
        .exclude(title__startswith="Scale guide 31-")
        .order_by("?")[:WARM_UNRELATED]
    )
    urls = [guide.url for guide in unrelated]
    for url in [*related, *urls]:
        client.get(url)
    warm = sum(client.get(url)["X-Page-Cache"] == "HIT" for url in urls)
    if warm != len(urls):
        raise SystemExit(f"only {warm} of {len(urls)} unrelated pages were cached")
    related_hits = sum(client.get(path).get("X-Page-Cache") == "HIT" for path in related)

    target.summary = "Edited at scale."
    revision = target.save_revision()
    start = time.perf_counter()
    revision.publish()
    publish_ms = (time.perf_counter() - start) * 1000

    missed = sum(client.get(url)["X-Page-Cache"] == "MISS" for url in urls)
    related_missed = sum(client.get(path).get("X-Page-Cache") == "MISS" for path in related)
    if related_missed != related_hits:
        raise SystemExit(
            f"{related_hits} pages showing the guide were cached, {related_missed} missed"
        )
    return len(retired_paths), missed, publish_ms, len(related)


def measure_sitemap():
    from django.test import Client
    from django.test.utils import override_settings

    with override_settings(PAGE_CACHE_SECONDS=0):
        client = Client()
        index = client.get("/sitemap.xml").content.decode()
        parts = [
            location.split("</loc>")[0].split("/", 3)[3] for location in index.split("<loc>")[1:]
        ]
        timings = []
        for part in parts:
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                response = client.get(f"/{part}")
                runs.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"/{part}: HTTP {response.status_code}")
            timings.append(statistics.median(runs))
    return len(parts), max(timings)


def measure_reports(clicks, repeat):
    log(f"generating {clicks:,} clicks over {DAYS} days")
    start = time.perf_counter()
    reports.generate_clicks(clicks, days=DAYS)
    generate_s = time.perf_counter() - start
    log("rebuilding the roll-up")
    start = time.perf_counter()
    reports.rebuild_rollup()
    rollup_s = time.perf_counter() - start
    reports.check_rollup()
    reports.settle()
    log("timing the queries and pages")
    queries, link = reports.time_queries(repeat)
    pages = reports.time_pages(repeat, link)
    panel_ms = next(ms for what, ms, _ in queries if what.startswith("dashboard"))
    dashboard_page_ms = next(ms for what, ms in pages if what.startswith("admin dashboard"))
    report_pages = [(what, ms) for what, ms in pages if not what.startswith("admin dashboard")]
    slowest = max(report_pages, key=lambda row: row[1])
    return generate_s, rollup_s, slowest, panel_ms, dashboard_page_ms


def verdict(ok):
    return "yes" if ok else "**no**"


def markdown(results, load, elapsed):
    rows = [
        (
            "pages invalidated by one publish",
            f"{results['retired']}",
            f"≤ {INVALIDATED_TARGET}",
            results["retired"] <= INVALIDATED_TARGET,
        ),
        (
            "other warm pages that missed after a publish",
            f"{results['missed']} of {WARM_UNRELATED:,}",
            "0",
            results["missed"] == 0,
        ),
        ("publish time (ms)", f"{results['publish_ms']:.0f}", "", None),
        (
            "slowest report page at 10M clicks (ms)",
            f"{results['slowest'][1]:.0f} ({results['slowest'][0]})",
            f"< {REPORT_TARGET_MS}",
            results["slowest"][1] < REPORT_TARGET_MS,
        ),
        (
            "dashboard panel at 10M clicks (ms)",
            f"{results['panel_ms']:.0f} (whole dashboard page: {results['dashboard_ms']:.0f})",
            f"< {PANEL_TARGET_MS}",
            results["panel_ms"] < PANEL_TARGET_MS,
        ),
        (
            "slowest sitemap part (ms)",
            f"{results['sitemap_ms']:.0f} (of {results['sitemap_parts']} parts)",
            f"< {SITEMAP_TARGET_MS}",
            results["sitemap_ms"] < SITEMAP_TARGET_MS,
        ),
    ]
    lines = [
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `make "
        f"bench-scale` in {elapsed / 60:.0f} min: {results['guides']:,} guides in "
        f"{SECTIONS} sections, {results['clicks']:,} clicks over {DAYS} days "
        f"(generated in {results['generate_s']:.0f} s, roll-up rebuilt in "
        f"{results['rollup_s']:.0f} s). {load}. The publish retired "
        f"{results['retired']} addresses, {results['related']} of them pages that exist.",
        "",
        "| What | Measured | Target | Met? |",
        "| --- | --- | --- | --- |",
        *(
            f"| {what} | {value} | {target} | {'' if ok is None else verdict(ok)} |"
            for what, value, target, ok in rows
        ),
    ]
    return "\n".join(lines)


def main():
    args = parse_args()
    started = time.perf_counter()
    log(f"recreating database {DATABASE}")
    reports.recreate_database(args.postgres, DATABASE)
    reports.setup_django(args.postgres, DATABASE, cache_url=args.cache)
    try:
        load = reports.machine()
        log(f"building {SECTIONS * GUIDES_PER_SECTION:,} guides")
        start = time.perf_counter()
        guides = build_guides()
        log(f"built {guides:,} guides in {time.perf_counter() - start:.0f} s")
        target, _referrers = target_and_referrers()
        log("measuring invalidation")
        retired, missed, publish_ms, related = measure_invalidation(target)
        log(f"retired {retired} addresses; {missed} unrelated pages missed; {publish_ms:.0f} ms")
        log("timing the sitemap parts")
        sitemap_parts, sitemap_ms = measure_sitemap()
        log(f"{sitemap_parts} sitemap parts; the slowest took {sitemap_ms:.0f} ms")
        generate_s, rollup_s, slowest, panel_ms, dashboard_ms = measure_reports(
            args.clicks, args.repeat
        )
        results = {
            "guides": guides,
            "clicks": args.clicks,
            "retired": retired,
            "missed": missed,
            "publish_ms": publish_ms,
            "related": related,
            "sitemap_parts": sitemap_parts,
            "sitemap_ms": sitemap_ms,
            "generate_s": generate_s,
            "rollup_s": rollup_s,
            "slowest": slowest,
            "panel_ms": panel_ms,
            "dashboard_ms": dashboard_ms,
        }
        text = markdown(results, load, time.perf_counter() - started)
        print(text)
        if not args.no_write:
            reports.write_between_markers(PERFORMANCE, BEGIN, END, text)
    finally:
        from django.core.cache import cache

        cache.clear()
        if args.keep:
            log(f"kept database {DATABASE}")
        else:
            reports.drop_database(args.postgres, DATABASE)
            log(f"dropped database {DATABASE}")


if __name__ == "__main__":
    main()
