"""Every body block renders through its own template, as readers see it."""

import pytest
from bs4 import BeautifulSoup
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from guides.blocks import GuideBodyBlock
from tests.factories import GuidePageFactory, question

pytestmark = pytest.mark.django_db


def render_guide(client, section, body):
    guide = GuidePageFactory(parent=section, body=body)
    response = client.get(guide.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(".guide__body")


def test_a_paragraph_renders_its_rich_text(client, section):
    body = render_guide(
        client, section, [{"type": "paragraph", "value": {"text": "<p>Be <b>on time</b>.</p>"}}]
    )
    assert body.select_one(".block-paragraph b").get_text() == "on time"


def test_a_question_section_is_a_heading_with_an_anchor_and_a_bullet_list(client, section):
    body = render_guide(
        client,
        section,
        [question("Who will interview me?", "The hiring manager.", "A future colleague.")],
    )
    section_el = body.select_one("section.question")
    assert section_el["id"] == "who-will-interview-me"
    assert section_el.h2.get_text() == "Who will interview me?"
    assert [li.get_text(strip=True) for li in section_el.select("ul li")] == [
        "The hiring manager.",
        "A future colleague.",
    ]


def test_an_editor_chosen_anchor_replaces_the_generated_one(client, section):
    body = render_guide(client, section, [question("Why me?", "You fit.", anchor="why-me")])
    assert body.select_one("section.question")["id"] == "why-me"


def test_a_question_can_be_answered_in_running_text(client, section):
    block = question("Is it worth it?")
    block["value"]["answer"] = "<p>Usually, yes.</p>"
    body = render_guide(client, section, [block])
    assert body.select_one(".question__answer").get_text() == "Usually, yes."
    assert body.select_one(".question__points") is None


def test_a_tip_renders_as_a_labelled_aside(client, section):
    body = render_guide(
        client,
        section,
        [{"type": "tip", "value": {"title": "Tip", "text": "<p>Arrive early.</p>"}}],
    )
    tip = body.select_one("aside.tip")
    assert tip["aria-label"] == "Tip"
    assert "Arrive early." in tip.get_text()


def test_a_quote_renders_with_its_attribution(client, section):
    body = render_guide(
        client,
        section,
        [{"type": "quote", "value": {"quote": "Be curious.", "attribution": "A recruiter"}}],
    )
    assert body.select_one("blockquote").get_text(strip=True) == "Be curious."
    assert body.select_one(".quote figcaption").get_text() == "A recruiter"


def test_an_image_renders_responsive_renditions_with_alt_text_and_caption(
    client, section, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    image = Image.objects.create(title="Handshake", file=get_test_image_file(size=(1600, 900)))
    body = render_guide(
        client,
        section,
        [
            {
                "type": "image",
                "value": {
                    "image": {
                        "image": image.pk,
                        "alt_text": "Two people shaking hands",
                        "decorative": False,
                    },
                    "caption": "First impressions count.",
                },
            }
        ],
    )
    img = body.select_one("figure.figure img")
    assert img["alt"] == "Two people shaking hands"
    assert img["width"] and img["height"]
    assert "srcset" in img.attrs or body.select("figure.figure source[srcset]")
    assert body.select_one("figure.figure figcaption").get_text() == "First impressions count."


def test_the_table_of_contents_lists_question_sections_when_there_are_three_or_more(
    client, section
):
    questions = [question(f"Question {n}?", "An answer.") for n in range(1, 4)]
    body = render_guide(client, section, [{"type": "table_of_contents", "value": None}, *questions])
    links = body.select(".toc a")
    assert [a["href"] for a in links] == ["#question-1", "#question-2", "#question-3"]
    assert [a.get_text() for a in links] == ["Question 1?", "Question 2?", "Question 3?"]


def test_the_table_of_contents_stays_hidden_for_short_guides(client, section):
    questions = [question(f"Question {n}?", "An answer.") for n in range(1, 3)]
    body = render_guide(client, section, [{"type": "table_of_contents", "value": None}, *questions])
    assert body.select_one(".toc") is None


def test_every_body_block_declares_a_template_icon_and_label():
    for name, block in GuideBodyBlock().child_blocks.items():
        assert block.meta.template, name
        assert block.meta.icon, name
        assert block.meta.label, name
