"""An address leads to the page as it is now, also when it was read before (the page it
led to last time is asked for directly)."""

import pytest

from tests.factories import GuidePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uncached(settings):
    settings.PAGE_CACHE_SECONDS = 0


def test_a_guide_read_before_shows_its_latest_published_text(client, section):
    guide = GuidePageFactory(parent=section, intro="<p>Send a thank-you note.</p>")
    assert b"Send a thank-you note." in client.get(guide.url).content

    guide.intro = "<p>Send a thank-you email within a day.</p>"
    guide.save_revision().publish()

    response = client.get(guide.url)
    assert response.status_code == 200
    assert b"Send a thank-you email within a day." in response.content


def test_a_guide_read_before_and_then_unpublished_is_not_found(client, section):
    guide = GuidePageFactory(parent=section)
    assert client.get(guide.url).status_code == 200

    guide.unpublish()

    assert client.get(guide.url).status_code == 404


def test_an_address_read_before_that_now_names_another_page_shows_that_page(client, section):
    first = GuidePageFactory(parent=section, title="Dress Code", slug="dress-code")
    url = first.url
    assert b"Dress Code" in client.get(url).content
    first.slug = "what-to-wear"
    first.save_revision().publish()
    second = GuidePageFactory(parent=section, title="Dress Code Basics", slug="dress-code")

    response = client.get(url)
    assert response.status_code == 200
    assert b"Dress Code Basics" in response.content
    assert second.url == url


def test_a_guide_taken_offline_without_any_signal_is_not_served_from_its_old_route(client, section):
    # As when a script or another app's process changes the row and no publish follows:
    # the remembered route still asks whether the page is live.
    guide = GuidePageFactory(parent=section)
    assert client.get(guide.url).status_code == 200
    type(guide).objects.filter(pk=guide.pk).update(live=False)

    assert client.get(guide.url).status_code == 404
