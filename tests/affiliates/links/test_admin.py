"""Editors manage affiliate links in the admin: find them, export them, see where they are used."""

import csv
import io
import socket

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ReferenceIndex
from wagtail.test.utils.form_data import querydict_from_html

from affiliates.models import AffiliateLink
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    PartnerFactory,
    affiliate_anchor,
    question,
)

pytestmark = pytest.mark.django_db

LIST_URL = "wagtailsnippets_affiliates_affiliatelink:list"
ADD_URL = "wagtailsnippets_affiliates_affiliatelink:add"
USAGE_URL = "wagtailsnippets_affiliates_affiliatelink:usage"


def call_to_action(link, heading="Practise with a coach"):
    return {
        "type": "affiliate_call_to_action",
        "value": {"link": link.pk, "heading": heading, "text": "", "button_label": "Book"},
    }


def listed_names(response):
    soup = BeautifulSoup(response.content, "html.parser")
    titles = soup.select("table.listing tbody td.title span[id$=_title]")
    return sorted(title.get_text(strip=True) for title in titles)


def listing_row(response, link):
    soup = BeautifulSoup(response.content, "html.parser")
    [row] = [row for row in soup.select("table.listing tbody tr") if link.name in row.get_text()]
    return row


def test_the_listing_shows_each_link_with_the_address_readers_follow(editor):
    link = AffiliateLinkFactory(name="Acme coaching", slug="acme-coaching")

    response = editor.get(reverse(LIST_URL))

    assert response.status_code == 200
    assert "/go/acme-coaching/" in listing_row(response, link).get_text()


def test_searching_the_listing_matches_part_of_a_slug_or_destination(editor):
    AffiliateLinkFactory(name="Acme coaching", slug="acme-coaching")
    AffiliateLinkFactory(name="Salary survey", destination_url="https://survey.example.org/pay")

    by_slug = editor.get(reverse(LIST_URL), {"q": "acme-coa"})
    by_destination = editor.get(reverse(LIST_URL), {"q": "survey.example"})

    assert listed_names(by_slug) == ["Acme coaching"]
    assert listed_names(by_destination) == ["Salary survey"]


def test_the_listing_filters_by_partner_and_by_whether_links_are_active(editor):
    acme = PartnerFactory(name="Acme")
    AffiliateLinkFactory(name="Acme live", partner=acme)
    AffiliateLinkFactory(name="Acme retired", partner=acme, is_active=False)
    AffiliateLinkFactory(name="Other live")

    by_partner = editor.get(reverse(LIST_URL), {"partner": acme.pk})
    inactive = editor.get(reverse(LIST_URL), {"is_active": "false"})

    assert listed_names(by_partner) == ["Acme live", "Acme retired"]
    assert listed_names(inactive) == ["Acme retired"]


