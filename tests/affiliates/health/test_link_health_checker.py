"""manage.py check_link_health against a real local partner site (see health_server)."""

import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry, Revision

from affiliates.health.checker import CheckResult, record, site_of
from affiliates.models import AffiliateLink, LinkHealth
from tests.affiliates.health.health_server import SLOW_SECONDS, partner_server, refused_url
from tests.factories import AffiliateLinkFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = LinkHealth.Status
#: Well under the slow endpoint's answer time, so its check times out quickly.
TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def _local_partners_allowed(settings):
    # These partner sites are servers on this machine, on ports of their own; the
    # checker refuses such addresses otherwise (tests/careersite/test_outbound.py).
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    settings.OUTBOUND_ALLOWED_PORTS = range(1, 65536)


@pytest.fixture
def partner():
    with partner_server() as server:
        yield server


def check(*links, timeout=TIMEOUT, delay=0, workers=4, stdout=None, verbosity=1):
    """Run the command for ``links`` (all links due a check when none are given)."""
    stdout = stdout or io.StringIO()
    call_command(
        "check_link_health",
        *(f"--link={link.slug}" for link in links),
        f"--timeout={timeout}",
        f"--delay={delay}",
        f"--workers={workers}",
        f"--verbosity={verbosity}",
        stdout=stdout,
    )
    return stdout.getvalue()


def health(link):
    return LinkHealth.objects.get(link=link)


def move(link, url):
    # Like an editor changing the destination, without the history an edit would add.
    AffiliateLink.objects.filter(pk=link.pk).update(destination_url=url)


