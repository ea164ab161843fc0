"""A privacy change is a publish: readers stop getting a page made private at once.

Editors change privacy through Wagtail's privacy dialog, which posts its form to
``wagtailadmin_pages:set_privacy``; these tests post it the same way, after readers
have the pages in the page cache.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from tests.factories import GuidePageFactory, StandardPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return Client()


@pytest.fixture
def guide(section):
    return GuidePageFactory(
        parent=section, title="Salary Negotiation", intro="<p>Ask for the top of the band.</p>"
    )


@pytest.fixture
def sibling(section, guide):
    """A guide in the same section, whose related guides and next link show ``guide``."""
    return GuidePageFactory(parent=section, title="Dress Code")


@pytest.fixture
def set_privacy(editor, django_capture_on_commit_callbacks):
    """Post the privacy dialog's form for ``page``, as the admin's dialog does."""

    def post(page, restriction_type, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = editor.post(
                reverse("wagtailadmin_pages:set_privacy", args=[page.pk]),
                {"restriction_type": restriction_type, **fields},
            )
        assert response.status_code == 200
        assert '"step": "set_privacy_done"' in response.content.decode()

    return post


def cached(reader, url):
    reader.get(url)
    response = reader.get(url)
    assert response["X-Page-Cache"] == "HIT"
    return response.content.decode()


def test_a_guide_made_private_with_a_password_is_replaced_by_the_password_form(
    reader, set_privacy, guide
):
    assert "Ask for the top of the band." in cached(reader, guide.url)

    set_privacy(guide, "password", password="members-only")

    response = reader.get(guide.url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ask for the top of the band." not in page
    assert 'name="password"' in page
    assert response.get("X-Page-Cache") != "HIT"


def test_a_guide_made_private_to_signed_in_readers_sends_others_to_sign_in(
    reader, set_privacy, guide
):
    cached(reader, guide.url)

    set_privacy(guide, "login")

    response = reader.get(guide.url)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_guide_made_private_leaves_the_section_listing_and_its_neighbours_pages(
    reader, set_privacy, section, guide, sibling
):
    assert "Salary Negotiation" in cached(reader, section.url)
    assert "Salary Negotiation" in cached(reader, sibling.url)

    set_privacy(guide, "login")

    assert "Salary Negotiation" not in reader.get(section.url).content.decode()
    assert "Salary Negotiation" not in reader.get(sibling.url).content.decode()


def test_a_guide_chosen_as_related_or_featured_is_no_longer_shown_once_private(
    reader, set_privacy, home, guide, sibling
):
    sibling.related_guides.create(guide=guide)
    sibling.save_revision().publish()
    home.featured_guides.create(guide=guide)
    home.save_revision().publish()
    assert "Salary Negotiation" in cached(reader, sibling.url)
    assert "Salary Negotiation" in cached(reader, home.url)

    set_privacy(guide, "login")

    assert "Salary Negotiation" not in reader.get(sibling.url).content.decode()
    assert "Salary Negotiation" not in reader.get(home.url).content.decode()


def test_a_section_made_private_leaves_the_menu_on_every_page(
    reader, set_privacy, home, section, guide
):
    other = StandardPageFactory(parent=home, title="About us")
    menu = f'href="{section.url}"'
    assert menu in cached(reader, home.url)
    assert menu in cached(reader, other.url)

    set_privacy(section, "groups", groups=[Group.objects.get(name="Editors").pk])

    assert menu not in reader.get(home.url).content.decode()
    assert menu not in reader.get(other.url).content.decode()
    # And everything under the section is private with it.
    assert reader.get(guide.url).status_code == 302


def test_making_a_private_guide_public_again_brings_it_back_for_readers(
    reader, set_privacy, section, guide
):
    set_privacy(guide, "login")
    assert "Salary Negotiation" not in cached(reader, section.url)

    set_privacy(guide, "none")

    assert not PageViewRestriction.objects.filter(page=guide).exists()
    assert "Ask for the top of the band." in reader.get(guide.url).content.decode()
    assert "Salary Negotiation" in reader.get(section.url).content.decode()
