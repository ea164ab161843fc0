import datetime

import pytest
from django.conf import settings
from django.test import override_settings
from freezegun import freeze_time

from tests.factories import GuidePageFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def clock():
    with freeze_time("2026-12-01 09:00:00") as frozen:
        yield frozen


@pytest.fixture
def signed_in(client, clock):
    """The test client, just signed in to the admin with a password."""
    UserFactory(username="ed", is_superuser=True)
    response = client.post("/admin/login/", {"username": "ed", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_an_editor_idle_for_longer_than_the_timeout_is_signed_out(signed_in, clock):
    assert signed_in.get("/admin/pages/").status_code == 200
    clock.tick(60 * MINUTE)

    response = signed_in.get("/admin/pages/")
    sign_in_page = signed_in.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in signed_in.session
    assert "You were signed out after 60 minutes without activity" in (
        sign_in_page.content.decode()
    )


def test_an_editor_who_keeps_working_stays_signed_in(signed_in, clock):
    for _ in range(12):
        clock.tick(15 * MINUTE)
        assert signed_in.get("/admin/pages/").status_code == 200


def test_an_editor_back_just_inside_the_timeout_stays_signed_in(signed_in, clock):
    signed_in.get("/admin/pages/")
    clock.tick(59 * MINUTE)

    assert signed_in.get("/admin/pages/").status_code == 200


@override_settings(ADMIN_IDLE_TIMEOUT_MINUTES=5)
def test_the_idle_timeout_is_a_setting(signed_in, clock):
    signed_in.get("/admin/pages/")
    clock.tick(5 * MINUTE)

    assert signed_in.get("/admin/pages/").status_code == 302


def test_a_session_ends_twelve_hours_after_signing_in_however_busy(signed_in, clock):
    for _ in range(23):
        clock.tick(30 * MINUTE)
        assert signed_in.get("/admin/pages/").status_code == 200
    clock.tick(30 * MINUTE)

    response = signed_in.get("/admin/pages/")
    sign_in_page = signed_in.get(response["Location"])

    assert response.status_code == 302
    assert "You were signed out 12 hours after you signed in" in sign_in_page.content.decode()


def test_the_remembered_session_cookie_lasts_no_longer_than_a_session_may(client):
    UserFactory(username="ed", is_superuser=True)

    response = client.post(
        "/admin/login/", {"username": "ed", "password": PASSWORD, "remember": "on"}
    )

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 12 * 60 * 60


def test_activity_is_saved_at_most_once_a_minute(signed_in, clock):
    clock.tick(datetime.timedelta(seconds=30))
    within_the_minute = signed_in.get("/admin/pages/")
    clock.tick(datetime.timedelta(seconds=30))
    a_minute_on = signed_in.get("/admin/pages/")

    assert settings.SESSION_COOKIE_NAME not in within_the_minute.cookies
    assert settings.SESSION_COOKIE_NAME in a_minute_on.cookies


def test_an_idle_editor_reading_the_site_is_signed_out_without_a_fuss(signed_in, clock, home):
    guide = GuidePageFactory(parent=home, title="Write a Cover Letter")
    signed_in.get("/admin/pages/")
    clock.tick(61 * MINUTE)

    response = signed_in.get(guide.url)

    assert response.status_code == 200
    assert "_auth_user_id" not in signed_in.session
    assert "messages" not in response.cookies


@pytest.mark.parametrize("path", ["/", "/write-a-cover-letter/", "/search/?q=cover"])
def test_reader_pages_set_no_cookie(client, home, path):
    GuidePageFactory(parent=home, title="Write a Cover Letter", slug="write-a-cover-letter")

    response = client.get(path)

    assert response.status_code == 200
    assert not response.cookies
