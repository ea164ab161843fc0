"""Account settings › Notifications: people who may change links turn the weekly link
health e-mail off and on, and the digest does as they say."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from affiliates.models import LinkHealth, LinkHealthDigestSubscription
from tests.factories import AffiliateLinkFactory

pytestmark = pytest.mark.django_db

ACCOUNT_URL = reverse("wagtailadmin_account")
SWITCH = "link_health_digest-wants_digest"


def account_form(client):
    response = client.get(ACCOUNT_URL)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").find("form", id="w-editor-form")


def submitted_values(form):
    """What a browser would post for ``form`` as it stands."""
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name, kind = field.get("name"), field.get("type", "")
        if not name or kind in ("file", "submit", "button", "password"):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen["value"] if chosen else ""
        elif field.name == "textarea":
            data[name] = field.get_text()
        elif kind in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        else:
            data[name] = field.get("value", "")
    return data


def save_account_settings(client, *, wants_digest):
    data = submitted_values(account_form(client))
    if wants_digest:
        data[SWITCH] = "on"
    else:
        data.pop(SWITCH, None)
    response = client.post(ACCOUNT_URL, data)
    assert response.status_code == 302, [
        (panel.name, panel.get_form().errors)
        for panels in response.context["panels_by_tab"].values()
        for panel in panels
    ]
    return response


def send_digest(*args):
    out = io.StringIO()
    call_command("send_link_health_digest", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def manager(sign_in, client):
    """An affiliate manager, signed in, with the names Wagtail's account form requires."""
    user = sign_in(client, "Affiliate managers")
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    return user


@pytest.fixture
def broken_link(db):
    link = AffiliateLinkFactory(name="Gone offer")
    LinkHealth.objects.create(link=link, status=LinkHealth.Status.BROKEN, checked_at=timezone.now())
    return link


def test_a_manager_finds_the_weekly_e_mail_switch_on_under_notifications(sign_in, client):
    sign_in(client, "Affiliate managers")

    form = account_form(client)

    switch = form.find("input", {"name": SWITCH})
    assert switch["type"] == "checkbox"
    assert switch.has_attr("checked")
    assert form.find("label", {"for": switch["id"]}).get_text(strip=True) == (
        "Weekly link health e-mail"
    )
    assert switch.find_parent("section", role="tabpanel")["id"] == "tab-notifications"


def test_an_editor_who_cannot_change_links_is_not_offered_the_e_mail(sign_in, client):
    sign_in(client, "Editors")

    assert account_form(client).find("input", {"name": SWITCH}) is None


def test_someone_without_an_e_mail_address_is_told_to_add_one(sign_in, client):
    user = sign_in(client, "Affiliate managers")
    user.email = ""
    user.save()

    assert "add one under Profile" in account_form(client).get_text()


def test_turning_the_e_mail_off_and_on_again_in_account_settings(manager, client, broken_link):
    save_account_settings(client, wants_digest=False)

    assert not LinkHealthDigestSubscription.objects.get(user=manager).wants_digest
    assert not account_form(client).find("input", {"name": SWITCH}).has_attr("checked")
    assert "Skipped 1 person: turned off in their account settings." in send_digest("--force")
    assert mail.outbox == []

    save_account_settings(client, wants_digest=True)

    assert LinkHealthDigestSubscription.objects.get(user=manager).wants_digest
    send_digest()
    assert [message.to for message in mail.outbox] == [[manager.email]]


def test_saving_account_settings_keeps_the_record_of_the_last_digest(manager, client, broken_link):
    send_digest()
    sent_at = LinkHealthDigestSubscription.objects.get(user=manager).last_sent_at

    save_account_settings(client, wants_digest=True)
    send_digest()

    assert LinkHealthDigestSubscription.objects.get(user=manager).last_sent_at == sent_at
    assert len(mail.outbox) == 1
