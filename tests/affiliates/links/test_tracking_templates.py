"""Tracking templates: a partner's or link's query parameters, filled in when a reader
follows the link, so the partner network's reports line up with ours."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from affiliates.models import AffiliateLink, Partner
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    PartnerFactory,
    browser_headers,
    signed_from,
)

pytestmark = pytest.mark.django_db

LINK_ADD_URL = "wagtailsnippets_affiliates_affiliatelink:add"
PARTNER_EDIT_URL = "wagtailsnippets_affiliates_partner:edit"


def follow(client, link, query=""):
    return client.get(f"/go/{link.slug}/{query}", **browser_headers())


def parameters(response):
    assert response.status_code == 302
    return parse_qsl(urlsplit(response["Location"]).query, keep_blank_values=True)


def test_placeholders_are_filled_from_the_page_section_and_site_the_reader_came_from(
    client, section
):
    guide = GuidePageFactory(parent=section, title="Follow up interview tips")
    partner = PartnerFactory(tracking_template="utm_source={site}&utm_campaign={section_slug}")
    link = AffiliateLinkFactory(
        slug="mock-interviews",
        partner=partner,
        destination_url="https://partner.example.com/offer?ref=cc",
        tracking_template="subid={page_slug}&page={page_id}&link={link_slug}",
    )

    response = follow(client, link, f"?from={signed_from(guide, link)}")

    assert parameters(response) == [
        ("ref", "cc"),
        ("utm_source", "localhost"),
        ("utm_campaign", section.slug),
        ("subid", guide.slug),
        ("page", str(guide.pk)),
        ("link", "mock-interviews"),
    ]


def test_a_click_from_no_page_leaves_the_page_placeholders_empty(client, home):
    link = AffiliateLinkFactory(tracking_template="subid={page_slug}&utm_source={site}")

    response = follow(client, link)

    assert parameters(response) == [("subid", ""), ("utm_source", "localhost")]


def test_the_links_own_template_wins_over_the_partners_on_the_same_parameter(client, home):
    partner = PartnerFactory(tracking_template="utm_source={site}&utm_medium=referral")
    link = AffiliateLinkFactory(partner=partner, tracking_template="utm_medium=guide")

    assert parameters(follow(client, link)) == [
        ("utm_source", "localhost"),
        ("utm_medium", "guide"),
    ]


def test_a_template_parameter_replaces_the_destinations_own_and_keeps_the_rest_as_written(
    client, home
):
    link = AffiliateLinkFactory(
        destination_url="https://partner.example.com/offer?tag=cc-21&subid=old&q=a%20b",
        tracking_template="subid=new",
    )

    response = follow(client, link)

    assert response["Location"] == "https://partner.example.com/offer?tag=cc-21&q=a%20b&subid=new"


def test_a_reader_cannot_override_a_template_parameter_through_the_address(client, home):
    link = AffiliateLinkFactory(pass_query_parameters=True, tracking_template="subid=ours")

    response = follow(client, link, "?subid=theirs&utm_term=shoes")

    assert parameters(response) == [("subid", "ours"), ("utm_term", "shoes")]


def test_a_section_page_is_its_own_section(client, section):
    link = AffiliateLinkFactory(tracking_template="utm_campaign={section_slug}")

    response = follow(client, link, f"?from={signed_from(section, link)}")

    assert parameters(response) == [("utm_campaign", section.slug)]


def test_changing_a_partners_template_changes_where_its_cached_links_go(client, home):
    partner = PartnerFactory(tracking_template="utm_source=old")
    link = AffiliateLinkFactory(partner=partner)
    assert parameters(follow(client, link)) == [("utm_source", "old")]

    partner.tracking_template = "utm_source=new"
    partner.save()

    assert parameters(follow(client, link)) == [("utm_source", "new")]


def add_link_form(editor, **values):
    data = querydict_from_html(
        editor.get(reverse(LINK_ADD_URL)).content.decode(), form_id="w-editor-form"
    )
    data.update(
        {
            "name": "Acme coaching",
            "slug": "acme-coaching",
            "destination_url": "https://partner.example.com/offer",
            **values,
        }
    )
    return data


def error_text(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(
        " ".join(error.get_text(" ", strip=True).split()) for error in soup.select(".error-message")
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("subid={page_title}", "Unknown placeholder: {page_title}."),
        ("a={site}&b={author}&c={when}", "Unknown placeholders: {author}, {when}."),
        ("subid={page_slug", "has a brace without its partner"),
        ("subid={page_slug!r}", "is not a placeholder"),
        ("subid", "is not of the form name=value"),
    ],
    ids=["unknown", "several unknown", "unclosed brace", "conversion", "no value"],
)
def test_a_template_the_site_cannot_fill_is_a_form_error_and_saves_nothing(
    editor, template, message
):
    response = editor.post(reverse(LINK_ADD_URL), add_link_form(editor, tracking_template=template))

    assert response.status_code == 200
    errors = error_text(response)
    assert message in errors
    assert "{page_slug}, {page_id}, {section_slug}, {site}, {link_slug}" in errors
    assert not AffiliateLink.objects.exists()


def test_a_template_with_known_placeholders_saves(editor):
    response = editor.post(
        reverse(LINK_ADD_URL),
        add_link_form(editor, tracking_template="subid={page_slug}&utm_source={site}"),
    )

    assert response.status_code == 302
    assert AffiliateLink.objects.get().tracking_template == "subid={page_slug}&utm_source={site}"


def test_a_partners_template_is_checked_the_same_way(editor):
    partner = PartnerFactory(name="Acme")
    url = reverse(PARTNER_EDIT_URL, args=[partner.pk])
    data = querydict_from_html(editor.get(url).content.decode(), form_id="w-editor-form")
    data["tracking_template"] = "utm_campaign={campaign}"

    response = editor.post(url, data)

    assert response.status_code == 200
    assert "Unknown placeholder: {campaign}." in error_text(response)
    assert Partner.objects.get().tracking_template == ""
