import pytest
from django.test import override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
VARNISH = "10.0.0.2"
TLS_TERMINATOR = "10.0.0.1"


def sign_in(client, username, password, address="203.0.113.7", **headers):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def via_one_proxy(client, username, password, reader):
    """A sign-in through Varnish, which appends the address it saw to X-Forwarded-For."""
    return sign_in(client, username, password, address=VARNISH, HTTP_X_FORWARDED_FOR=reader)


def via_two_proxies(client, username, password, reader, claimed=None):
    """Through a TLS terminator and Varnish; ``claimed`` is what the client itself sent."""
    chain = ", ".join(filter(None, [claimed, reader, TLS_TERMINATOR]))
    return sign_in(client, username, password, address=VARNISH, HTTP_X_FORWARDED_FOR=chain)


def test_an_account_is_locked_after_five_failed_sign_ins_even_with_the_right_password(client):
    UserFactory(username="ed", is_staff=True, is_superuser=True)
    for _ in range(4):
        assert sign_in(client, "ed", "wrong").status_code == 200
    fifth = sign_in(client, "ed", "wrong")

    response = sign_in(client, "ed", PASSWORD)

    assert fifth.status_code == 429
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_stranger_guessing_an_editors_password_does_not_lock_the_editor_out_elsewhere(client):
    UserFactory(username="ed", is_staff=True, is_superuser=True)
    for _ in range(6):
        sign_in(client, "ed", "wrong", address="198.51.100.66")

    response = sign_in(client, "ed", PASSWORD, address="203.0.113.7")

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_one_address_guessing_many_accounts_is_locked_out_at_the_address_limit(client):
    UserFactory(username="victim", is_staff=True)
    for number in range(19):
        assert sign_in(client, f"guess{number}", "wrong").status_code == 200

    twentieth = sign_in(client, "guess19", "wrong")
    response = sign_in(client, "victim", PASSWORD)

    assert twentieth.status_code == 429
    assert response.status_code == 429


def test_colleagues_typos_behind_one_office_address_do_not_lock_out_the_office(client):
    UserFactory(username="ed", is_staff=True)
    for number in range(4):
        sign_in(client, f"colleague{number}", "wrong")
        sign_in(client, f"colleague{number}", "wrong")

    response = sign_in(client, "ed", PASSWORD)

    assert response.status_code == 302


def test_signing_in_with_your_own_account_does_not_reset_an_addresses_guesses(client):
    UserFactory(username="mallory", is_staff=True)
    for number in range(19):
        sign_in(client, f"guess{number}", "wrong")
    assert sign_in(client, "mallory", PASSWORD).status_code == 302
    client.logout()

    response = sign_in(client, "guess0", "wrong")

    assert response.status_code == 429


def test_a_few_mistakes_do_not_stop_an_editor_signing_in(client):
    UserFactory(username="ed", is_staff=True, is_superuser=True)
    for _ in range(2):
        sign_in(client, "ed", "wrong")

    response = sign_in(client, "ed", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@override_settings(PROXY_COUNT=1)
def test_behind_one_proxy_a_strangers_failures_do_not_lock_out_an_editor(client):
    UserFactory(username="ed", is_staff=True, is_superuser=True)
    for _ in range(5):
        via_one_proxy(client, "ed", "wrong", reader="198.51.100.66")
    stranger = via_one_proxy(client, "ed", PASSWORD, reader="198.51.100.66")

    editor = via_one_proxy(client, "ed", PASSWORD, reader="203.0.113.7")

    assert stranger.status_code == 429
    assert editor.status_code == 302


@override_settings(PROXY_COUNT=2)
def test_behind_two_proxies_a_strangers_failures_do_not_lock_out_an_editor(client):
    UserFactory(username="ed", is_staff=True, is_superuser=True)
    for _ in range(5):
        via_two_proxies(client, "ed", "wrong", reader="198.51.100.66")
    stranger = via_two_proxies(client, "ed", PASSWORD, reader="198.51.100.66")

    editor = via_two_proxies(client, "ed", PASSWORD, reader="203.0.113.7")

    assert stranger.status_code == 429
    assert editor.status_code == 302


@override_settings(PROXY_COUNT=2)
def test_behind_two_proxies_a_forged_forwarded_address_does_not_escape_the_lock_out(client):
    UserFactory(username="ed", is_staff=True, is_superuser=True)
    for number in range(5):
        via_two_proxies(client, "ed", "wrong", reader="198.51.100.66", claimed=f"192.0.2.{number}")

    response = via_two_proxies(client, "ed", PASSWORD, reader="198.51.100.66", claimed="192.0.2.99")

    assert response.status_code == 429
