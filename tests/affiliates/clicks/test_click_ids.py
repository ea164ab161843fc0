"""A tracking template's {click_id} passes the id a click is stored with, so a network's
report of a sale can be traced back to the click; only ids of clicks we hold are sent."""

import time
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import pytest

from affiliates.clicks import queue as click_queue
from affiliates.models import Click
from tests.affiliates.clicks.test_redirect_resilience import database_down
from tests.factories import AffiliateLinkFactory, PartnerFactory, browser_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def link():
    partner = PartnerFactory(name="Awin partner", tracking_template="clickref={click_id}")
    return AffiliateLinkFactory(slug="cv-builder", partner=partner)


def clickref(response):
    assert response.status_code == 302
    return dict(parse_qsl(urlsplit(response["Location"]).query, keep_blank_values=True))["clickref"]


def test_the_partner_gets_the_id_the_click_is_stored_with(client, link):
    first = clickref(client.get("/go/cv-builder/", **browser_headers()))
    second = clickref(client.get("/go/cv-builder/", **browser_headers()))

    assert first != second
    assert sorted(Click.objects.values_list("click_id", flat=True)) == sorted([first, second])


def test_a_click_id_is_short_random_and_not_the_visitor_key(client, link):
    click_id = clickref(client.get("/go/cv-builder/", **browser_headers()))

    click = Click.objects.get()
    assert 8 <= len(click_id) <= 16
    assert click_id not in click.visitor_key


def test_a_head_request_records_no_click_and_passes_no_id(client, link):
    response = client.head("/go/cv-builder/", **browser_headers())

    assert clickref(response) == ""
    assert not Click.objects.exists()


def test_a_click_kept_on_disk_while_the_database_is_down_keeps_its_id(client, link):
    client.get("/go/cv-builder/", **browser_headers())  # the link is now cached

    with database_down():
        click_id = clickref(client.get("/go/cv-builder/", **browser_headers()))

    assert click_id
    time.sleep(click_queue.SPOOL_SETTLE_SECONDS)
    assert click_queue.drain_spool() == 1
    assert Click.objects.filter(click_id=click_id).exists()


def test_a_click_that_could_not_be_kept_passes_no_id(client, link):
    client.get("/go/cv-builder/", **browser_headers())

    with mock.patch("affiliates.clicks.queue.record_now", side_effect=OSError("disk full")):
        response = client.get("/go/cv-builder/", **browser_headers())

    assert clickref(response) == ""
    assert Click.objects.count() == 1
