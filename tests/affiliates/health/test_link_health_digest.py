"""The weekly link health e-mail: who gets it, what it says, and that it is sent once a week
however often the command runs."""

import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from affiliates.models import LinkHealth, LinkHealthDigestSubscription
from tests.factories import AffiliateLinkFactory, GuidePageFactory, UserFactory, affiliate_anchor

pytestmark = pytest.mark.django_db

Status = LinkHealth.Status
BASE_URL = "https://careers.example"


@pytest.fixture(autouse=True)
def _public_admin_address(settings):
    settings.WAGTAILADMIN_BASE_URL = BASE_URL


def set_health(link, status, reason="", **values):
    LinkHealth.objects.update_or_create(
        link=link,
        defaults={"status": status, "reason": reason, "checked_at": timezone.now(), **values},
    )
    return link


def person(*groups, **fields):
    user = UserFactory(**fields)
    user.groups.add(*(Group.objects.get(name=name) for name in groups))
    return user


def send_digest(*args):
    out = io.StringIO()
    call_command("send_link_health_digest", *args, stdout=out)
    return out.getvalue().splitlines()


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def warnings(section, disclosure_page):
    """A broken link used on two pages, a redirected one used on none, and links that need
    nobody: healthy, blocked by the partner, or broken but acknowledged."""
    gone = set_health(AffiliateLinkFactory(name="Gone offer"), Status.BROKEN, "HTTP 404 Not Found")
    moved = set_health(
        AffiliateLinkFactory(name="Moved offer", partner=None),
        Status.REDIRECTED,
        "Redirected to other.example (HTTP 200 OK)",
    )
    set_health(AffiliateLinkFactory(name="Fine offer"), Status.OK, "HTTP 200 OK")
    set_health(AffiliateLinkFactory(name="Amazon offer"), Status.BLOCKED, "HTTP 503")
    set_health(
        AffiliateLinkFactory(name="Known gap"), Status.BROKEN, acknowledged_status=Status.BROKEN
    )
    GuidePageFactory(parent=section, title="Interview prep", intro=affiliate_anchor(gone))
    GuidePageFactory(parent=section, title="After the offer", intro=affiliate_anchor(gone))
    return gone, moved


def test_the_digest_goes_to_each_person_who_may_change_links_and_wants_it(warnings):
    manager = person("Affiliate managers", email="manager@example.com")
    owner = UserFactory(is_superuser=True, email="owner@example.com")
    person("Editors", email="editor@example.com")  # edits pages, not links
    person("Affiliate managers", email="gone@example.com", is_active=False)
    person("Affiliate managers", email="")
    opted_out = person("Affiliate managers", email="quiet@example.com")
    LinkHealthDigestSubscription.objects.create(user=opted_out, wants_digest=False)

    lines = send_digest()

    assert recipients() == ["manager@example.com", "owner@example.com"]
    # One e-mail each: nobody learns who else gets it.
    assert [message.to for message in mail.outbox] in (
        [[manager.email], [owner.email]],
        [[owner.email], [manager.email]],
    )
    assert lines == [
        "2 links need attention.",
        "Sent the link health e-mail to 2 people.",
        "Skipped 1 person: turned off in their account settings.",
        "Skipped 1 person: no e-mail address.",
    ]


