"""Clicks are counted without keeping anything that identifies the reader."""

import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from affiliates import tracking
from affiliates.models import Click, VisitorSalt
from tests.factories import (
    BROWSER_USER_AGENT,
    AffiliateLinkFactory,
    VisitorSaltFactory,
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


def test_no_address_or_browser_string_is_stored(client, link):
    click(client, link, HTTP_X_FORWARDED_FOR=READER_IP)

    stored = every_stored_value(Click) + every_stored_value(VisitorSalt)
    assert stored, "the click and the day's salt were stored"
    for value in stored:
        assert READER_IP not in value
        assert BROWSER_USER_AGENT not in value
        assert "Chrome/124" not in value


def test_the_visitor_key_depends_on_the_secret_salt(client, link):
    """Without the salt, nobody can test a guessed address and browser against a key."""
    key = click(client, link).visitor_key
    VisitorSalt.objects.all().delete()
    tracking.forget_salt()

    assert click(client, link).visitor_key != key
    assert len(key) == 64


def test_one_browser_gets_one_visitor_key_for_the_day(client, link):
    first = click(client, link).visitor_key
    second = click(client, AffiliateLinkFactory()).visitor_key

    assert first == second


def test_different_browsers_or_addresses_get_different_keys(client, link):
    reader = click(client, link).visitor_key
    other_browser = click(client, link, HTTP_USER_AGENT=OTHER_BROWSER).visitor_key
    other_address = click(client, link, REMOTE_ADDR="198.51.100.20").visitor_key

    assert len({reader, other_browser, other_address}) == 3


def test_the_same_reader_gets_a_new_key_the_next_day():
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    assert tracking.visitor_key(READER_IP, BROWSER_USER_AGENT, today) != tracking.visitor_key(
        READER_IP, BROWSER_USER_AGENT, tomorrow
    )


def test_a_new_days_salt_deletes_the_old_ones_so_past_keys_cannot_be_recomputed():
    today = timezone.localdate()
    old = [VisitorSaltFactory(day=today - datetime.timedelta(days=n)) for n in (1, 2, 30)]

    value = VisitorSalt.for_day(today)

    assert list(VisitorSalt.objects.values_list("day", "value")) == [(today, value)]
    assert value not in {salt.value for salt in old}


def test_each_days_salt_is_random():
    today = timezone.localdate()
    first = VisitorSalt.for_day(today)
    VisitorSalt.objects.all().delete()

    assert VisitorSalt.for_day(today) != first
    assert len(first) == 64


def test_a_click_uses_the_existing_salt_for_today(client, link):
    salt = VisitorSaltFactory(day=timezone.localdate())

    click(client, link)

    assert list(VisitorSalt.objects.all()) == [salt]


def test_two_processes_making_todays_salt_at_once_end_up_sharing_one(monkeypatch):
    """The loser of the race reads the winner's salt instead of failing."""
    today = timezone.localdate()
    winner = VisitorSaltFactory(day=today)
    real_get = type(VisitorSalt.objects.all()).get
    calls = []

    def get_before_the_winner_committed(queryset, *args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise VisitorSalt.DoesNotExist
        return real_get(queryset, *args, **kwargs)

    monkeypatch.setattr(type(VisitorSalt.objects.all()), "get", get_before_the_winner_committed)

    assert VisitorSalt.for_day(today) == winner.value
    assert VisitorSalt.objects.count() == 1
    assert len(calls) >= 2


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
