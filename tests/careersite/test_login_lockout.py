import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


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


def test_one_client_guessing_many_accounts_is_locked_out(client):
    UserFactory(username="victim", is_staff=True)
    for number in range(5):
        sign_in(client, f"guess{number}", "wrong")

    response = sign_in(client, "victim", PASSWORD)

    assert response.status_code == 429


def test_a_few_mistakes_do_not_stop_an_editor_signing_in(client):
    UserFactory(username="ed", is_staff=True, is_superuser=True)
    for _ in range(2):
        sign_in(client, "ed", "wrong")

    response = sign_in(client, "ed", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"]