def test_a_destination_answering_200_is_ok_with_the_check_time_and_answer(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/ok"))
    before = timezone.now()

    check(link)

    result = health(link)
    assert result.status == Status.OK
    assert result.http_status == 200
    assert result.reason == "HTTP 200 OK"
    assert result.final_url == partner.url("/ok")
    assert result.checked_at >= before
    assert not result.needs_attention


def test_a_redirect_to_another_domain_is_redirected_and_records_where_it_ended(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/moved-elsewhere"))

    check(link)

    result = health(link)
    assert result.status == Status.REDIRECTED
    assert result.final_url == partner.url("/ok", host="localhost")
    assert result.reason == "Redirected to localhost (HTTP 200 OK)"
    assert result.needs_attention


def test_a_redirect_within_the_same_site_is_ok(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/moved-here"))

    check(link)

    assert health(link).status == Status.OK
    assert health(link).final_url == partner.url("/ok")


@pytest.mark.parametrize(
    ("host", "other", "same"),
    [
        ("www.example.com", "example.com", True),
        ("shop.example.com", "www.example.com", True),
        ("www.amazon.co.uk", "amazon.co.uk", True),
        ("amazon.co.uk", "ebay.co.uk", False),
        ("example.com", "example.net", False),
        ("127.0.0.1", "localhost", False),
    ],
)
def test_hosts_of_one_site_count_as_the_same_site(host, other, same):
    assert (site_of(host) == site_of(other)) is same


@pytest.mark.parametrize("code", [403, 405, 429, 503])
def test_a_partner_refusing_the_checker_is_blocked_and_never_broken(partner, code):
    link = AffiliateLinkFactory(destination_url=partner.url(f"/status/{code}"))

    check(link)
    check(link)

    result = health(link)
    assert result.status == Status.BLOCKED
    assert result.http_status == code
    assert result.consecutive_failures == 0
    assert "refuses automated checks" in result.reason
    assert not result.needs_attention


def failing_destinations(partner):
    return {
        "404": (partner.url("/status/404"), "HTTP 404 Not Found"),
        "410": (partner.url("/status/410"), "HTTP 410 Gone"),
        "500": (partner.url("/status/500"), "HTTP 500 Internal Server Error"),
        "slow": (partner.url("/slow"), f"No answer within {TIMEOUT:g} seconds"),
        "refused": (refused_url(), "Connection refused"),
        "loop": (partner.url("/loop"), "More than 10 redirects"),
    }


@pytest.mark.parametrize("kind", ["404", "410", "500", "slow", "refused", "loop"])
def test_a_failing_destination_is_broken_only_after_two_checks_in_a_row(partner, kind):
    url, reason = failing_destinations(partner)[kind]
    link = AffiliateLinkFactory(destination_url=url)

    check(link)

    first = health(link)
    assert first.status == Status.UNCHECKED
    assert first.consecutive_failures == 1
    assert first.reason == f"{reason} (first failure; broken if the next check fails too)"
    assert first.checked_at is not None

    check(link)

    second = health(link)
    assert second.status == Status.BROKEN
    assert second.consecutive_failures == 2
    assert second.reason == reason
    assert second.needs_attention


def test_the_slow_destination_is_given_up_on_at_the_timeout(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/slow"))

    started = time.monotonic()
    check(link)

    assert time.monotonic() - started < SLOW_SECONDS
    assert health(link).consecutive_failures == 1


def test_a_first_failure_keeps_the_previous_status_with_the_reason(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/ok"))
    check(link)
    move(link, partner.url("/status/404"))

    check(link)

    result = health(link)
    assert result.status == Status.OK
    assert result.http_status == 404
    assert result.reason.startswith("HTTP 404 Not Found (first failure")


def test_a_successful_check_resets_the_failure_count(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/status/500"))
    check(link)
    move(link, partner.url("/ok"))
    check(link)
    assert health(link).consecutive_failures == 0

    move(link, partner.url("/status/500"))
    check(link)

    # One failure since the good check: not broken yet.
    assert health(link).status == Status.OK
    assert health(link).consecutive_failures == 1


def test_a_broken_link_that_answers_again_is_ok(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/status/404"))
    check(link)
    check(link)
    assert health(link).status == Status.BROKEN

    move(link, partner.url("/ok"))
    check(link)

    assert health(link).status == Status.OK
    assert health(link).consecutive_failures == 0
    assert health(link).reason == "HTTP 200 OK"


def test_a_destination_refusing_head_is_checked_with_get(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/head-refused"))

    check(link)

    assert health(link).status == Status.OK
    assert [(r.method, r.path) for r in partner.requests] == [
        ("HEAD", "/head-refused"),
        ("GET", "/head-refused"),
    ]


def test_a_destination_answering_head_is_not_fetched_with_get(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/ok"))

    check(link)

    assert [(r.method, r.path) for r in partner.requests] == [("HEAD", "/ok")]


def test_a_rate_limited_head_is_not_asked_again(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/status/429"))

    check(link)

    assert [r.method for r in partner.requests] == ["HEAD"]


def test_the_checker_names_itself_to_partners(partner, settings):
    settings.WAGTAIL_SITE_NAME = "Career Compass"
    link = AffiliateLinkFactory(destination_url=partner.url("/ok"))

    check(link)

    assert partner.requests[0].user_agent.startswith("Career Compass link checker (+http")


def test_requests_to_one_host_are_one_at_a_time_and_spaced_by_the_delay(partner):
    links = [AffiliateLinkFactory(destination_url=partner.url(f"/hold?{n}")) for n in range(3)]

    check(*links, delay=0.3, workers=4)

    assert partner.most_active == 1
    starts = [r.started for r in partner.requests]
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    # Each request holds its answer 0.2 s, then the host gets 0.3 s of rest.
    assert len(gaps) == 2
    assert all(gap >= 0.3 + 0.2 for gap in gaps)


def test_different_hosts_are_checked_at_the_same_time(partner):
    partner.hold_seconds = 0.5
    links = [
        AffiliateLinkFactory(destination_url=partner.url(f"/hold?{n}", host=host))
        for n in range(2)
        for host in ("127.0.0.1", "localhost")
    ]

    started = time.monotonic()
    # A timeout well above the hold: one at the hold itself (TIMEOUT) lets a busy
    # client give up on a request the server is still holding and send the host's next.
    check(*links, workers=4, timeout=5)

    # Two hosts, so two requests at once, never more: four requests of 0.5 s in about 1 s.
    assert partner.most_active == 2
    assert time.monotonic() - started < 1.9


def test_checking_saves_health_without_editing_the_link(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/ok"))
    updated_at = AffiliateLink.objects.get(pk=link.pk).updated_at
    revisions, log_entries = Revision.objects.count(), ModelLogEntry.objects.count()

    check(link)

    assert AffiliateLink.objects.get(pk=link.pk).updated_at == updated_at
    assert Revision.objects.count() == revisions
    assert ModelLogEntry.objects.count() == log_entries


def test_a_change_of_status_shows_an_acknowledged_warning_again(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/status/404"))
    check(link)
    check(link)
    LinkHealth.objects.filter(link=link).update(
        acknowledged_status=Status.BROKEN,
        acknowledged_by=UserFactory(),
        acknowledged_at=timezone.now(),
    )
    check(link)
    assert not health(link).needs_attention  # still broken: still acknowledged

    move(link, partner.url("/ok"))
    check(link)
    move(link, partner.url("/status/404"))
    check(link)
    check(link)

    # Broken again after being OK: a new problem, even though it is "broken" as before.
    assert health(link).status == Status.BROKEN
    assert health(link).acknowledged_status == ""
    assert health(link).needs_attention


def test_a_reason_longer_than_the_field_is_shortened():
    link = AffiliateLinkFactory()

    record(link, CheckResult("failed", "x" * 500, None, link.destination_url))

    assert len(health(link).reason) == 300
    assert health(link).reason.endswith("…")


# The command.


def test_the_command_checks_active_links_including_ones_yet_to_start(partner):
    now = timezone.now()
    url = partner.url("/ok")
    live = AffiliateLinkFactory(destination_url=url)
    scheduled = AffiliateLinkFactory(
        destination_url=url, starts_at=now + timezone.timedelta(days=3)
    )
    expired = AffiliateLinkFactory(destination_url=url, expires_at=now - timezone.timedelta(days=1))
    switched_off = AffiliateLinkFactory(destination_url=url, is_active=False)

    output = check()

    checked = set(LinkHealth.objects.values_list("link__slug", flat=True))
    assert checked == {live.slug, scheduled.slug}
    assert {expired.slug, switched_off.slug}.isdisjoint(checked)
    assert "Done: 2 links checked" in output


def test_a_named_link_is_checked_even_when_switched_off(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/ok"), is_active=False)

    check(link)

    assert health(link).status == Status.OK


def test_an_unknown_slug_is_an_error():
    with pytest.raises(CommandError, match="No link with the slug nope"):
        call_command("check_link_health", "--link=nope", stdout=io.StringIO())


def test_the_command_prints_progress_lines_and_a_summary_naming_the_problems(partner):
    good = AffiliateLinkFactory(slug="good", destination_url=partner.url("/ok"))
    gone = AffiliateLinkFactory(slug="gone", destination_url=partner.url("/status/404"))
    amazon = AffiliateLinkFactory(slug="amazon", destination_url=partner.url("/status/503"))

    output = check(good, gone, amazon)

    lines = output.splitlines()
    progress = [line for line in lines if line.startswith("Checked ")]
    assert [line.split(":")[0] for line in progress] == [
        "Checked 1/3 links",
        "Checked 2/3 links",
        "Checked 3/3 links",
    ]
    assert progress[-1] == (
        "Checked 3/3 links: 1 ok, 0 redirected, 1 blocked, 0 broken, 1 failed once"
    )
    assert any(line.startswith("Done: 3 links checked in ") for line in lines)
    assert f"  failed once: gone ({partner.url('/status/404')}) — HTTP 404 Not Found" in output
    assert "good" not in output.split("Done:")[1]

    output = check(good, gone, amazon)

    assert "1 ok, 0 redirected, 1 blocked, 1 broken, 0 failed once" in output
    assert "  broken: gone" in output


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_in_a_terminal_the_progress_line_is_rewritten_in_place(partner):
    links = [AffiliateLinkFactory(destination_url=partner.url(f"/ok?{n}")) for n in range(3)]

    output = check(*links, stdout=Terminal())

    assert "\rChecked 1/3 links: 1 ok" in output
    assert "\rChecked 3/3 links: 3 ok" in output
    assert "\nChecked" not in output
    assert output.endswith("0 failed once.\n")


def test_in_a_log_a_long_run_prints_a_line_every_tenth_of_the_way(partner):
    links = [AffiliateLinkFactory(destination_url=partner.url(f"/ok?{n}")) for n in range(20)]

    output = check(*links)

    progress = [line for line in output.splitlines() if line.startswith("Checked ")]
    assert len(progress) == 10
    assert progress[-1].startswith("Checked 20/20 links: 20 ok")


def test_verbosity_zero_prints_nothing_for_cron(partner):
    link = AffiliateLinkFactory(destination_url=partner.url("/status/404"))

    output = check(link, verbosity=0)

    assert output == ""
    assert health(link).consecutive_failures == 1


def test_with_nothing_to_check_the_command_says_so():
    AffiliateLinkFactory(is_active=False)

    assert check().strip() == "No active links to check."
