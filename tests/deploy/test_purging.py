"""Which URLs the app asks the front cache to forget when editors change pages."""

import runpy
import socket
import time

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.contrib.frontend_cache.backends import BaseBackend

from careersite.front_cache import backends
from careersite.settings import base as settings_module
from tests.factories import GuidePageFactory, SectionPageFactory

pytestmark = pytest.mark.django_db


class RecordingBackend(BaseBackend):
    """Stands in for Varnish: keeps the URLs it was asked to purge."""

    purged = []

    def purge(self, url):
        self.purged.append(url)


@pytest.fixture
def purged(settings):
    settings.WAGTAILFRONTENDCACHE = {
        "front-cache": {"BACKEND": "tests.deploy.test_purging.RecordingBackend"}
    }
    RecordingBackend.purged = []
    return RecordingBackend.purged


@pytest.fixture
def guide(section):
    return GuidePageFactory(parent=section, title="Follow Up Tips")


def test_publishing_a_guide_purges_it_and_every_page_that_lists_it(purged, home, section, guide):
    sibling = GuidePageFactory(parent=section, title="Dress Code")
    purged.clear()

    guide.save_revision().publish()

    assert set(purged) >= {
        "http://localhost/preparing-for-a-job-interview/follow-up-tips/",
        "http://localhost/preparing-for-a-job-interview/",
        "http://localhost/",
        sibling.full_url,
        "http://localhost/feeds/guides/",
        "http://localhost/sitemap.xml",
        "http://localhost/sitemap-pages.xml",
    }


def test_unpublishing_a_guide_purges_it_and_its_section(purged, section, guide):
    purged.clear()

    guide.unpublish()

    assert "http://localhost/preparing-for-a-job-interview/follow-up-tips/" in purged
    assert "http://localhost/preparing-for-a-job-interview/" in purged


def test_moving_a_guide_purges_its_old_and_new_addresses_and_both_sections(
    purged, home, section, guide
):
    other = SectionPageFactory(parent=home, title="Starting a New Job")
    purged.clear()

    guide.move(other, pos="last-child")

    assert set(purged) >= {
        "http://localhost/preparing-for-a-job-interview/follow-up-tips/",
        "http://localhost/starting-a-new-job/follow-up-tips/",
        "http://localhost/preparing-for-a-job-interview/",
        "http://localhost/starting-a-new-job/",
    }


def test_renaming_a_section_purges_the_old_addresses_of_its_guides(
    purged, section, guide, django_capture_on_commit_callbacks
):
    purged.clear()

    with django_capture_on_commit_callbacks(execute=True):
        section.slug = "interviews"
        section.save_revision().publish()

    assert "http://localhost/preparing-for-a-job-interview/" in purged
    assert "http://localhost/preparing-for-a-job-interview/follow-up-tips/" in purged
    assert "http://localhost/interviews/" in purged


def test_deleting_a_guide_purges_it_and_its_section(purged, section, guide):
    purged.clear()

    guide.delete()

    assert "http://localhost/preparing-for-a-job-interview/follow-up-tips/" in purged
    assert "http://localhost/preparing-for-a-job-interview/" in purged


def base_settings(monkeypatch, frontend_cache_url):
    monkeypatch.setenv("FRONTEND_CACHE_URL", frontend_cache_url)
    return runpy.run_path(str(settings_module.__file__))


def test_every_front_cache_named_in_frontend_cache_url_is_purged(monkeypatch):
    configured = base_settings(monkeypatch, "http://127.0.0.1:6081, http://10.0.0.7:6081")

    locations = [backend["LOCATION"] for backend in configured["WAGTAILFRONTENDCACHE"].values()]
    assert locations == ["http://127.0.0.1:6081", "http://10.0.0.7:6081"]
    assert "wagtail.contrib.frontend_cache" in configured["INSTALLED_APPS"]


def test_nothing_is_purged_when_frontend_cache_url_is_unset(monkeypatch):
    assert base_settings(monkeypatch, "")["WAGTAILFRONTENDCACHE"] == {}


@pytest.fixture
def silent_front_cache(settings):
    """A front cache that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    location = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.WAGTAILFRONTENDCACHE = {
        "front-cache": {
            "BACKEND": "careersite.front_cache.backends.TimeLimitedHTTPBackend",
            "LOCATION": location,
            "TIMEOUT": 0.5,
        }
    }
    backends._unreachable_until.clear()
    yield location
    backends._unreachable_until.clear()
    listener.close()


def test_an_unresponsive_front_cache_delays_publishing_by_one_time_out_only(
    silent_front_cache, section, guide, caplog
):
    GuidePageFactory(parent=section, title="Dress Code")
    backends._unreachable_until.clear()
    started = time.monotonic()

    guide.save_revision().publish()

    assert time.monotonic() - started < 1.5
    assert guide.specific_class.objects.get(pk=guide.pk).live
    assert "skipping it for 30 s" in caplog.text


@pytest.fixture
def set_privacy(editor, django_capture_on_commit_callbacks):
    """Post the admin's privacy dialog for ``page``; purges wait for the commit."""

    def post(page, restriction_type, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = editor.post(
                reverse("wagtailadmin_pages:set_privacy", args=[page.pk]),
                {"restriction_type": restriction_type, **fields},
            )
        assert '"step": "set_privacy_done"' in response.content.decode()

    return post


def test_making_a_guide_private_purges_it_and_every_page_that_lists_it(
    purged, set_privacy, section, guide
):
    sibling = GuidePageFactory(parent=section, title="Dress Code")
    purged.clear()

    set_privacy(guide, "password", password="members-only")

    assert set(purged) >= {
        "http://localhost/preparing-for-a-job-interview/follow-up-tips/",
        "http://localhost/preparing-for-a-job-interview/",
        "http://localhost/",
        sibling.full_url,
        "http://localhost/feeds/guides/",
        "http://localhost/sitemap.xml",
        "http://localhost/sitemap-pages.xml",
    }


def test_making_a_section_private_purges_every_guide_under_it(purged, set_privacy, section, guide):
    purged.clear()

    set_privacy(section, "login")

    assert "http://localhost/preparing-for-a-job-interview/" in purged
    assert "http://localhost/preparing-for-a-job-interview/follow-up-tips/" in purged


def test_making_a_private_guide_public_again_purges_its_section(
    purged, set_privacy, section, guide
):
    set_privacy(guide, "login")
    purged.clear()

    set_privacy(guide, "none")

    assert "http://localhost/preparing-for-a-job-interview/follow-up-tips/" in purged
    assert "http://localhost/preparing-for-a-job-interview/" in purged


def test_changing_which_groups_may_see_a_guide_purges_it(purged, set_privacy, guide):
    set_privacy(guide, "groups", groups=[Group.objects.get(name="Moderators").pk])
    purged.clear()

    set_privacy(guide, "groups", groups=[Group.objects.get(name="Editors").pk])

    assert "http://localhost/preparing-for-a-job-interview/follow-up-tips/" in purged
