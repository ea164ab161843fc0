"""The daily roll-up reports read holds exactly what the raw clicks add up to."""

import datetime
import io
import random
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from affiliates import days
from affiliates.clicks import queue as click_queue
from affiliates.clicks import rollup
from affiliates.models import (
    Click,
    DailyClickSummary,
    DailyClickTotal,
    DailyVisitor,
    MonthlyClickSummary,
)
from tests.affiliates.reader_clicks import expected_rollup, follow, stored_rollup
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db


def quiet():
    return io.StringIO()


LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def generated_clicks(client, home):
    """About 150 clicks over four days: three links, two pages and none, eight
    readers who come back, and crawlers, all through the real /go/ view."""
    links = AffiliateLinkFactory.create_batch(3)
    pages = [GuidePageFactory(parent=home), GuidePageFactory(parent=home), None]
    rng = random.Random(20261125)  # noqa: S311 - test data, not secrets
    start = datetime.datetime(2026, 3, 28, 0, 15, tzinfo=LONDON)  # spans the clocks going forward
    moments = sorted(
        start + datetime.timedelta(minutes=rng.randrange(4 * 24 * 60)) for _ in range(150)
    )
    for moment in moments:
        follow(
            client,
            rng.choice(links),
            page=rng.choice(pages),
            ip=f"198.51.100.{rng.randrange(8)}",
            bot=rng.random() < 0.2,
            at=moment,
        )
    return links


def test_the_rollup_kept_on_each_click_matches_the_raw_clicks(generated_clicks):
    expected = expected_rollup()

    assert stored_rollup() == expected
    assert sum(clicks for clicks, *_ in expected.values()) == Click.objects.count() == 150
    # The data exercises what the counts are about.
    assert any(bots for _, bots, *_ in expected.values())
    assert any(readers < clicks - bots for clicks, bots, readers, _ in expected.values())


def test_rebuilding_from_raw_clicks_gives_the_same_rollup(generated_clicks):
    kept_on_insert = stored_rollup()
    DailyClickSummary.objects.filter(clicks__gt=2).update(clicks=999, unique_visitors=0)
    DailyClickSummary.objects.filter(page_key=0).delete()

    call_command("rebuild_click_rollup", stdout=quiet())

    assert stored_rollup() == kept_on_insert == expected_rollup()


def test_rebuilding_twice_changes_nothing(generated_clicks):
    call_command("rebuild_click_rollup", stdout=quiet())
    first = stored_rollup()

    call_command("rebuild_click_rollup", stdout=quiet())

    assert stored_rollup() == first == expected_rollup()


def test_rebuilding_a_date_range_leaves_the_other_days_alone(generated_clicks):
    DailyClickSummary.objects.update(clicks=999)

    call_command("rebuild_click_rollup", "--from=2026-03-29", "--to=2026-03-30", stdout=quiet())

    def in_range(key):
        return datetime.date(2026, 3, 29) <= key[0] <= datetime.date(2026, 3, 30)

    # (Only the daily roll-up was spoilt, so the monthly one does not match it.)
    stored, expected = stored_rollup(check=False), expected_rollup()
    assert {key: row for key, row in stored.items() if in_range(key)} == {
        key: row for key, row in expected.items() if in_range(key)
    }
    assert all(row[0] == 999 for key, row in stored.items() if not in_range(key))
    assert any(not in_range(key) for key in stored)


def test_the_rebuild_command_says_what_it_did(generated_clicks, capsys):
    call_command("rebuild_click_rollup", "--from=2026-03-28", "--to=2026-03-31")

    output = capsys.readouterr().out
    assert "Rebuilt the click roll-up for 2026-03-28 to 2026-03-31 (4 days)" in output


