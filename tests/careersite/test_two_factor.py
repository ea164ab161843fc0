import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from wagtail.models import PageViewRestriction

from careersite.two_factor import devices
from tests.factories import GuidePageFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
VERIFY = "/admin/two-factor/verify/"
SET_UP = "/admin/two-factor/set-up/"
REMOVE = "/admin/two-factor/remove/"


def code_from_app(device):
    """What the editor's phone shows now: the TOTP of the device's own key."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device):
    return f"{(int(code_from_app(device)) + 1) % 1_000_000:06d}"


def sign_in(client, username, password=PASSWORD, **data):
    return client.post("/admin/login/", {"username": username, "password": password, **data})


def give_code(client, code, next_url="/admin/pages/"):
    return client.post(VERIFY, {"code": code, "next": next_url})


@pytest.fixture
def editor_user():
    """An editor (Wagtail's Editors group), not a superuser."""
    user = UserFactory(username="ed")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def app(editor_user):
    """The editor's authenticator app, set up and confirmed, with their backup codes."""
    device = devices.pending_authenticator_for(editor_user)
    device.backup_codes = devices.confirm_authenticator(device)
    return device


def test_an_editor_sets_up_an_authenticator_app_from_their_account_settings(client, editor_user):
    client.force_login(editor_user)

    account = client.get("/admin/account/").content.decode()
    page = client.get(SET_UP)
    device = TOTPDevice.objects.get(user=editor_user)
    done = client.post(SET_UP, {"code": code_from_app(device)})

    assert "Two-step verification" in account
    assert f'href="{SET_UP}"' in account
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content and "QR code for your authenticator app" in content
    assert devices.readable_secret(device) in content
    assert not device.confirmed
    assert done.status_code == 200
    assert "Two-step verification is on" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    shown = set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode()))
    stored = set(
        StaticToken.objects.filter(device__user=editor_user).values_list("token", flat=True)
    )
    assert len(shown) == 10
    assert shown == stored


def test_reloading_the_set_up_page_keeps_the_key_already_scanned(client, editor_user):
    client.force_login(editor_user)
    client.get(SET_UP)
    first = TOTPDevice.objects.get(user=editor_user).key

    client.get(SET_UP)

    assert list(TOTPDevice.objects.filter(user=editor_user).values_list("key", flat=True)) == [
        first
    ]


def test_the_app_is_not_turned_on_by_a_wrong_first_code(client, editor_user):
    client.force_login(editor_user)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=editor_user)

    response = client.post(SET_UP, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not devices.has_second_factor(editor_user)
    assert client.get("/admin/pages/").status_code == 200  # no code asked for


def test_the_account_settings_say_when_two_step_verification_is_on(client, app):
    client.post("/admin/login/", {"username": "ed", "password": PASSWORD})
    give_code(client, code_from_app(app))

    account = client.get("/admin/account/").content.decode()

    assert "<strong>On.</strong>" in account
    assert "10 backup codes left" in account
    assert f'href="{REMOVE}"' in account


def test_signing_in_asks_for_the_code_after_the_password_then_opens_the_admin(client, app):
    signed_in = sign_in(client, "ed")
    dashboard = client.get(signed_in["Location"])
    pages = client.get("/admin/pages/")
    prompt = client.get(pages["Location"])

    accepted = give_code(client, code_from_app(app))

    assert signed_in.status_code == 302
    assert dashboard.status_code == 302 and dashboard["Location"].startswith(VERIFY)
    assert pages["Location"] == f"{VERIFY}?next=%2Fadmin%2Fpages%2F"
    assert prompt.status_code == 200
    assert "Enter your code" in prompt.content.decode()
    assert accepted.status_code == 302
    assert accepted["Location"] == "/admin/pages/"
    assert client.get("/admin/pages/").status_code == 200


def test_a_wrong_code_is_refused_and_does_not_sign_in(client, app):
    sign_in(client, "ed")

    refused = give_code(client, wrong_code(app))

    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert client.get("/admin/pages/")["Location"].startswith(VERIFY)


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/pages/", "/admin/account/", "/admin/images/", REMOVE]
)
def test_a_password_alone_opens_no_admin_page_for_an_editor_with_an_app(client, app, url):
    sign_in(client, "ed")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_with_only_a_password_an_editor_with_an_app_sees_the_site_as_a_reader(client, home, app):
    private = GuidePageFactory(parent=home, title="Staff only")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    sign_in(client, "ed")

    before = client.get(private.url)
    give_code(client, code_from_app(app))
    after = client.get(private.url)

    assert before.status_code == 302  # to the reader's sign-in, as for anyone
    assert "Staff only" not in before.content.decode()
    assert after.status_code == 200


