"""The link checker never reaches inside our network, and stores only web addresses.

Against real local servers (see health_server): 127.0.0.2 plays the partner's public
site, reached as offers.partner.test through the checker's own resolver; 127.0.0.1 plays
a service inside our network that must never see a request. 10.x and 169.254.169.254
are only ever named: a guard fails any attempt to connect off this machine.
"""

import ipaddress

import pytest

from affiliates.models import LinkHealth
from careersite import outbound
from tests.affiliates.health.health_server import keep_connections_on_this_machine, partner_server
from tests.affiliates.health.test_link_health_checker import check, health
from tests.factories import AffiliateLinkFactory

pytestmark = pytest.mark.django_db

Status = LinkHealth.Status
PUBLIC, INTERNAL = "127.0.0.2", "127.0.0.1"
PARTNER_NAME = "offers.partner.test"
PRIVATE_HOP = "Redirected to an address that points inside a private network; not followed"


@pytest.fixture(autouse=True)
def off_machine_attempts(monkeypatch):
    return keep_connections_on_this_machine(monkeypatch)


@pytest.fixture
def resolver(monkeypatch):
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return [ipaddress.ip_address({PARTNER_NAME: PUBLIC}.get(host, INTERNAL))]

    monkeypatch.setattr(outbound, "resolve", resolve)
    return lookups


@pytest.fixture
def partner(settings, resolver):
    """The partner's public site: allowed, as the one network these tests let through."""
    settings.OUTBOUND_ALLOWED_NETWORKS = [f"{PUBLIC}/32"]
    with partner_server(PUBLIC) as server:
        settings.OUTBOUND_ALLOWED_PORTS = [80, 443, server.port]
        yield server


@pytest.fixture
def internal_service(partner):
    """A service inside the network, on the partner's port: only the address differs."""
    with partner_server(INTERNAL, partner.port) as server:
        yield server


def partner_url(partner, path):
    return partner.url(path, host=PARTNER_NAME)


def redirecting_to(partner, target):
    return AffiliateLinkFactory(destination_url=partner_url(partner, f"/redirect?to={target}"))


def test_a_public_partner_is_checked_as_before(partner):
    link = AffiliateLinkFactory(destination_url=partner_url(partner, "/ok"))

    check(link)

    assert health(link).status == Status.OK
    assert partner.requests[0].host == f"{PARTNER_NAME}:{partner.port}"


def test_a_destination_on_this_machine_is_refused_without_a_request(internal_service):
    link = AffiliateLinkFactory(destination_url=internal_service.url("/ok"))

    check(link)

    result = health(link)
    assert result.status == Status.BROKEN
    assert result.reason == "The destination points inside a private network; not checked"
    assert result.http_status is None
    assert internal_service.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5:8080/",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://localhost:{port}/ok",
    ],
    ids=["loopback", "metadata service", "private network", "IPv4-mapped", "localhost"],
)
def test_a_redirect_into_the_network_is_stopped_at_that_hop(
    partner, internal_service, off_machine_attempts, target
):
    target = target.format(port=partner.port)
    link = redirecting_to(partner, target)

    check(link)

    result = health(link)
    # Broken at once: checking again can't get further.
    assert result.status == Status.BROKEN
    assert result.reason == PRIVATE_HOP
    assert result.final_url == target
    assert [(r.method, r.path.split("?")[0]) for r in partner.requests] == [("HEAD", "/redirect")]
    assert internal_service.requests == []
    assert off_machine_attempts == []


def test_a_redirect_to_a_name_that_resolves_inside_the_network_is_stopped(
    partner, internal_service, resolver
):
    link = redirecting_to(partner, f"http://db.partner.test:{partner.port}/ok")

    check(link)

    assert health(link).reason == PRIVATE_HOP
    assert resolver[-1] == "db.partner.test"
    assert internal_service.requests == []


def test_a_redirect_to_a_port_other_than_80_or_443_is_stopped_without_a_lookup(partner, resolver):
    link = redirecting_to(partner, "https://shop.example.com:8443/offer")

    check(link)

    assert health(link).reason == (
        "Redirected to an address that uses port 8443, not a standard web port (80 or 443); "
        "not followed"
    )
    assert "shop.example.com" not in resolver


@pytest.mark.parametrize(
    ("target", "scheme"),
    [
        ("javascript:alert(document.cookie)", "javascript"),
        ("data:text/html,<script>alert(1)</script>", "data"),
        ("file:///etc/passwd", "file"),
        ("ftp://files.partner.test/offer", "ftp"),
    ],
)
def test_a_redirect_to_an_address_that_is_not_a_web_page_is_broken_and_never_stored(
    partner, target, scheme
):
    link = redirecting_to(partner, target)

    check(link)

    result = health(link)
    assert result.status == Status.BROKEN
    assert result.reason == (
        f"Redirected to an address that starts with {scheme}:, not http:// or https://; "
        "not followed"
    )
    assert result.final_url == ""


def test_the_command_names_the_refused_hop_for_whoever_reads_the_cron_mail(partner):
    link = redirecting_to(partner, "http://169.254.169.254/latest/meta-data/")

    output = check(link)

    assert f"  broken: {link.slug} ({link.destination_url}) — {PRIVATE_HOP}" in output
