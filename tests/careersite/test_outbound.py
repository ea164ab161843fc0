"""careersite.outbound: fetching editor-typed addresses never reaches inside our network.

The servers here are real, on loopback addresses: 127.0.0.2 stands in for a partner's
public site (the one network the tests allow), 127.0.0.1 for a service inside our
network that must never see a request. Host names are answered by patching the module's
own resolver; addresses off this machine (10.x, 169.254.169.254) are only ever named,
and a guard fails any attempt to reach one.
"""

import ipaddress
import shutil
import ssl
import subprocess

import pytest
import requests

from careersite import outbound
from careersite.outbound import OutboundSession, RefusedAddress, check_url, refusal
from tests.affiliates.health.health_server import keep_connections_on_this_machine, partner_server

PUBLIC = "127.0.0.2"
INTERNAL = "127.0.0.1"


@pytest.fixture(autouse=True)
def off_machine_attempts(monkeypatch):
    return keep_connections_on_this_machine(monkeypatch)


@pytest.fixture
def public_site(settings):
    """A partner site the tests treat as public: its address and its port are allowed."""
    settings.OUTBOUND_ALLOWED_NETWORKS = [f"{PUBLIC}/32"]
    with partner_server(PUBLIC) as server:
        settings.OUTBOUND_ALLOWED_PORTS = [80, 443, server.port]
        yield server


@pytest.fixture
def internal_service(public_site):
    """A service inside our network, on the same port as the public site (so only the
    address decides where a connection goes)."""
    with partner_server(INTERNAL, public_site.port) as server:
        yield server


@pytest.fixture
def resolver(monkeypatch):
    """Answers for host names: ``resolver.answers[name]`` is a list of answers, one per
    lookup (the last repeats); every lookup is logged in ``resolver.lookups``."""

    class Resolver:
        def __init__(self):
            self.answers, self.lookups = {}, []

        def __call__(self, host, port):
            self.lookups.append(host)
            answers = self.answers[host]
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            return [ipaddress.ip_address(address) for address in answer]

    resolver = Resolver()
    monkeypatch.setattr(outbound, "resolve", resolver)
    return resolver


def fetch(url, **kwargs):
    with OutboundSession() as session:
        return session.get(url, timeout=2, allow_redirects=kwargs.pop("redirects", False), **kwargs)


NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.5",
    "172.16.4.2",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - named, never bound
    "224.0.0.251",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "2002:a9fe:a9fe::1",
    "2002:7f00:1::",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a00:5",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_an_address_inside_a_private_or_special_network_is_refused(address):
    host = f"[{address}]" if ":" in address else address

    assert refusal(f"https://{host}/offer") == outbound.PRIVATE_NETWORK
    with pytest.raises(RefusedAddress, match="points inside a private network"):
        fetch(f"http://{host}/")


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "0177.0.0.1"])
def test_loopback_spelt_as_a_number_is_refused_too(host, off_machine_attempts):
    # Not IP addresses to Python, but the system resolver reads them as 127.0.0.1.
    assert refusal(f"http://{host}/") == outbound.PRIVATE_NETWORK

    with pytest.raises(RefusedAddress, match="points inside a private network"):
        fetch(f"http://{host}/")
    assert off_machine_attempts == []


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1111", "1.1.1.1"])
def test_a_public_address_written_as_an_ip_is_accepted(address):
    host = f"[{address}]" if ":" in address else address

    assert refusal(f"https://{host}/offer") is None


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "redis.localhost"])
def test_localhost_is_refused_without_asking_dns(host, resolver):
    assert refusal(f"http://{host}/") == outbound.PRIVATE_NETWORK
    assert resolver.lookups == []


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example.com/offer",
        "http://partner.example.com:80/offer",
        "https://partner.example.com:443/offer",
        "https://xn--caf-dma.example/",
    ],
)
def test_public_names_on_the_standard_ports_are_accepted(url):
    assert refusal(url) is None


@pytest.mark.parametrize("port", [8080, 6379, 22, 8443, 1])
def test_a_port_other_than_80_or_443_is_refused_with_the_port_named(port):
    reason = refusal(f"https://partner.example.com:{port}/offer")

    assert reason == f"uses port {port}, not a standard web port (80 or 443)"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(document.cookie)", "javascript"),
        ("data:text/html,<script>alert(1)</script>", "data"),
        ("file:///etc/passwd", "file"),
        ("ftp://files.example.com/offer", "ftp"),
        ("gopher://partner.example.com/", "gopher"),
    ],
)
def test_an_address_that_is_not_http_or_https_is_refused(url, scheme):
    with pytest.raises(RefusedAddress) as refused:
        check_url(url)

    assert refused.value.message == (
        f"This address starts with {scheme}:, not http:// or https://; links must lead to "
        "a public website."
    )


def test_the_editor_is_told_why_in_one_sentence():
    reason = refusal("http://169.254.169.254/latest/meta-data/")

    assert outbound.editor_message(reason) == (
        "This address points inside a private network; links must lead to a public website."
    )


# Against real servers.


