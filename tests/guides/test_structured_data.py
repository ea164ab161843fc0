"""Every public page's structured data (JSON-LD) parses, and each type carries what
search engines require of it, with absolute addresses on the site's own domain."""

import datetime

import pytest
from wagtail.models import Site

from guides.models import GuideAuthor, SearchAndSharingSettings
from tests.factories import (
    GuidePageFactory,
    ImageFactory,
    PersonFactory,
    StandardPageFactory,
)
from tests.pages import json_ld, soup_of

pytestmark = pytest.mark.django_db

#: What each schema.org type must carry here: Google's required and recommended
#: properties for the rich results the type is for.
REQUIRED = {
    "WebSite": {"name", "url", "potentialAction"},
    "BreadcrumbList": {"itemListElement"},
    "Article": {
        "headline",
        "author",
        "publisher",
        "datePublished",
        "dateModified",
        "image",
        "mainEntityOfPage",
    },
    "ProfilePage": {"mainEntity"},
    "Person": {"name", "url"},
    "ListItem": {"position", "name", "item"},
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def site_pages(home, section, disclosure_page):
    sharing = SearchAndSharingSettings.for_site(Site.objects.get())
    sharing.default_social_image = ImageFactory(size=(1200, 630))
    sharing.save()
    author = PersonFactory(name="Amara Okafor", photo=ImageFactory(size=(640, 640)))
    reviewer = PersonFactory(name="Daniel Reyes")
    guide = GuidePageFactory(
        parent=section, reviewer=reviewer, last_reviewed=datetime.date(2026, 11, 2)
    )
    guide.authors = [GuideAuthor(person=author)]
    guide.save_revision().publish()
    about = StandardPageFactory(parent=home, title="About us")
    return {
        "/": {"WebSite"},
        section.url: {"BreadcrumbList"},
        guide.url: {"BreadcrumbList", "Article"},
        about.url: {"BreadcrumbList"},
        disclosure_page.url: {"BreadcrumbList"},
        author.get_absolute_url(): {"ProfilePage"},
        reviewer.get_absolute_url(): {"ProfilePage"},
    }


def missing_properties(data):
    """Every (type, property) a block or anything nested in it lacks."""
    found = []
    if isinstance(data, dict):
        for name in REQUIRED.get(data.get("@type"), ()):
            if data.get(name) in (None, "", [], {}):
                found.append((data["@type"], name))
        for value in data.values():
            found += missing_properties(value)
    elif isinstance(data, list):
        for value in data:
            found += missing_properties(value)
    return found


def addresses_in(data):
    if isinstance(data, dict):
        for key, value in data.items():
            if key in {"url", "item", "@id"} and isinstance(value, str):
                yield value
            yield from addresses_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from addresses_in(value)


def test_every_public_page_type_has_structured_data_with_what_its_type_requires(client, site_pages):
    root_url = Site.objects.get().root_url
    for url, expected_types in site_pages.items():
        blocks = json_ld(soup_of(client, url))  # json.loads fails on anything unparsable

        assert {block["@type"] for block in blocks} == expected_types, url
        for block in blocks:
            assert block["@context"] == "https://schema.org"
            assert missing_properties(block) == [], url
            assert all(address.startswith(root_url + "/") for address in addresses_in(block))


def test_a_guides_article_names_its_people_and_its_picture(client, site_pages, section):
    guide_url = next(url for url, types in site_pages.items() if "Article" in types)

    (article,) = json_ld(soup_of(client, guide_url), "Article")

    assert [author["name"] for author in article["author"]] == ["Amara Okafor"]
    assert article["mainEntityOfPage"]["reviewedBy"]["name"] == "Daniel Reyes"
    assert article["mainEntityOfPage"]["lastReviewed"] == "2026-11-02"
    (image,) = article["image"]
    assert image.endswith(".fill-1200x630.png")


def test_an_author_page_describes_the_person_with_their_photo(client, site_pages):
    (profile,) = json_ld(soup_of(client, "/authors/amara-okafor/"), "ProfilePage")

    assert profile["mainEntity"]["name"] == "Amara Okafor"
    assert ".fill-320x320" in profile["mainEntity"]["image"]
