"""Clicks are counted without keeping anything that identifies the reader."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from affiliates.clicks import visitor_keys
from affiliates.models import Click
from tests.factories import (
    BROWSER_USER_AGENT,
    AffiliateLinkFactory,
    browser_headers,
)

pytestmark = pytest.mark.django_db

READER_IP = "203.0.113.7"
OTHER_BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"


@pytest.fixture
def link():
    return AffiliateLinkFactory()


def click(client, link, **headers):
    response = client.get(f"/go/{link.slug}/", **browser_headers(**headers))
    assert response.status_code == 302
    return Click.objects.latest("pk")


def every_stored_value(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 (our own table)
        return [str(value) for row in cursor.fetchall() for value in row]


def every_stored_value_in_the_database():
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values.extend(str(value) for row in cursor.fetchall() for value in row)
    return values


def test_no_address_or_browser_string_is_stored(client, link):
    click(client, link, HTTP_X_FORWARDED_FOR=READER_IP)

    stored = every_stored_value(Click)
    assert stored, "the click was stored"
    for value in stored:
        assert READER_IP not in value
        assert BROWSER_USER_AGENT not in value
        assert "Chrome/124" not in value


def test_a_database_backup_holds_no_salt_to_test_a_guessed_address_against(client, link):
    key = click(client, link).visitor_key
    nonce = cache.get(visitor_keys.nonce_key(timezone.localdate()))
    salt = visitor_keys.salt_for(timezone.localdate())

    stored = every_stored_value_in_the_database()

    assert nonce and len(nonce) == 64
    assert not any(nonce in value for value in stored)
    assert not any(salt.hex() in value for value in stored)
    assert key in stored


def test_the_days_salt_needs_the_secret_key_as_well_as_the_cached_nonce(client, link, settings):
    """A copy of Redis alone (today's nonce) cannot recompute anyone's key."""
    key = click(client, link).visitor_key
    settings.SECRET_KEY = "a-different-secret-key-the-thief-does-not-have"  # noqa: S105
    visitor_keys.forget()

    assert visitor_keys.visitor_key(READER_IP, timezone.localdate()) != key


def test_the_visitor_key_depends_on_the_secret_salt(client, link):
    """Without the salt, nobody can test a guessed address against a key."""
    key = click(client, link).visitor_key
    cache.delete(visitor_keys.nonce_key(timezone.localdate()))
    visitor_keys.forget()

    assert click(client, link).visitor_key != key
    assert len(key) == 64


def test_the_nonce_expires_shortly_after_its_day(client, link):
    today = timezone.localdate()
    click(client, link)
    key = visitor_keys.nonce_key(today)

    if hasattr(cache, "ttl"):  # Redis keeps its own clock: ask it when the key expires
        end_of_day = datetime.datetime.combine(
            today + datetime.timedelta(days=1), datetime.time.min, timezone.get_default_timezone()
        )
        left = (end_of_day - timezone.now()).total_seconds()
        assert left < cache.ttl(key) <= left + 11 * 60
    else:
        with freeze_time(timezone.now() + datetime.timedelta(days=1, minutes=11)):
            assert cache.get(key) is None


def test_pruning_deletes_past_days_nonces():
    today = timezone.localdate()
    for days in (1, 2, 7):
        cache.set(visitor_keys.nonce_key(today - datetime.timedelta(days=days)), "x" * 64)
    cache.set(visitor_keys.nonce_key(today), "t" * 64)

    call_command("prune_clicks", stdout=io.StringIO())

    for days in (1, 2, 7):
        assert cache.get(visitor_keys.nonce_key(today - datetime.timedelta(days=days))) is None
    assert cache.get(visitor_keys.nonce_key(today)) == "t" * 64


def test_a_process_puts_back_the_nonce_the_cache_lost_so_keys_stay_the_same(client, link):
    """After a Redis restart, app servers keep sharing the day's salt."""
    key = click(client, link).visitor_key
    nonce = cache.get(visitor_keys.nonce_key(timezone.localdate()))
    cache.clear()

    with freeze_time(timezone.now() + datetime.timedelta(seconds=61)):
        assert click(client, link).visitor_key == key
    assert cache.get(visitor_keys.nonce_key(timezone.localdate())) == nonce


def test_one_address_gets_one_visitor_key_for_the_day(client, link):
    first = click(client, link).visitor_key
    second = click(client, AffiliateLinkFactory()).visitor_key

    assert first == second


def test_a_new_user_agent_on_every_click_does_not_make_new_visitors(client, link):
    keys = {
        click(client, link, HTTP_USER_AGENT=f"{OTHER_BROWSER} Build/{number}").visitor_key
        for number in range(5)
    }

    assert len(keys) == 1


def test_different_addresses_get_different_keys(client, link):
    reader = click(client, link).visitor_key
    other_address = click(client, link, REMOTE_ADDR="198.51.100.20").visitor_key

    assert reader != other_address


def test_the_same_reader_gets_a_new_key_the_next_day():
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    assert visitor_keys.visitor_key(READER_IP, today) != visitor_keys.visitor_key(
        READER_IP, tomorrow
    )


@override_settings(PROXY_COUNT=0)
def test_without_proxies_a_forwarded_for_header_is_ignored(client, link):
    plain = click(client, link).visitor_key
    spoofed = click(client, link, HTTP_X_FORWARDED_FOR="198.51.100.99").visitor_key

    assert spoofed == plain


@override_settings(PROXY_COUNT=1)
def test_behind_a_proxy_the_reader_is_the_address_the_proxy_saw(client, link):
    """Readers behind one proxy differ by the address it appended, not by REMOTE_ADDR."""
    reader = click(client, link, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=READER_IP)
    same_reader_other_proxy = click(
        client, link, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=READER_IP
    )
    other_reader = click(client, link, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.5")

    assert reader.visitor_key == same_reader_other_proxy.visitor_key
    assert reader.visitor_key != other_reader.visitor_key


@override_settings(PROXY_COUNT=1)
def test_an_address_the_reader_made_up_cannot_change_their_key(client, link):
    honest = click(client, link, HTTP_X_FORWARDED_FOR=READER_IP)
    spoofing = click(client, link, HTTP_X_FORWARDED_FOR=f"198.51.100.99, {READER_IP}")

    assert spoofing.visitor_key == honest.visitor_key


@override_settings(PROXY_COUNT=2)
def test_with_two_proxies_the_reader_is_second_from_the_right(client, link):
    honest = click(client, link, HTTP_X_FORWARDED_FOR=f"{READER_IP}, 10.0.0.9")
    spoofing = click(client, link, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {READER_IP}, 10.0.0.8")
    other_reader = click(client, link, HTTP_X_FORWARDED_FOR="198.51.100.5, 10.0.0.9")

    assert spoofing.visitor_key == honest.visitor_key
    assert other_reader.visitor_key != honest.visitor_key
