"""A guide tells readers how long it takes to read."""

import json

import pytest

from tests.factories import GuidePageFactory, question
from tests.pages import soup_of

pytestmark = pytest.mark.django_db


def words(count):
    return " ".join(["word"] * count)


def test_a_guide_of_about_seven_hundred_words_takes_three_minutes(client, section):
    guide = GuidePageFactory(
        parent=section,
        intro=f"<p>{words(100)}</p>",
        body=[question("What?", f"<p>{words(250)}</p>", f"<p>{words(250)}</p>")],
        closing=f"<p>{words(90)}</p>",
    )

    soup = soup_of(client, guide)

    assert soup.select_one(".guide__reading-time").text == "3 min read"
    articles = [json.loads(tag.string) for tag in soup.select('script[type="application/ld+json"]')]
    assert [a["timeRequired"] for a in articles if a["@type"] == "Article"] == ["PT3M"]


def test_a_short_guide_takes_at_least_a_minute(client, section):
    guide = GuidePageFactory(
        parent=section,
        intro="<p>Short.</p>",
        closing="",
        # Block types, ids and anchors are not words a reader reads.
        body=[{"type": "table_of_contents", "value": None}] * 1
        + [question(f"Q{n}?", "<p>A.</p>", anchor=f"anchor-{n}") for n in range(40)],
    )

    assert soup_of(client, guide).select_one(".guide__reading-time").text == "1 min read"