def test_the_digest_lists_broken_then_redirected_links_with_their_pages_and_edit_links(
    warnings,
):
    gone, moved = warnings
    person("Affiliate managers", email="manager@example.com", first_name="Ada")

    send_digest()

    (message,) = mail.outbox
    assert message.subject == (
        "Career Compass: 1 broken and 1 redirected affiliate links need attention"
    )
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    edit = f"{BASE_URL}/admin/snippets/affiliates/affiliatelink/edit/"
    text = message.body
    assert text.startswith("Hello Ada,\n")
    assert text.index("Gone offer") < text.index("Moved offer")
    assert "Status: Broken — HTTP 404 Not Found" in text
    assert "Used on: After the offer; Interview prep" in text
    assert f"Edit the link: {edit}{gone.pk}/" in text
    assert "Status: Redirected elsewhere — Redirected to other.example (HTTP 200 OK)" in text
    assert f"Edit the link: {edit}{moved.pk}/" in text
    for absent in ("Fine offer", "Amazon offer", "Known gap"):
        assert absent not in text
    assert f"{BASE_URL}{reverse('affiliates_link_health_report')}" in text
    assert f"{BASE_URL}/admin/account/#tab-notifications" in text

    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    soup = BeautifulSoup(html, "html.parser")
    rows = soup.select("tbody tr")
    assert [row.th.a.get_text(strip=True) for row in rows] == ["Gone offer", "Moved offer"]
    assert [row.th.a["href"] for row in rows] == [f"{edit}{gone.pk}/", f"{edit}{moved.pk}/"]
    status, reason, _, used_on = (td.get_text(strip=True) for td in rows[0].select("td"))
    assert (status, reason, used_on) == (
        "Broken",
        "HTTP 404 Not Found",
        "After the offer; Interview prep",
    )
    assert soup.find("a", string="your account settings")["href"] == (
        f"{BASE_URL}/admin/account/#tab-notifications"
    )


def test_names_typed_by_editors_are_escaped_in_the_html_e_mail_only(section, disclosure_page):
    set_health(AffiliateLinkFactory(name="<b>Tom & Jerry</b>"), Status.BROKEN)
    person("Affiliate managers", email="manager@example.com")

    send_digest()

    (message,) = mail.outbox
    assert message.subject == "Career Compass: 1 broken affiliate link needs attention"
    assert "<b>Tom & Jerry</b>" in message.body
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in message.alternatives[0][0]


def test_nothing_is_sent_when_no_link_needs_attention(db):
    set_health(AffiliateLinkFactory(), Status.OK)
    set_health(AffiliateLinkFactory(), Status.BROKEN, acknowledged_status=Status.BROKEN)
    person("Affiliate managers", email="manager@example.com")

    lines = send_digest()

    assert mail.outbox == []
    assert lines == ["No link needs attention: no link health e-mail sent."]


def test_running_twice_in_a_row_sends_once(warnings):
    person("Affiliate managers", email="manager@example.com")

    send_digest()
    again = send_digest()

    assert recipients() == ["manager@example.com"]
    assert again == [
        "2 links need attention.",
        "Sent the link health e-mail to 0 people.",
        "Skipped 1 person: sent one in the last 6 days (--force sends again).",
    ]


def test_next_weeks_run_sends_again_and_force_sends_at_once(warnings):
    person("Affiliate managers", email="manager@example.com")
    start = timezone.now()

    with freeze_time(start):
        send_digest()
    with freeze_time(start + datetime.timedelta(days=5, hours=23)):
        send_digest()
    assert len(mail.outbox) == 1
    with freeze_time(start + datetime.timedelta(days=6)):
        send_digest()
    assert len(mail.outbox) == 2
    with freeze_time(start + datetime.timedelta(days=6, hours=1)):
        send_digest("--force")
    assert len(mail.outbox) == 3


class RefusingBackend(EmailBackend):
    """The locmem outbox, but the mail server refuses one address."""

    def send_messages(self, messages):
        if any("refused@example.com" in message.to for message in messages):
            raise ConnectionRefusedError("mail server said no")
        return super().send_messages(messages)


def test_an_e_mail_that_fails_does_not_stop_the_others_and_is_retried_next_run(warnings, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    refused = person("Affiliate managers", email="refused@example.com", username="refused")
    person("Affiliate managers", email="manager@example.com")

    with pytest.raises(CommandError, match=r"Could not send it to 1 person \(refused\)"):
        send_digest()

    assert recipients() == ["manager@example.com"]
    assert LinkHealthDigestSubscription.objects.get(user=refused).last_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_digest()
    assert recipients() == ["manager@example.com", "refused@example.com"]