def test_a_reader_is_one_unique_visitor_per_day_link_and_page(client, home):
    link, other_link = AffiliateLinkFactory.create_batch(2)
    guide = GuidePageFactory(parent=home)
    monday = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)

    for minutes in range(3):
        follow(client, link, page=guide, at=monday + datetime.timedelta(minutes=minutes))
    follow(client, link, at=monday)  # no page
    follow(client, other_link, page=guide, at=monday)
    follow(client, link, page=guide, at=monday + datetime.timedelta(days=1))

    rows = stored_rollup()
    assert rows[(monday.date(), link.pk, guide.pk)] == (3, 0, 1, 1)
    assert rows[(monday.date(), link.pk, 0)] == (1, 0, 1, 1)
    assert rows[(monday.date(), other_link.pk, guide.pk)] == (1, 0, 1, 1)
    assert rows[(monday.date() + datetime.timedelta(days=1), link.pk, guide.pk)] == (1, 0, 1, 1)


def test_a_prefetch_then_a_real_click_is_one_visitor_with_one_bot_click(client):
    link = AffiliateLinkFactory()
    when = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)

    follow(client, link, at=when, HTTP_SEC_PURPOSE="prefetch")
    follow(client, link, at=when)

    assert stored_rollup() == {(when.date(), link.pk, 0): (2, 1, 1, 1)}


def test_a_crawler_counts_as_a_bot_click_and_a_visitor_only_with_bots(client):
    link = AffiliateLinkFactory()
    when = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)

    follow(client, link, at=when, bot=True)
    follow(client, link, at=when, bot=True)

    assert stored_rollup() == {(when.date(), link.pk, 0): (2, 2, 0, 1)}


def test_a_click_from_a_draft_page_is_counted_without_a_page(client, home):
    link = AffiliateLinkFactory()
    draft = GuidePageFactory(parent=home, publish=False)
    when = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)

    follow(client, link, page=draft, at=when)

    assert stored_rollup() == {(when.date(), link.pk, 0): (1, 0, 1, 1)}


def test_visitor_keys_are_kept_only_while_their_day_can_get_clicks(client):
    link = AffiliateLinkFactory()
    today = days.site_today()
    for days_ago in (0, 1, 2, 5):
        when = datetime.datetime.combine(
            today - datetime.timedelta(days=days_ago), datetime.time(12), LONDON
        )
        follow(client, link, at=when)

    rollup.forget_old_visitors()

    assert sorted(set(DailyVisitor.objects.values_list("day", flat=True))) == [
        today - datetime.timedelta(days=1),
        today,
    ]


@pytest.mark.django_db(transaction=True)
def test_when_the_rollup_fails_the_reader_is_redirected_nothing_is_half_counted_and_nothing_lost(
    client, caplog
):
    link = AffiliateLinkFactory()
    follow(client, link)
    table = DailyClickSummary._meta.db_table
    with connection.cursor() as cursor:
        # The roll-up's table is gone: a real database error, half-way through a click.
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
        try:
            response = follow(client, link)
        finally:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")

    assert response["Location"] == link.destination_url
    assert "spooled it" in caplog.text
    assert Click.objects.count() == 1  # the second click went with its roll-up…
    assert stored_rollup() == expected_rollup()
    # …into the spool, from which it is written, with its roll-up, once the table is back.
    time.sleep(click_queue.SPOOL_SETTLE_SECONDS)
    assert click_queue.drain_spool() == 1
    assert Click.objects.count() == 2
    assert stored_rollup() == expected_rollup()


def test_a_deleted_pages_clicks_move_to_no_page_like_its_raw_clicks(generated_clicks, home):
    guide = home.get_children().first()
    assert DailyClickSummary.objects.filter(page_key=guide.pk).exists()

    guide.delete()

    assert not DailyClickSummary.objects.filter(page_key=guide.pk).exists()
    assert stored_rollup() == expected_rollup()
    call_command("rebuild_click_rollup", stdout=quiet())
    assert stored_rollup() == expected_rollup()