def test_a_code_is_accepted_only_from_the_page_the_prompt_was_for(client, app):
    sign_in(client, "ed")

    response = give_code(client, code_from_app(app), next_url="https://evil.example/")

    assert response["Location"] == "/admin/"


def test_after_each_wrong_code_even_the_right_one_must_wait_twice_as_long(client, app):
    second = datetime.timedelta(seconds=1)
    with freeze_time("2026-12-01 09:00:00") as clock:
        sign_in(client, "ed")
        give_code(client, wrong_code(app))
        first_wait = give_code(client, code_from_app(app))
        clock.tick(second)
        give_code(client, wrong_code(app))
        second_wait = give_code(client, code_from_app(app))
        clock.tick(second)
        still_waiting = give_code(client, code_from_app(app))
        clock.tick(second)
        accepted = give_code(client, code_from_app(app))

    assert "Too many wrong codes. Wait 1 second, then try again." in first_wait.content.decode()
    assert "Wait 2 seconds" in second_wait.content.decode()
    assert "Wait 1 second," in still_waiting.content.decode()
    assert accepted.status_code == 302
    assert accepted["Location"] == "/admin/pages/"


def test_a_code_is_good_for_one_sign_in_only(client, app):
    with freeze_time("2026-12-01 09:00:00"):
        sign_in(client, "ed")
        code = code_from_app(app)
        give_code(client, code)
        client.post("/admin/logout/")
        sign_in(client, "ed")

        replayed = give_code(client, code)

    assert replayed.status_code == 200
    assert "That code is not right" in replayed.content.decode()


def test_a_backup_code_signs_in_once_when_the_phone_is_lost(client, app):
    backup_code = app.backup_codes[0]
    sign_in(client, "ed")
    accepted = give_code(client, backup_code.upper())
    dashboard = client.get("/admin/").content.decode()
    client.post("/admin/logout/")
    sign_in(client, "ed")

    reused = give_code(client, backup_code)

    assert accepted.status_code == 302
    assert "You signed in with a backup code; 9 left." in dashboard
    assert "That code is not right" in reused.content.decode()


def test_turning_it_off_takes_a_current_code(client, app):
    with freeze_time("2026-12-01 09:00:00") as clock:
        sign_in(client, "ed")
        give_code(client, code_from_app(app))
        refused = client.post(REMOVE, {"code": "123 456"})
        clock.tick(datetime.timedelta(seconds=31))
        removed = client.post(REMOVE, {"code": code_from_app(app)})
        client.post("/admin/logout/")
        sign_in(client, "ed")
        pages = client.get("/admin/pages/")

    assert "That code is not right" in refused.content.decode()
    assert removed.status_code == 302
    assert not devices.has_second_factor(app.user)
    assert pages.status_code == 200


def test_an_administrator_removes_a_lost_app_with_a_command(client, app, capsys):
    call_command("remove_second_factor", "ed")
    sign_in(client, "ed")

    assert "Removed ed's authenticator app and backup codes" in capsys.readouterr().out
    assert client.get("/admin/pages/").status_code == 200
    assert not StaticToken.objects.filter(device__user=app.user).exists()


@override_settings(SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS=True)
def test_when_required_a_superuser_must_set_up_an_app_before_using_the_admin(client):
    UserFactory(username="root", is_superuser=True)
    sign_in(client, "root")

    pages = client.get("/admin/pages/")
    set_up = client.get(pages["Location"])
    device = TOTPDevice.objects.get(user__username="root")
    client.post(SET_UP, {"code": code_from_app(device)})

    assert pages.status_code == 302
    assert pages["Location"] == f"{SET_UP}?next=%2Fadmin%2Fpages%2F"
    assert "Superusers on this site must use two-step verification" in set_up.content.decode()
    assert client.get("/admin/pages/").status_code == 200


@override_settings(SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS=True)
def test_when_required_for_superusers_other_editors_may_still_choose(client, editor_user):
    sign_in(client, "ed")

    assert client.get("/admin/pages/").status_code == 200


@override_settings(SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS=False)
def test_when_not_required_a_superuser_signs_in_with_a_password(client):
    UserFactory(username="root", is_superuser=True)
    sign_in(client, "root")

    assert client.get("/admin/pages/").status_code == 200


def test_the_sign_in_lock_out_still_applies_to_editors_with_an_app(client, app):
    for _ in range(5):
        sign_in(client, "ed", "wrong")

    response = sign_in(client, "ed")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
