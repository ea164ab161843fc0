"""Editors put managed affiliate links into rich text; readers get cloaked, sponsored links."""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.models import ReferenceIndex
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from guides.blocks import BODY_FEATURES, POINT_FEATURES, GuideBodyBlock
from guides.models import INTRO_FEATURES, GuidePage
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    UserFactory,
    affiliate_anchor,
    question,
    signed_from,
)

pytestmark = pytest.mark.django_db

FEATURES = ["bold", "italic", "link", "affiliate-link"]


def converter():
    return ContentstateConverter(features=FEATURES)


def entities(contentstate_json):
    return list(json.loads(contentstate_json)["entityMap"].values())


def without_block_keys(html):
    return re.sub(r' data-block-key="[^"]*"', "", html)


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_the_editor_shows_a_stored_affiliate_link_with_its_current_name():
    link = AffiliateLinkFactory(name="Interview coaching at Acme")

    state = converter().from_database_format(f"<p>Try {affiliate_anchor(link)}.</p>")

    [entity] = entities(state)
    assert entity["type"] == "AFFILIATE_LINK"
    assert entity["data"]["id"] == link.pk
    assert entity["data"]["name"] == "Interview coaching at Acme"
    assert "/admin/snippets/affiliates/affiliatelink/edit/" in entity["data"]["url"]


def test_saving_from_the_editor_stores_the_link_by_id_and_never_its_address():
    link = AffiliateLinkFactory(destination_url="https://partner.example.com/secret-tracking")
    state = {
        "blocks": [
            {
                "key": "abcde",
                "type": "unstyled",
                "depth": 0,
                "text": "Book a mock interview",
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 7, "length": 14, "key": 0}],
                "data": {},
            }
        ],
        # What the editor's chooser puts in the entity: id, plus name and admin URL to show.
        "entityMap": {
            "0": {
                "type": "AFFILIATE_LINK",
                "mutability": "MUTABLE",
                "data": {"id": link.pk, "name": link.name, "url": "/admin/snippets/x/"},
            }
        },
    }

    html = converter().to_database_format(json.dumps(state))

    assert without_block_keys(html) == (
        f'<p>Book a <a linktype="affiliate" id="{link.pk}">mock interview</a></p>'
    )
    assert "partner.example.com" not in html
    assert "/go/" not in html


def test_an_affiliate_link_survives_a_round_trip_through_the_editor_unchanged():
    link = AffiliateLinkFactory()
    stored = f"<p>Start with {affiliate_anchor(link, '<b>this course</b>')}, then practise.</p>"

    once = converter().to_database_format(converter().from_database_format(stored))
    twice = converter().to_database_format(converter().from_database_format(once))

    assert without_block_keys(once) == stored
    assert twice == once


def test_a_link_deleted_since_is_flagged_in_the_editor_and_kept_until_the_editor_removes_it():
    link = AffiliateLinkFactory()
    stored = f"<p>{affiliate_anchor(link)}</p>"
    link.delete()

    state = converter().from_database_format(stored)

    [entity] = entities(state)
    assert entity["data"]["name"] is None
    assert without_block_keys(converter().to_database_format(state)) == stored


def test_an_entity_without_a_link_id_keeps_its_words_but_drops_the_link():
    state = {
        "blocks": [
            {
                "key": "abcde",
                "type": "unstyled",
                "depth": 0,
                "text": "orphan words",
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 0, "length": 6, "key": 0}],
                "data": {},
            }
        ],
        "entityMap": {"0": {"type": "AFFILIATE_LINK", "mutability": "MUTABLE", "data": {}}},
    }

    html = converter().to_database_format(json.dumps(state))

    assert without_block_keys(html) == "<p>orphan words</p>"


@pytest.mark.parametrize(
    "features",
    [INTRO_FEATURES, BODY_FEATURES, POINT_FEATURES],
    ids=["intro and closing", "paragraphs and answers", "question points and tips"],
)
def test_every_guide_rich_text_offers_the_affiliate_link_button(features):
    widget_options = json.loads(rich_text_widget_options(features))

    [entity_type] = [e for e in widget_options["entityTypes"] if e["type"] == "AFFILIATE_LINK"]
    assert entity_type["description"] == "Affiliate link"
    assert entity_type["chooserUrls"]["affiliateLinkChooser"] == reverse(
        "wagtailsnippetchoosers_affiliates_affiliatelink:choose"
    )


def rich_text_widget_options(features):
    from wagtail.admin.rich_text import get_rich_text_editor_widget

    widget = get_rich_text_editor_widget(features=features)
    return json.dumps(widget.options, default=str)


