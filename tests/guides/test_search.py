import pytest
from bs4 import BeautifulSoup

from tests.factories import GuidePageFactory, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def guides(section):
    return [
        GuidePageFactory(
            parent=section,
            title="Follow Up Interview Tips",
            body=[question("Who will interview me?", "Probably the department's quartermaster.")],
        ),
        GuidePageFactory(parent=section, title="Write a Cover Letter"),
    ]


def results(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in soup.select(".results h2 a")]


def test_search_finds_a_guide_by_a_word_from_its_body(client, guides):
    response = client.get("/search/", {"q": "quartermaster"})
    assert response.status_code == 200
    assert results(response) == ["Follow Up Interview Tips"]
    assert "1 result for" in response.content.decode()


def test_a_search_with_no_matches_says_so(client, guides):
    response = client.get("/search/", {"q": "zebra"})
    assert "No pages matched “zebra”" in response.content.decode()


def test_drafts_are_not_found(client, section):
    GuidePageFactory(parent=section, title="Secret Draft About Quartermasters", publish=False)
    assert results(client.get("/search/", {"q": "quartermasters"})) == []


@pytest.mark.parametrize(
    "query",
    ["", "   ", "x" * 1000, '<script>alert("x")</script>', "%", "'; DROP TABLE", "AND OR NOT"],
)
def test_odd_queries_answer_sensibly_and_are_shown_escaped(client, guides, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_a_very_long_query_is_shortened_with_a_message(client, guides):
    response = client.get("/search/", {"q": "interview " * 100})
    assert "only its first 200 characters were used" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "99999"])
def test_junk_page_numbers_in_search_still_show_results(client, guides, page):
    response = client.get("/search/", {"q": "interview", "page": page})
    assert response.status_code == 200
    assert "Follow Up Interview Tips" in results(response)
