"""Guides are written and checked by named people, each with a page of their own."""

import datetime

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction

from guides.models import GuideAuthor, GuidePage, Person, PersonProfileLink
from tests.factories import GuidePageFactory, PersonFactory
from tests.pages import json_ld, soup_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def amara():
    person = PersonFactory(name="Amara Okafor", role="Careers adviser", bio="Twelve years.")
    PersonProfileLink.objects.create(
        person=person, label="Website", url="https://amara.example.com/"
    )
    return person


@pytest.fixture
def daniel():
    return PersonFactory(name="Daniel Reyes", role="Recruitment consultant")


def with_people(guide, authors=(), reviewer=None, last_reviewed=None):
    guide = GuidePage.objects.get(pk=guide.pk)
    guide.authors = [GuideAuthor(person=person) for person in authors]
    guide.reviewer = reviewer
    guide.last_reviewed = last_reviewed
    guide.save_revision().publish()
    return GuidePage.objects.get(pk=guide.pk)


def test_the_byline_names_the_authors_and_the_reviewer_with_the_review_date(
    client, section, amara, daniel
):
    other = PersonFactory(name="Sam Lee")
    guide = with_people(
        GuidePageFactory(parent=section),
        authors=[amara, other],
        reviewer=daniel,
        last_reviewed=datetime.date(2026, 11, 2),
    )

    byline = soup_of(client, guide.url).select_one(".guide__byline")

    assert " ".join(byline.get_text().split()) == (
        "By Amara Okafor and Sam Lee · Reviewed by Daniel Reyes on 2 November 2026"
    )
    assert [a["href"] for a in byline.select("a")] == [
        "/authors/amara-okafor/",
        "/authors/sam-lee/",
        "/authors/daniel-reyes/",
    ]


def test_a_guide_naming_nobody_has_no_byline_and_keeps_its_review_date(client, section):
    guide = with_people(GuidePageFactory(parent=section), last_reviewed=datetime.date(2026, 1, 5))

    soup = soup_of(client, guide.url)

    assert soup.select_one(".guide__byline") is None
    assert "Last reviewed 5 January 2026" in " ".join(soup.select_one(".guide__dates").text.split())


def test_the_article_data_names_person_authors_and_the_reviewer_of_the_web_page(
    client, section, amara, daniel
):
    guide = with_people(
        GuidePageFactory(parent=section),
        authors=[amara],
        reviewer=daniel,
        last_reviewed=datetime.date(2026, 11, 2),
    )

    (article,) = json_ld(soup_of(client, guide.url), "Article")

    assert article["author"] == [
        {
            "@type": "Person",
            "name": "Amara Okafor",
            "url": "http://localhost/authors/amara-okafor/",
            "jobTitle": "Careers adviser",
            "sameAs": ["https://amara.example.com/"],
        }
    ]
    web_page = article["mainEntityOfPage"]
    assert web_page["@id"] == guide.full_url
    assert web_page["reviewedBy"]["name"] == "Daniel Reyes"
    assert web_page["reviewedBy"]["url"] == "http://localhost/authors/daniel-reyes/"
    assert web_page["lastReviewed"] == "2026-11-02"


