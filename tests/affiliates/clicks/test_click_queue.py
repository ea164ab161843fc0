"""The click queue: a click costs the reader one Redis round trip, and the worker writes
it exactly once, with its totals. Against a Redis of the test's own (tests/servers.py)."""

import datetime

import pytest
import redis
from django.db.models import Sum
from django.utils import timezone
from freezegun import freeze_time

from affiliates.clicks import queue as click_queue
from affiliates.models import Click, DailyClickTotal
from tests.factories import AffiliateLinkFactory, GuidePageFactory, browser_headers, signed_from

pytest_plugins = ["tests.servers"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_url(redis_server, settings):
    redis_server.flush()
    settings.CLICK_QUEUE_URL = redis_server.url(db=3)
    yield settings.CLICK_QUEUE_URL
    click_queue.queue().down_until = 0.0


@pytest.fixture
def queue(queue_url):
    client = redis.Redis.from_url(queue_url)
    yield client
    client.close()


def follow(client, link, query="", **headers):
    response = client.get(f"/go/{link.slug}/{query}", **browser_headers(**headers))
    assert response.status_code == 302
    return response


def total_clicks():
    return DailyClickTotal.objects.aggregate(clicks=Sum("clicks"))["clicks"] or 0


def test_a_click_waits_in_the_queue_until_the_worker_writes_it_with_its_own_time(
    client, queue, home
):
    guide = GuidePageFactory(parent=home)
    link = AffiliateLinkFactory()
    clicked = timezone.now() - datetime.timedelta(minutes=3)
    with freeze_time(clicked):
        follow(client, link, f"?from={signed_from(guide, link)}")

    assert not Click.objects.exists()
    assert queue.llen(click_queue.queue_key()) == 1

    worker = click_queue.Worker(name="test")
    worker.run(until_empty=True)

    click = Click.objects.get()
    assert (click.page_id, click.clicked_at) == (guide.pk, clicked)
    assert total_clicks() == 1
    assert queue.llen(click_queue.queue_key()) == 0


def test_a_queued_click_on_a_cached_link_needs_no_database_at_all(
    client, queue, django_assert_num_queries
):
    link = AffiliateLinkFactory()
    follow(client, link)  # the link is now cached

    with django_assert_num_queries(0):
        follow(client, link)

    assert queue.llen(click_queue.queue_key()) == 2


def test_while_redis_is_down_clicks_are_written_to_the_database_at_once(
    client, queue, redis_server
):
    link = AffiliateLinkFactory()
    follow(client, link)
    click_queue.Worker(name="test").run(until_empty=True)

    with redis_server.stopped():
        for _ in range(3):
            follow(client, link)
        assert Click.objects.count() == 4

    assert total_clicks() == 4


def test_a_worker_that_dies_after_committing_a_batch_counts_nothing_twice(
    client, queue, monkeypatch
):
    link = AffiliateLinkFactory()
    for _ in range(5):
        follow(client, link, REMOTE_ADDR="198.51.100.1")
    doomed = click_queue.Worker(name="same-host")
    real_delete = redis.Redis.delete

    def die_before_acknowledging(self, *keys):
        raise SystemExit("killed between COMMIT and acknowledging the batch")

    monkeypatch.setattr(redis.Redis, "delete", die_before_acknowledging)
    with pytest.raises(SystemExit):
        doomed.run_once(block=False)
    monkeypatch.setattr(redis.Redis, "delete", real_delete)
    assert Click.objects.count() == 5  # committed, but still in the worker's own list

    click_queue.Worker(name="same-host").run(until_empty=True)

    assert Click.objects.count() == 5
    assert total_clicks() == 5
    assert queue.llen(click_queue.processing_key("same-host")) == 0


def test_the_per_address_limit_is_counted_in_redis_across_processes(client, queue, settings):
    settings.CLICK_HUMAN_LIMIT_PER_HOUR = 3
    link = AffiliateLinkFactory()
    for _ in range(5):
        follow(client, link)

    click_queue.Worker(name="test").run(until_empty=True)

    assert Click.objects.filter(is_bot=False).count() == 3
    assert Click.objects.filter(is_bot=True).count() == 2
    assert any(b":rate:" in key for key in queue.keys("*"))


def test_a_queued_item_that_is_not_a_click_is_dropped_and_the_rest_written(client, queue):
    link = AffiliateLinkFactory()
    follow(client, link)
    queue.rpush(click_queue.queue_key(), b"0{not json", b"0[1,2]")
    follow(client, link)

    click_queue.Worker(name="test").run(until_empty=True)

    assert Click.objects.count() == 2
    assert queue.llen(click_queue.queue_key()) == 0
