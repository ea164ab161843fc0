import pytest
from wagtail.contrib.redirects.models import Redirect

from tests.factories import GuidePageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


def test_renaming_a_guides_slug_leaves_a_permanent_redirect_from_the_old_url(
    client, section, django_capture_on_commit_callbacks
):
    guide = GuidePageFactory(parent=section, title="Follow Up Tips")
    old_url = guide.url

    # Wagtail creates the redirect once the rename is committed.
    with django_capture_on_commit_callbacks(execute=True):
        guide.slug = "second-interview-tips"
        guide.save_revision().publish()

    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"].endswith("/second-interview-tips/")
    assert client.get(response["Location"]).status_code == 200
    assert Redirect.objects.filter(redirect_page=guide, is_permanent=True).exists()


def test_moving_a_guide_to_another_section_redirects_its_old_url(client, home, section):
    guide = GuidePageFactory(parent=section, title="Dress Code")
    old_url = guide.url
    other = SectionPageFactory(parent=home, title="Starting a New Job")

    guide.move(other, pos="last-child")

    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"].endswith("/starting-a-new-job/dress-code/")