def test_a_persons_page_lists_the_live_public_guides_they_wrote_or_reviewed_newest_first(
    client, home, section, amara, daniel
):
    older = with_people(GuidePageFactory(parent=section, title="Older"), authors=[amara])
    newer = with_people(GuidePageFactory(parent=section, title="Newer"), reviewer=amara)
    GuidePage.objects.filter(pk=older.pk).update(
        first_published_at=newer.first_published_at - datetime.timedelta(days=1)
    )
    with_people(GuidePageFactory(parent=section, title="Someone else's"), authors=[daniel])
    draft = with_people(GuidePageFactory(parent=section, title="Withdrawn"), authors=[amara])
    draft.unpublish()
    private = with_people(GuidePageFactory(parent=section, title="Members only"), authors=[amara])
    PageViewRestriction.objects.create(page=private, restriction_type="login")

    soup = soup_of(client, "/authors/amara-okafor/")

    assert soup.h1.text == "Amara Okafor"
    assert soup.select_one(".person__role").text == "Careers adviser"
    assert [a.text for a in soup.select(".card__title a")] == ["Newer", "Older"]
    assert soup.select_one('.person__links a[rel~="me"]')["href"] == "https://amara.example.com/"
    (profile,) = json_ld(soup, "ProfilePage")
    assert profile["mainEntity"]["name"] == "Amara Okafor"
    assert profile["mainEntity"]["sameAs"] == ["https://amara.example.com/"]
    assert (
        soup.select_one('link[rel="canonical"]')["href"] == "http://localhost/authors/amara-okafor/"
    )


def test_a_person_with_no_guides_or_photo_still_has_a_page(client, home, daniel):
    soup = soup_of(client, "/authors/daniel-reyes/")

    assert soup.select_one(".person__photo") is None
    assert "Daniel Reyes has no published guides yet." in soup.text


def test_a_persons_photo_is_a_square_crop_with_its_size_given(client, home, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = Image.objects.create(
        title="Portrait", file=get_test_image_file(filename="portrait.png", size=(600, 400))
    )
    PersonFactory(name="Pictured Person", photo=photo)

    img = soup_of(client, "/authors/pictured-person/").select_one("img.person__photo")

    assert (img["width"], img["height"]) == ("160", "160")
    assert img["alt"] == ""  # the name is the heading beside it


@pytest.mark.parametrize("address", ["/authors/nobody/", "/authors/%00/", "/authors/a/b/"])
def test_an_unknown_person_is_not_found(client, home, address):
    assert client.get(address).status_code == 404


def test_a_page_number_past_the_end_shows_the_last_page_not_an_error(client, home, amara):
    response = client.get("/authors/amara-okafor/?page=99999&utm_source=x")

    assert response.status_code == 200


def test_a_renamed_person_shows_on_cached_guides_at_once(client, section, amara):
    guide = with_people(GuidePageFactory(parent=section), authors=[amara])
    assert "Amara Okafor" in client.get(guide.url).content.decode()
    assert client.get(guide.url)["X-Page-Cache"] == "HIT"

    amara.name = "Amara Okafor-Smith"
    amara.save()

    assert "Amara Okafor-Smith" in client.get(guide.url).content.decode()


def test_a_guide_published_with_a_new_author_joins_their_page_and_leaves_the_old_one(
    client, section, amara, daniel
):
    guide = with_people(GuidePageFactory(parent=section, title="Moving guide"), authors=[amara])
    for address in ("/authors/amara-okafor/", "/authors/daniel-reyes/"):
        client.get(address)
        assert client.get(address)["X-Page-Cache"] == "HIT"

    with_people(guide, authors=[daniel])

    assert "Moving guide" not in client.get("/authors/amara-okafor/").content.decode()
    assert "Moving guide" in client.get("/authors/daniel-reyes/").content.decode()


def test_editors_manage_people_under_people_in_the_admin(editor):
    listing = editor.get("/admin/snippets/guides/person/")
    assert listing.status_code == 200

    response = editor.post(
        "/admin/snippets/guides/person/add/",
        {
            "name": "New Writer",
            "slug": "new-writer",
            "role": "Editor",
            "bio": "",
            "credentials": "",
            "profile_links-TOTAL_FORMS": "1",
            "profile_links-INITIAL_FORMS": "0",
            "profile_links-MIN_NUM_FORMS": "0",
            "profile_links-MAX_NUM_FORMS": "6",
            "profile_links-0-label": "Website",
            "profile_links-0-url": "not a web address",
            "profile_links-0-ORDER": "1",
            "profile_links-0-DELETE": "",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Person.objects.filter(slug="new-writer").exists()
    assert "Enter a valid URL." in response.content.decode()