def test_a_deleted_pages_pruned_days_are_added_to_no_page(client, home):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=home)
    long_ago = datetime.datetime.combine(
        days.site_today() - datetime.timedelta(days=200), datetime.time(12), LONDON
    )
    follow(client, link, page=guide, ip="198.51.100.1", at=long_ago)
    follow(client, link, page=guide, ip="198.51.100.2", at=long_ago)
    follow(client, link, ip="198.51.100.3", at=long_ago)
    follow(client, link, page=guide)
    call_command("prune_clicks", "--days=90", stdout=quiet())

    guide.delete()

    assert stored_rollup() == {
        (long_ago.date(), link.pk, 0): (3, 0, 3, 3),
        (days.site_today(), link.pk, 0): (1, 0, 1, 1),
    }


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-01-15", "2026-04-10"),
        ("2026-02-01", "2026-03-31"),
        ("2026-02-01", "2026-02-28"),
        ("2026-03-05", "2026-03-05"),
        ("2025-12-31", "2026-01-01"),
        ("2026-01-01", "2026-12-31"),
    ],
)
def test_a_range_is_split_into_whole_months_and_days_covering_each_day_once(first, last):
    first, last = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)

    months, day_ranges = rollup.split_range(first, last)

    covered = [
        day
        for month in months
        for day in days.days_in(month, days.next_month(month) - datetime.timedelta(days=1))
    ] + [day for start, end in day_ranges for day in days.days_in(start, end)]
    assert sorted(covered) == list(days.days_in(first, last))
    assert all(month.day == 1 for month in months)


def test_report_totals_from_months_and_days_equal_the_raw_clicks(client):
    link, other = AffiliateLinkFactory.create_batch(2)
    rng = random.Random(7)  # noqa: S311 - test data
    start = datetime.datetime(2026, 1, 10, 12, tzinfo=LONDON)
    for offset in sorted(rng.sample(range(120), 40)):
        follow(
            client,
            rng.choice([link, other]),
            ip=f"198.51.100.{rng.randrange(3)}",
            bot=rng.random() < 0.2,
            at=start + datetime.timedelta(days=offset),
        )
    raw = expected_rollup()

    for first, last in [("2026-01-10", "2026-05-09"), ("2026-02-01", "2026-03-31")]:
        first, last = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
        for include_bots in (False, True):
            totals = rollup.range_totals("link", first, last, include_bots=include_bots)
            expected = {}
            for (day, link_id, _), (clicks, bots, readers, everyone) in raw.items():
                if first <= day <= last:
                    row = expected.setdefault(link_id, [0, 0, 0])
                    row[0] += clicks if include_bots else clicks - bots
                    row[1] += everyone if include_bots else readers
                    row[2] += bots
            assert {
                key: [c["clicks"], c["unique_visitors"], c["bot_clicks"]]
                for key, c in totals.items()
            } == expected


def test_compacting_merges_past_shards_and_keeps_the_totals(client):
    link = AffiliateLinkFactory()
    today = days.site_today()
    yesterday = datetime.datetime.combine(
        today - datetime.timedelta(days=1), datetime.time(12), LONDON
    )
    follow(client, link, at=yesterday)
    follow(client, link)
    # As if simultaneous clicks on other connections had counted in other shards.
    for shard in (3, 5):
        follow(client, link, ip=f"198.51.100.{shard}", at=yesterday)
        follow(client, link, ip=f"198.51.100.{shard}")
        for model in (DailyClickSummary, MonthlyClickSummary, DailyClickTotal):
            newest = model.objects.filter(shard=0).order_by("-pk")[:2]
            model.objects.filter(pk__in=[row.pk for row in newest]).update(shard=shard)
    before = stored_rollup(check=False)

    rollup.compact()

    assert stored_rollup(check=False) == before
    past = DailyClickSummary.objects.filter(day__lt=today)
    assert list(past.values_list("shard", flat=True)) == [0]
    assert DailyClickTotal.objects.filter(day__lt=today, shard__gt=0).count() == 0


def test_deleting_a_link_takes_its_clicks_out_of_the_day_totals(client):
    link, other = AffiliateLinkFactory.create_batch(2)
    follow(client, link)
    follow(client, other)

    link.delete()

    assert stored_rollup() == expected_rollup()
    assert DailyClickTotal.objects.get().clicks == 1
