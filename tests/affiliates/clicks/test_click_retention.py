"""prune_clicks deletes old raw clicks; the daily totals reports read stay as they were."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from affiliates.days import site_today
from affiliates.models import Click, DailyClickSummary
from tests.affiliates.reader_clicks import days_ago, expected_rollup, follow, stored_rollup
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def history(client, home):
    """Clicks 0 to 120 days old, from a guide and from nowhere, readers and a crawler."""
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=home)
    for age in (120, 95, 91, 90, 89, 30, 1, 0):
        follow(client, link, page=guide, ip="198.51.100.1", at=days_ago(age))
        follow(client, link, ip="198.51.100.2", at=days_ago(age, 23, 30))
        follow(client, link, bot=True, at=days_ago(age, 0, 30))
    return link


def prune(*args):
    out = io.StringIO()
    call_command("prune_clicks", *args, stdout=out)
    return out.getvalue()


def test_only_raw_clicks_older_than_the_retention_period_are_deleted(history):
    prune("--days=90")

    oldest_kept = min(Click.objects.values_list("clicked_at", flat=True))
    assert timezone.localtime(oldest_kept, LONDON).date() == site_today() - datetime.timedelta(
        days=90
    )
    assert Click.objects.count() == 5 * 3


def test_the_rollup_totals_do_not_change(history):
    before = stored_rollup()
    assert before == expected_rollup()

    prune("--days=90")

    assert stored_rollup() == before


def test_days_missing_from_the_rollup_are_rolled_up_before_their_clicks_go(history):
    before = stored_rollup()
    old_day = site_today() - datetime.timedelta(days=95)
    DailyClickSummary.objects.filter(day=old_day).delete()
    DailyClickSummary.objects.filter(day__lt=old_day).update(clicks=1000)

    prune("--days=90")

    assert stored_rollup() == before


def test_it_says_how_many_clicks_it_deleted_and_from_which_days(history):
    output = prune("--days=90")

    first = site_today() - datetime.timedelta(days=120)
    last = site_today() - datetime.timedelta(days=91)
    assert f"Deleted 9 raw clicks from {first:%Y-%m-%d} to {last:%Y-%m-%d}" in output


def test_running_it_again_deletes_nothing(history):
    prune("--days=90")

    output = prune("--days=90")

    assert "No raw clicks older than 90 days" in output
    assert Click.objects.count() == 15


def test_a_dry_run_deletes_nothing(history):
    output = prune("--days=90", "--dry-run")

    assert "Would delete 9 raw clicks" in output
    assert Click.objects.count() == 24


@override_settings(CLICK_RETENTION_DAYS=30)
def test_the_default_period_comes_from_the_click_retention_days_setting(history):
    prune()

    assert Click.objects.count() == 3 * 3  # 30, 1 and 0 days old


def test_at_least_one_day_is_kept(history):
    with pytest.raises(CommandError, match="at least 1"):
        prune("--days=0")


def test_rebuilding_after_pruning_keeps_the_pruned_days(history):
    before = stored_rollup()
    prune("--days=90")

    call_command("rebuild_click_rollup", stdout=io.StringIO())

    assert stored_rollup() == before
