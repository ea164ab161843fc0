"""Affiliates › Sales lists every sale networks reported, unmatched ones included, to
those who may see earnings; nobody adds or changes one by hand. Affiliates › Networks
gives each network's postback address."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from affiliates.earnings.models import Network
from affiliates.models import Conversion
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("wagtailsnippets_affiliates_conversion:list")


@pytest.fixture
def sales():
    awin = Network.objects.create(name="Awin")
    return [
        Conversion.objects.create(
            network=awin,
            transaction_id=f"AW-{number}",
            click_id="",
            converted_at="2026-11-02T12:00:00Z",
            status="pending",
            commission="4.50",
            currency="GBP",
            source="file report.csv",
        )
        for number in (1, 2)
    ]


def test_someone_who_may_see_earnings_sees_every_sale_unmatched_ones_too(sign_in, client, sales):
    sign_in(client, permissions=["access_admin", "view_earnings"])

    response = client.get(LIST_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "AW-1" in content and "AW-2" in content and "GBP 4.50" in content
    unmatched = client.get(LIST_URL, {"matched": "false"}).content.decode()
    assert "AW-1" in unmatched


def test_nobody_adds_or_changes_a_sale_by_hand(admin_client, sales):
    add = admin_client.get(reverse("wagtailsnippets_affiliates_conversion:add"))
    edit = admin_client.get(
        reverse("wagtailsnippets_affiliates_conversion:edit", args=[sales[0].pk])
    )

    assert add.status_code in (302, 403)
    assert edit.status_code in (302, 403)
    assert Conversion.objects.count() == 2


def test_the_sales_are_hidden_from_those_who_may_only_see_clicks(sign_in, client, sales):
    sign_in(client, permissions=["access_admin", "view_click_reports"])

    assert client.get(LIST_URL).status_code in (302, 403)


def test_each_network_shows_the_address_it_sends_sales_to(admin_client, sales):
    awin = Network.objects.get()

    response = admin_client.get(reverse("wagtailsnippets_affiliates_network:list"))

    assert f"/go/postback/{awin.postback_token}/" in response.content.decode()


def tied_sale(number, page, link, placement="cta-3"):
    return Conversion.objects.create(
        network=Network.objects.get_or_create(name="Awin")[0],
        transaction_id=f"AW-{number}",
        click_id=f"click{number}",
        converted_at="2026-11-02T12:00:00Z",
        status="approved",
        commission="4.50",
        currency="GBP",
        link=link,
        page_key=page.pk,
        placement=placement,
        clicked_on="2026-11-01",
        source="file report.csv",
    )


def test_each_sale_says_which_page_and_spot_its_click_came_from(sign_in, client, home):
    sale = tied_sale(
        1, GuidePageFactory(parent=home, title="Interview tips"), AffiliateLinkFactory()
    )
    sign_in(client, permissions=["access_admin", "view_earnings"])

    soup = BeautifulSoup(client.get(LIST_URL).content, "html.parser")

    row = soup.select_one("tbody tr")
    assert "Interview tips · Call to action, block 3" in row.get_text(" ", strip=True)
    details = reverse("wagtailsnippets_affiliates_conversion:inspect", args=[sale.pk])
    assert [a.get_text(strip=True) for a in row.select(f'a[href="{details}"]')] == ["AW-1"]
    fields = BeautifulSoup(client.get(details).content, "html.parser").get_text(" ", strip=True)
    assert "Page Interview tips" in fields
    assert "Placement Call to action, block 3" in fields


def test_the_listing_names_a_page_of_sales_pages_in_as_few_queries_as_one(
    admin_client, home, django_assert_max_num_queries
):
    link = AffiliateLinkFactory()
    tied_sale(0, GuidePageFactory(parent=home), link)
    with CaptureQueriesContext(connection) as one:
        admin_client.get(LIST_URL)
    for number in range(1, 20):
        tied_sale(number, GuidePageFactory(parent=home), link)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = admin_client.get(LIST_URL)

    assert response.content.decode().count("Call to action, block 3") == 20


@pytest.mark.parametrize("token", ["a/b c", "abc.def-ghijklmnop", "short"])
def test_a_postback_token_the_address_cannot_hold_is_refused(admin_client, token):
    awin = Network.objects.create(name="Awin")
    edit = reverse("wagtailsnippets_affiliates_network:edit", args=[awin.pk])

    response = admin_client.post(
        edit, {"name": "Awin", "accepts_postbacks": "on", "postback_token": token}
    )

    assert response.status_code == 200
    assert "postback_token" in response.context["form"].errors
    awin.refresh_from_db()
    assert awin.postback_token != token
    assert admin_client.get(reverse("wagtailsnippets_affiliates_network:list")).status_code == 200


def test_a_sale_whose_link_was_deleted_still_names_its_page_and_spot(admin_client, home):
    link = AffiliateLinkFactory()
    tied_sale(1, GuidePageFactory(parent=home, title="Interview tips"), link)
    link.delete()

    row = BeautifulSoup(admin_client.get(LIST_URL).content, "html.parser").select_one("tbody tr")

    text = row.get_text(" ", strip=True)
    assert "Deleted link" in text
    assert "Interview tips · Call to action, block 3" in text
    tied = admin_client.get(LIST_URL, {"matched": "true"}).content.decode()
    assert "AW-1" in tied