def test_guide_fields_and_blocks_all_list_the_affiliate_link_feature():
    body = GuideBodyBlock()
    rich_text_blocks = [
        body.child_blocks["paragraph"].child_blocks["text"],
        body.child_blocks["question_section"].child_blocks["points"].child_block,
        body.child_blocks["question_section"].child_blocks["answer"],
        body.child_blocks["tip"].child_blocks["text"],
    ]

    assert "affiliate-link" in GuidePage._meta.get_field("intro").features
    assert "affiliate-link" in GuidePage._meta.get_field("closing").features
    assert all("affiliate-link" in block.features for block in rich_text_blocks)


def test_the_guide_editor_loads_the_affiliate_link_button(editor, section):
    guide = GuidePageFactory(parent=section)

    response = editor.get(reverse("wagtailadmin_pages:edit", args=[guide.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "affiliates/js/affiliate-link-draftail.js" in html
    assert "affiliates/css/affiliate-link-draftail.css" in html
    assert "wagtailadmin/js/chooser-modal.js" in html


def test_the_affiliate_link_button_script_is_served(client):
    response = client.get("/static/affiliates/js/affiliate-link-draftail.js")

    assert response.status_code == 200
    script = b"".join(response.streaming_content).decode()
    assert "registerPlugin" in script
    assert "AFFILIATE_LINK" in script


def test_the_chooser_finds_links_by_name_and_hands_back_the_chosen_id(editor):
    wanted = AffiliateLinkFactory(name="Mock interview coaching")
    AffiliateLinkFactory(name="Salary survey")
    choose_url = reverse("wagtailsnippetchoosers_affiliates_affiliatelink:choose_results")

    results = editor.get(choose_url, {"q": "mock"})
    chosen = editor.get(
        reverse("wagtailsnippetchoosers_affiliates_affiliatelink:chosen", args=[wanted.pk])
    )

    assert "Mock interview coaching" in results.content.decode()
    assert "Salary survey" not in results.content.decode()
    assert wanted.get_absolute_url() in results.content.decode()
    assert wanted.partner.name in results.content.decode()
    result = chosen.json()["result"]
    assert result["id"] == str(wanted.pk)
    assert result["string"] == "Mock interview coaching"


def test_an_editor_saving_a_guide_with_an_affiliate_link_stores_only_its_id(editor, section):
    link = AffiliateLinkFactory(destination_url="https://partner.example.com/x?aff=123")
    guide = GuidePageFactory(parent=section, title="Prepare", slug="prepare")
    intro = rich_text(
        f"<p>Try {affiliate_anchor(link, 'a mock interview')}.</p>", features=FEATURES
    )

    response = editor.post(
        reverse("wagtailadmin_pages:edit", args=[guide.pk]),
        nested_form_data(
            {
                "title": "Prepare",
                "slug": "prepare",
                "intro": intro,
                "closing": rich_text(""),
                "body": streamfield([]),
                "related_guides": inline_formset([]),
                "authors": inline_formset([]),
            }
        ),
    )

    assert response.status_code == 302
    draft = GuidePage.objects.get(pk=guide.pk).get_latest_revision_as_object()
    assert f'<a linktype="affiliate" id="{link.pk}">a mock interview</a>' in draft.intro
    assert "partner.example.com" not in draft.intro


def test_readers_get_a_cloaked_sponsored_link_attributed_to_the_page(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory(slug="mock-interview")
    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")

    soup = BeautifulSoup(client.get(guide.url).content, "html.parser")

    anchor = soup.select_one(".guide__intro a")
    assert anchor["href"] == f"/go/mock-interview/?from={signed_from(guide, link, 'intro')}"
    assert anchor["rel"] == ["sponsored", "nofollow", "noopener"]


def test_retargeting_or_renaming_a_link_changes_every_page_without_re_editing(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory(slug="old-offer", name="Old offer")
    first = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")
    second = GuidePageFactory(parent=section, body=[question("Where?", affiliate_anchor(link))])

    link.slug = "new-offer"
    link.name = "New offer"
    link.destination_url = "https://other-partner.example.com/"
    link.save()

    for page, placement in ((first, "intro"), (second, "question-1")):
        html = client.get(page.url).content.decode()
        assert f'href="/go/new-offer/?from={signed_from(page, link, placement)}"' in html
        assert "old-offer" not in html
    [entity] = entities(converter().from_database_format(first.intro))
    assert entity["data"]["name"] == "New offer"


def test_a_page_linking_to_an_affiliate_link_is_recorded_as_using_it(section, disclosure_page):
    link = AffiliateLinkFactory()
    unused = AffiliateLinkFactory()

    guide = GuidePageFactory(parent=section, intro=f"<p>{affiliate_anchor(link)}</p>")

    assert [ref.object_id for ref in ReferenceIndex.get_references_to(link)] == [str(guide.pk)]
    assert not ReferenceIndex.get_references_to(unused).exists()
