"""``/go/postback/<token>/``: a network reporting each sale as it happens, recorded as
a report's rows are, once; a wrong token finds nothing and stores nothing."""

import datetime
import json
from decimal import Decimal

import pytest

from affiliates.earnings import recording
from affiliates.earnings.models import Network
from affiliates.earnings.recording import stored_sales
from affiliates.models import Click, Conversion
from tests.affiliates.reader_clicks import follow
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def awin():
    return Network.objects.create(name="Awin")


@pytest.fixture
def click(client, home):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=home)
    follow(client, link, page=guide)
    return Click.objects.get()


def generic_fields(click_id, **changes):
    return {
        "transaction_id": "T-1",
        "click_id": click_id,
        "date": "2026-11-02T14:30:00",
        "status": "pending",
        "sale_amount": "45.00",
        "commission": "4.50",
        "currency": "GBP",
        **changes,
    }


def test_a_get_with_the_generic_fields_records_the_sale_against_its_click(client, awin, click):
    response = client.get(f"/go/postback/{awin.postback_token}/", generic_fields(click.click_id))

    assert response.status_code == 200
    assert "matched 1" in response.content.decode()
    sale = Conversion.objects.get()
    assert (sale.network, sale.link_id, sale.page_key) == (awin, click.link_id, click.page_id)
    assert (sale.source, sale.commission) == ("postback", Decimal("4.50"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_an_awin_style_json_notification_is_recorded_and_a_repeat_changes_nothing(
    client, awin, click
):
    body = {
        "transactionId": 987654,
        "clickRef": click.click_id,
        "transactionDate": "2026-11-02T14:30:00",
        "commissionStatus": "approved",
        "saleAmount": 45.0,
        "commissionAmount": 4.5,
        "currency": "GBP",
    }
    url = f"/go/postback/{awin.postback_token}/"

    first = client.post(url, json.dumps(body), content_type="application/json")
    again = client.post(url, json.dumps(body), content_type="application/json")

    assert first.status_code == again.status_code == 200
    assert "unchanged 1" in again.content.decode()
    sale = Conversion.objects.get()
    assert (sale.transaction_id, sale.status) == ("987654", "approved")


def awin_transaction(click_id):
    """What Awin's transaction notification sends: its own names, its time in UTC, no
    status (a sale is notified when recorded), and nested breakdowns."""
    return {
        "transactionId": "244231459",
        "transactionDate": "2026-07-06 18:35:28",
        "transactionAmount": "33.7",
        "commission": "0.67",
        "affiliateId": "242611",
        "merchantId": "2678",
        "clickRef": click_id,
        "clickTime": "2026-07-06 07:15:24",
        "transactionCurrency": "GBP",
        "commissionGroups": [{"id": "15250", "name": "Default Commission", "code": "DEFAULT"}],
    }


def test_awins_posted_transaction_notification_is_recorded_as_it_means_it(client, awin, click):
    url = f"/go/postback/{awin.postback_token}/"
    push = {"AwinTransactionPush": json.dumps(awin_transaction(click.click_id))}

    first = client.post(url, push)
    again = client.post(url, push)

    assert first.status_code == again.status_code == 200, first.content
    assert "matched 1" in first.content.decode() and "unchanged 1" in again.content.decode()
    sale = Conversion.objects.get()
    assert (sale.transaction_id, sale.status, sale.currency) == ("244231459", "pending", "GBP")
    assert (sale.sale_amount, sale.commission) == (Decimal("33.70"), Decimal("0.67"))
    assert sale.converted_at == datetime.datetime(2026, 7, 6, 18, 35, 28, tzinfo=datetime.UTC)
    assert (sale.link_id, sale.page_key) == (click.link_id, click.page_id)


def test_awins_get_notification_with_its_placeholders_is_recorded(client, awin, click):
    fields = awin_transaction(click.click_id)
    del fields["commissionGroups"]

    response = client.get(f"/go/postback/{awin.postback_token}/", fields)

    assert response.status_code == 200, response.content
    sale = Conversion.objects.get()
    assert (sale.commission, sale.status) == (Decimal("0.67"), "pending")
    assert sale.converted_at == datetime.datetime(2026, 7, 6, 18, 35, 28, tzinfo=datetime.UTC)


def test_awin_notifying_a_sale_again_leaves_the_status_a_report_gave_it(client, awin, click):
    url = f"/go/postback/{awin.postback_token}/"
    push = {"AwinTransactionPush": json.dumps(awin_transaction(click.click_id))}
    client.post(url, push)
    Conversion.objects.update(status="approved")

    response = client.post(url, push)

    assert "unchanged 1" in response.content.decode()
    assert Conversion.objects.get().status == "approved"


def test_a_placeholder_the_network_did_not_fill_in_is_refused_not_stored(client, awin, click):
    fields = awin_transaction(click.click_id)
    del fields["commissionGroups"]

    response = client.get(
        f"/go/postback/{awin.postback_token}/", {**fields, "transactionId": "!!!id!!!"}
    )

    assert response.status_code == 400
    assert "!!!id!!!" in response.content.decode()
    assert not Conversion.objects.exists()


def test_an_awin_push_that_is_not_json_gets_a_400_and_stores_nothing(client, awin):
    response = client.post(
        f"/go/postback/{awin.postback_token}/", {"AwinTransactionPush": "{not json"}
    )

    assert response.status_code == 400
    assert not Conversion.objects.exists()


def test_a_sale_another_request_stored_first_is_updated_not_an_error(
    client, awin, click, monkeypatch
):
    url = f"/go/postback/{awin.postback_token}/"
    client.get(url, generic_fields(click.click_id))
    missed = []

    def stored_by_then(network, ids):
        # The first look misses the sale, as it does when the other request commits
        # just after that look and before this one's insert.
        if not missed:
            missed.append(ids)
            return {}
        return stored_sales(network, ids)

    monkeypatch.setattr(recording, "stored_sales", stored_by_then)

    response = client.get(url, generic_fields(click.click_id, status="approved"))

    assert response.status_code == 200 and missed
    assert "updated 1" in response.content.decode()
    assert Conversion.objects.get().status == "approved"


def test_a_status_change_is_an_update_of_the_same_sale(client, awin, click):
    url = f"/go/postback/{awin.postback_token}/"
    client.post(url, generic_fields(click.click_id))

    response = client.post(url, generic_fields(click.click_id, status="declined"))

    assert "updated 1" in response.content.decode()
    assert Conversion.objects.get().status == "declined"


@pytest.mark.parametrize("token", ["wrong", "x" * 300, "%00"])
def test_a_wrong_token_gets_not_found_and_stores_nothing(client, awin, click, token):
    response = client.get(f"/go/postback/{token}/", generic_fields(click.click_id))

    assert response.status_code == 404
    assert not Conversion.objects.exists()


def test_a_network_that_stopped_postbacks_gets_not_found(client, awin, click):
    awin.accepts_postbacks = False
    awin.save()

    response = client.get(f"/go/postback/{awin.postback_token}/", generic_fields(click.click_id))

    assert response.status_code == 404
    assert not Conversion.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"commission": "free"}, "not a number"),
        ({"status": "maybe"}, "not one of"),
        ({"date": "yesterday"}, "not a date"),
        ({"transaction_id": ""}, "transaction id is empty"),
    ],
)
def test_bad_fields_get_a_clear_400_and_store_nothing(client, awin, click, changes, message):
    response = client.post(
        f"/go/postback/{awin.postback_token}/", generic_fields(click.click_id, **changes)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Conversion.objects.exists()


def test_a_body_that_is_not_json_gets_a_400(client, awin):
    response = client.post(
        f"/go/postback/{awin.postback_token}/", b"{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert not Conversion.objects.exists()