def test_the_listing_exports_to_csv_with_the_reader_link_and_destination(editor):
    AffiliateLinkFactory(
        name="Acme coaching",
        slug="acme-coaching",
        destination_url="https://acme.example.com/?aff=1",
        partner=PartnerFactory(name="Acme"),
    )

    response = editor.get(reverse(LIST_URL), {"export": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="affiliate-links.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["name"] == "Acme coaching"
    assert rows[0]["reader_link"] == "/go/acme-coaching/"
    assert rows[0]["destination_url"] == "https://acme.example.com/?aff=1"
    assert rows[0]["partner"] == "Acme"
    assert rows[0]["is_active"] == "True"


def test_text_that_looks_like_a_formula_is_exported_as_plain_text(editor):
    AffiliateLinkFactory(name='=HYPERLINK("https://evil.example")', partner__name="@SUM(A1)")

    response = editor.get(reverse(LIST_URL), {"export": "csv"})

    [row] = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row["name"] == '\'=HYPERLINK("https://evil.example")'
    assert row["partner"] == "'@SUM(A1)"


def test_the_listing_exports_to_a_spreadsheet(editor):
    AffiliateLinkFactory(name="Acme coaching", slug="acme-coaching")

    response = editor.get(reverse(LIST_URL), {"export": "xlsx"})

    assert response["Content-Disposition"].endswith('filename="affiliate-links.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, row = [list(values) for values in sheet.iter_rows(values_only=True)]
    assert dict(zip(header, row, strict=True))["reader_link"] == "/go/acme-coaching/"


def test_a_link_used_in_rich_text_and_in_a_call_to_action_lists_both_pages(
    editor, section, disclosure_page
):
    link = AffiliateLinkFactory(name="Acme coaching")
    in_text = GuidePageFactory(
        parent=section, title="Follow up", body=[question("How?", affiliate_anchor(link))]
    )
    in_box = GuidePageFactory(parent=section, title="Practise", body=[call_to_action(link)])
    GuidePageFactory(parent=section, title="Unrelated")

    response = editor.get(reverse(USAGE_URL, args=[link.pk]))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    used_on = sorted(cell.get_text(strip=True) for cell in soup.select("table.listing td.title"))
    assert used_on == ["Follow up", "Practise"]
    referencing = {ref.object_id for ref in ReferenceIndex.get_references_to(link)}
    assert referencing == {str(in_text.pk), str(in_box.pk)}


def test_the_listing_says_how_many_pages_use_each_link(editor, section, disclosure_page):
    link = AffiliateLinkFactory(name="Acme coaching")
    unused = AffiliateLinkFactory(name="Unused offer")
    GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")
    GuidePageFactory(parent=section, body=[call_to_action(link), call_to_action(link)])

    response = editor.get(reverse(LIST_URL))

    used = listing_row(response, link).find("a", string=lambda s: s and "Used" in s)
    assert " ".join(used.get_text().split()) == "Used 2 times"
    assert used["href"] == reverse(USAGE_URL, args=[link.pk])
    assert "Used 0 times" in " ".join(listing_row(response, unused).get_text().split())


def add_form_data(editor, **values):
    data = querydict_from_html(
        editor.get(reverse(ADD_URL)).content.decode(), form_id="w-editor-form"
    )
    data.update({"name": "Acme coaching", "slug": "acme-coaching", **values})
    return data


URL_MESSAGE = "Enter a full web address starting with https:// or http://"


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "/go/somewhere-else/",
        "partner.example.com/offer",
        "https://",
        "ftp://files.example.com/offer",
        "https://exa mple.com/offer",
    ],
    ids=["javascript", "data", "relative", "no scheme", "malformed", "ftp", "space in host"],
)
def test_an_unsafe_or_incomplete_destination_is_refused_with_a_clear_message(editor, address):
    response = editor.post(reverse(ADD_URL), add_form_data(editor, destination_url=address))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    field_errors = soup.select_one("[data-field-wrapper]:has(#id_destination_url) .error-message")
    assert URL_MESSAGE in field_errors.get_text()
    assert not AffiliateLink.objects.exists()


def test_an_unsafe_fallback_address_is_refused_too(editor):
    data = add_form_data(
        editor, destination_url="https://acme.example.com/", fallback_url="javascript:void(0)"
    )

    response = editor.post(reverse(ADD_URL), data)

    assert URL_MESSAGE in response.content.decode()
    assert not AffiliateLink.objects.exists()


def test_a_complete_https_destination_is_accepted(editor):
    data = add_form_data(editor, destination_url="https://acme.example.com/offer?aff=42")

    response = editor.post(reverse(ADD_URL), data)

    assert response.status_code == 302
    link = AffiliateLink.objects.get()
    assert link.destination_url == "https://acme.example.com/offer?aff=42"


PRIVATE_NETWORK_MESSAGE = (
    "This address points inside a private network; links must lead to a public website."
)


def destination_errors(response, field="destination_url"):
    soup = BeautifulSoup(response.content, "html.parser")
    errors = soup.select_one(f"[data-field-wrapper]:has(#id_{field}) .error-message")
    return " ".join(errors.get_text().split()) if errors else ""


@pytest.mark.parametrize(
    "address",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:6379/",
        "http://10.0.0.5:8080/",
        "http://127.0.0.1/",
        "http://100.64.0.1/",
        "https://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
    ],
    ids=["metadata", "localhost", "private", "loopback", "cgnat", "unique-local", "v4-mapped"],
)
def test_a_destination_inside_a_private_network_is_refused_with_a_clear_message(editor, address):
    response = editor.post(reverse(ADD_URL), add_form_data(editor, destination_url=address))

    assert response.status_code == 200
    assert destination_errors(response) == PRIVATE_NETWORK_MESSAGE
    assert not AffiliateLink.objects.exists()


def test_a_destination_on_a_port_other_than_80_or_443_is_refused(editor):
    data = add_form_data(editor, destination_url="https://partner.example.com:8443/offer")

    response = editor.post(reverse(ADD_URL), data)

    assert destination_errors(response) == (
        "This address uses port 8443, not a standard web port (80 or 443); links must lead "
        "to a public website."
    )
    assert not AffiliateLink.objects.exists()


def test_a_fallback_inside_a_private_network_is_refused_too(editor):
    data = add_form_data(
        editor, destination_url="https://acme.example.com/", fallback_url="http://192.168.1.1/"
    )

    response = editor.post(reverse(ADD_URL), data)

    assert destination_errors(response, "fallback_url") == PRIVATE_NETWORK_MESSAGE
    assert not AffiliateLink.objects.exists()


def test_the_form_does_not_look_names_up_so_it_works_without_dns(editor, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    data = add_form_data(editor, destination_url="https://offers.partner.example/?aff=42")

    response = editor.post(reverse(ADD_URL), data)

    assert response.status_code == 302
    assert AffiliateLink.objects.get().destination_url == "https://offers.partner.example/?aff=42"
