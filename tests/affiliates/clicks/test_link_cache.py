"""A change to a link or its partner reaches the redirect, even when the shared cache
was unreachable at the moment of the change."""

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from affiliates.clicks import link_cache
from tests.factories import AffiliateLinkFactory, PartnerFactory, browser_headers

pytest_plugins = ["tests.servers"]
pytestmark = pytest.mark.django_db


def follow(client, link):
    return client.get(f"/go/{link.slug}/", **browser_headers())


def test_deleting_a_partner_drops_its_rules_from_its_links_cached_redirects(client):
    partner = PartnerFactory(tracking_template="subid=careersite")
    link = AffiliateLinkFactory(partner=partner, destination_url="https://partner.example/x")
    assert parse_qs(urlsplit(follow(client, link)["Location"]).query) == {"subid": ["careersite"]}

    partner.delete()

    assert follow(client, link)["Location"] == "https://partner.example/x"


def test_a_link_switched_off_while_the_cache_was_unreachable_is_forgotten_on_a_retry(
    client, redis_server, monkeypatch, caplog
):
    redis_server.flush()
    links_cache = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_server.url(db=4),
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
            "IGNORE_EXCEPTIONS": False,
        },
    }
    monkeypatch.setattr(link_cache, "FORGET_RETRY_DELAYS", (3, *[1] * 20))
    monkeypatch.setattr(link_cache, "LOCAL_LINK_SECONDS", 0)
    logger = logging.getLogger("affiliates")
    logger.addHandler(caplog.handler)
    try:
        with override_settings(
            CACHES={
                "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                "links": links_cache,
            }
        ):
            link = AffiliateLinkFactory()
            assert follow(client, link).status_code == 302  # now in the shared cache
            cached = link_cache.link_cache().get(link_cache._link_cache_key(link.slug))

            with redis_server.stopped():
                link.is_active = False
                link.save()
            # A Redis that was only out of reach still holds the old entry.
            link_cache.link_cache().set(link_cache._link_cache_key(link.slug), cached)
            assert cached is not None

            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and link_cache.link_cache().get(
                link_cache._link_cache_key(link.slug)
            ):
                time.sleep(0.2)

            assert follow(client, link).status_code == 410
    finally:
        logger.removeHandler(caplog.handler)
    assert "Could not forget cached links" in caplog.text
