"""Each app server keeps the pages it has just served from the shared page cache for a
moment (PAGE_CACHE_LOCAL_SECONDS), so a busy page costs no round trip to Redis; a
publish anywhere reaches it within that moment, and at once where it was made."""

import time

import pytest
from django.core.cache import cache

from guides import page_cache
from tests.factories import GuidePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(section):
    return GuidePageFactory(parent=section, intro="<p>Original intro.</p>")


def later(monkeypatch, seconds):
    now = time.monotonic() + seconds
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now)


def test_a_page_just_read_from_the_shared_cache_is_served_without_asking_it_again(client, guide):
    client.get(guide.url)  # rendered and stored
    assert client.get(guide.url)["X-Page-Cache"] == "HIT"  # read from the shared cache
    cache.clear()  # the shared cache forgets everything

    assert client.get(guide.url)["X-Page-Cache"] == "HIT"


def test_without_local_seconds_every_hit_asks_the_shared_cache(client, guide, settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    client.get(guide.url)
    client.get(guide.url)
    cache.clear()

    assert client.get(guide.url)["X-Page-Cache"] == "MISS"


def test_a_publish_on_another_app_server_reaches_readers_here_within_a_second(
    client, guide, monkeypatch
):
    client.get(guide.url)
    client.get(guide.url)
    # What another server's publish leaves in the shared cache: a new version of the path.
    cache.set(page_cache.path_version_key(guide.url), "published-elsewhere", None)
    # The new content, without this process's publish signals.
    type(guide).objects.filter(pk=guide.pk).update(intro="<p>Updated intro.</p>")

    assert client.get(guide.url)["X-Page-Cache"] == "HIT"  # within the second
    later(monkeypatch, 1.5)
    response = client.get(guide.url)
    assert response["X-Page-Cache"] == "MISS"
    assert "Updated intro." in response.content.decode()


def test_a_publish_here_is_seen_here_at_once(client, guide):
    client.get(guide.url)
    client.get(guide.url)
    guide.intro = "<p>Updated intro.</p>"
    guide.save_revision().publish()

    assert "Updated intro." in client.get(guide.url).content.decode()