def test_a_server_on_an_allowed_network_and_port_is_fetched(public_site):
    response = fetch(public_site.url("/ok"))

    assert response.status_code == 200
    assert [(r.method, r.path) for r in public_site.requests] == [("GET", "/ok")]


def test_a_loopback_destination_is_refused_when_not_allowed_and_gets_no_request(
    internal_service,
):
    with pytest.raises(RefusedAddress):
        fetch(internal_service.url("/ok"))

    assert internal_service.requests == []


def test_an_allowed_network_still_gets_no_request_on_a_port_not_allowed(settings, public_site):
    settings.OUTBOUND_ALLOWED_PORTS = [80, 443]

    with pytest.raises(RefusedAddress, match=f"uses port {public_site.port}"):
        fetch(public_site.url("/ok"))

    assert public_site.requests == []


def test_an_ipv4_mapped_ipv6_address_is_refused_even_where_ipv4_loopback_is_allowed(
    settings, internal_service, off_machine_attempts
):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.OUTBOUND_ALLOWED_PORTS = [80, 443, internal_service.port]
    assert fetch(internal_service.url("/ok")).status_code == 200  # allowed as 127.0.0.1

    with pytest.raises(RefusedAddress):
        fetch(f"http://[::ffff:127.0.0.1]:{internal_service.port}/ok")

    assert len(internal_service.requests) == 1
    assert off_machine_attempts == []


@pytest.mark.parametrize(
    "target",
    ["http://{internal}/ok", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/"],
)
def test_redirects_followed_by_the_session_are_checked_at_every_hop(
    public_site, internal_service, off_machine_attempts, target
):
    target = target.format(internal=f"{INTERNAL}:{internal_service.port}")

    with pytest.raises(RefusedAddress):
        fetch(public_site.url(f"/redirect?to={target}"), redirects=True)

    assert [r.path.split("?")[0] for r in public_site.requests] == ["/redirect"]
    assert internal_service.requests == []
    assert off_machine_attempts == []


def test_a_name_that_resolves_inside_the_network_is_refused_before_connecting(
    public_site, internal_service, resolver
):
    resolver.answers["shop.partner.test"] = [[INTERNAL]]

    with pytest.raises(RefusedAddress, match="points inside a private network"):
        fetch(f"http://shop.partner.test:{public_site.port}/ok")

    assert internal_service.requests == []


def test_a_name_with_one_private_address_among_public_ones_is_refused_whole(
    public_site, internal_service, resolver
):
    resolver.answers["shop.partner.test"] = [[PUBLIC, INTERNAL]]

    with pytest.raises(RefusedAddress):
        fetch(f"http://shop.partner.test:{public_site.port}/ok")

    assert public_site.requests == internal_service.requests == []


def test_a_name_that_changes_its_answer_connects_only_to_the_address_that_was_checked(
    public_site, internal_service, resolver
):
    # DNS rebinding: the first answer is public, every later one the internal service.
    resolver.answers["shop.partner.test"] = [[PUBLIC], [INTERNAL]]
    url = f"http://shop.partner.test:{public_site.port}/ok"

    response = fetch(url)

    assert response.status_code == 200
    assert internal_service.requests == []
    assert [(r.path, r.host) for r in public_site.requests] == [
        ("/ok", f"shop.partner.test:{public_site.port}")
    ]
    assert resolver.lookups == ["shop.partner.test"]
    # The next connection looks the name up again, and is refused.
    with pytest.raises(RefusedAddress):
        fetch(url)
    assert internal_service.requests == []


def test_proxies_from_the_environment_are_not_used(monkeypatch, public_site, internal_service):
    monkeypatch.setenv("HTTP_PROXY", internal_service.url(""))
    monkeypatch.setenv("NO_PROXY", "")

    assert fetch(public_site.url("/ok")).status_code == 200
    assert internal_service.requests == []


# TLS: the socket goes to the checked address, the certificate is checked for the name.


@pytest.fixture
def certificate(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - a fixed command line
        [  # noqa: S607
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=shop.partner.test",
            "-addext",
            "subjectAltName=DNS:shop.partner.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_public_site(public_site, certificate):
    """The public site, answering over TLS with a certificate for shop.partner.test."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    public_site.socket = context.wrap_socket(public_site.socket, server_side=True)
    return public_site


def test_https_checks_the_certificate_for_the_name_while_connecting_to_the_checked_address(
    tls_public_site, certificate, resolver
):
    resolver.answers["shop.partner.test"] = [[PUBLIC]]
    resolver.answers["other.partner.test"] = [[PUBLIC]]
    port = tls_public_site.port
    cert, _ = certificate

    response = fetch(f"https://shop.partner.test:{port}/ok", verify=str(cert))

    assert response.status_code == 200
    assert tls_public_site.requests[-1].host == f"shop.partner.test:{port}"
    with pytest.raises(requests.exceptions.SSLError, match="Hostname mismatch"):
        fetch(f"https://other.partner.test:{port}/ok", verify=str(cert))
    assert len(tls_public_site.requests) == 1
