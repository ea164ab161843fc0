"""Fetching web addresses that editors typed, without letting them reach inside our network.

An affiliate link's destination is typed by an editor (or imported, or chosen by a
partner's redirect), yet the site's own servers fetch it: the link checker does, and so
would anything else that looks at a partner's page. Fetched naively, such an address can
point at the cloud's metadata service (169.254.169.254), at Redis on localhost:6379, or at
any machine on the private network, and the answer, even just its status, tells whoever
typed it what runs there.

So everything here refuses, on every request and every redirect hop:

- schemes other than http and https;
- ports other than the standard web ports (``OUTBOUND_ALLOWED_PORTS``, 80 and 443);
- addresses that are not global: loopback, private, link-local, CGNAT (100.64/10),
  unique-local (fc00::/7), multicast, unspecified and reserved ranges, and IPv6 forms
  that carry such an IPv4 address inside (IPv4-mapped, IPv4-compatible, 6to4, NAT64),
  unless ``OUTBOUND_ALLOWED_NETWORKS`` lists them (tests allow their local servers).

A host name is resolved once, every address it resolves to is checked, and the
connection goes to a checked address: a name that answers one address to the check and
another to the connection (DNS rebinding) cannot slip past. TLS still verifies the
certificate for the name, and the Host header still carries it.

``refusal(url)`` says, without any DNS lookup, why an address can never be fetched; the
link forms use it. ``OutboundSession`` is a requests session that enforces all of it.
"""

import ipaddress
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

PRIVATE_NETWORK = "points inside a private network"

#: IPv6 ranges that carry an IPv4 address in their last 32 bits: IPv4-compatible
#: addresses (deprecated, ::a.b.c.d) and NAT64's well-known prefix.
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: Tunnelling and local-use translation ranges no partner's site lives on.
_NEVER_PUBLIC = (
    ipaddress.ip_network("2001::/32"),  # Teredo
    ipaddress.ip_network("64:ff9b:1::/48"),  # NAT64 for local use
)

#: Host names that mean this machine whatever DNS says (RFC 6761), and its addresses.
_LOOPBACK_NAMES = ("localhost",)
_LOOPBACK_ADDRESSES = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(requests.RequestException):
    """An address the site will not fetch: ``reason`` completes "This address …"."""

    def __init__(self, url: str | None, reason: str, **kwargs: Any) -> None:
        super().__init__(f"{url} {reason}", **kwargs)
        self.url = url
        self.reason = reason

    @property
    def message(self) -> str:
        return editor_message(self.reason)


def editor_message(reason: str) -> str:
    """What an editor who typed an address refused for ``reason`` is told."""
    return f"This address {reason}; links must lead to a public website."


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network) for network in settings.OUTBOUND_ALLOWED_NETWORKS]


def allowed_ports() -> Sequence[int]:
    return settings.OUTBOUND_ALLOWED_PORTS


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` (an ``ipaddress`` address) is somewhere on the public internet."""
    if address.version == 6:
        if any(address in network for network in _NEVER_PUBLIC):
            return False
        embedded = _embedded_ipv4(address)
        if address.ipv4_mapped is not None or address in _IPV4_COMPATIBLE:
            # Only a way of writing an IPv4 address: that address decides.
            return embedded is not None and is_public(embedded)
        # 6to4 and NAT64 reach the IPv4 address through a gateway: both must be public.
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _IPV4_COMPATIBLE and int(address) <= 1:
        return None  # :: and ::1 are IPv6's own unspecified and loopback addresses
    if address in _IPV4_COMPATIBLE or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_allowed(address: IPAddress) -> bool:
    """Whether the site may connect to ``address``: public, or in an allowed network."""
    if any(address in network for network in allowed_networks()):
        return True
    return is_public(address)


def _literal_address(host: str) -> IPAddress | None:
    """The IP address ``host`` is written as, or None for a name. The resolver reads
    ``2130706433``, ``0x7f000001`` or ``127.1`` as 127.0.0.1, so they count as written."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _port_reason(port: int) -> str:
    return f"uses port {port}, not a standard web port (80 or 443)"


def refusal(url: str) -> str | None:
    """Why ``url`` can never be fetched, as the end of "This address …", or None.

    Needs no DNS: it looks at the scheme, the port and a host written as an IP address
    (or named localhost). A name that resolves to a private address is refused when it
    is fetched (``check_host``).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a web address the site can read"
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        if not scheme:
            return "is not a full web address (http:// or https://)"
        return f"starts with {scheme}:, not http:// or https://"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "names no website"
    address = _literal_address(host)
    if address is not None and not is_allowed(address):
        return PRIVATE_NETWORK
    if address is None and any(
        host == name or host.endswith(f".{name}") for name in _LOOPBACK_NAMES
    ):
        if not all(is_allowed(loopback) for loopback in _LOOPBACK_ADDRESSES):
            return PRIVATE_NETWORK
    port = port or DEFAULT_PORTS[scheme]
    if port not in allowed_ports():
        return _port_reason(port)
    return None


def check_url(url: str) -> None:
    """Raise ``RefusedAddress`` if ``url`` can never be fetched (see ``refusal``)."""
    reason = refusal(url)
    if reason:
        raise RefusedAddress(url, reason)


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to, in the resolver's order. Patched in tests."""
    family = connection.allowed_gai_family()
    answers = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    addresses = []
    for *_, sockaddr in answers:
        # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"); the address is what counts.
        # A TCP answer's first item is always the address as text.
        address = ipaddress.ip_address(cast(str, sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def check_host(host: str, port: int) -> list[IPAddress]:
    """The addresses to connect to for ``host``: resolved once, every one of them allowed.

    Raises ``RefusedAddress`` if the port is not allowed or if any address is not (a
    name with one private address among public ones is refused whole), and
    ``socket.gaierror`` if the name does not resolve.
    """
    url = f"//{host}:{port}"
    if port not in allowed_ports():
        raise RefusedAddress(url, _port_reason(port))
    literal = _literal_address(host)
    addresses = [literal] if literal is not None else resolve(host.rstrip("."), port)
    if not addresses or not all(is_allowed(address) for address in addresses):
        raise RefusedAddress(url, PRIVATE_NETWORK)
    return addresses


class _RefusedConnection(Exception):
    """Carries a refusal out of urllib3, which would turn any OSError (and so any
    requests error) into "Connection aborted" and lose it."""

    def __init__(self, refused: RefusedAddress) -> None:
        super().__init__(refused)
        self.refused = refused


if TYPE_CHECKING:
    # The mixin goes before an HTTPConnection; the type checker is told so, the class is not.
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


class _CheckedConnectionMixin(_ConnectionBase):
    """Connects only to an address ``check_host`` approved for the connection's host."""

    def _new_conn(self) -> socket.socket:
        try:
            addresses = check_host(self._dns_host, self.port)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        except RefusedAddress as refused:
            raise _RefusedConnection(refused) from None
        last_error: ConnectTimeoutError | None = None
        for address in addresses:
            try:
                return connection.create_connection(
                    (str(address), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as error:
                last_error = ConnectTimeoutError(
                    self,
                    f"Connection to {self.host} timed out. (connect timeout={self.timeout})",
                )
                last_error.__cause__ = error
            except OSError as error:
                last_error = NewConnectionError(
                    self, f"Failed to establish a new connection: {error}"
                )
                last_error.__cause__ = error
        # check_host returns at least one address, so one of them failed.
        raise cast(ConnectTimeoutError, last_error)


class CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    pass


class CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    """The socket goes to the checked address; SNI and the certificate check use the
    host name (``HTTPSConnection.connect`` takes them from ``host``, not the socket)."""


class CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """A requests adapter whose connections go only to allowed addresses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": CheckedHTTPConnectionPool,
            "https": CheckedHTTPSConnectionPool,
        }

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().send(request, *args, **kwargs)
        except _RefusedConnection as error:
            raise RefusedAddress(request.url, error.refused.reason, request=request) from None

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> NoReturn:
        # Through a proxy the connection would go to the proxy, unchecked for the target.
        raise RefusedAddress(proxy, "is a proxy, and outbound requests never use one")


class OutboundSession(requests.Session):
    """A requests session for addresses editors typed: each request, and each redirect
    it follows, is checked (``check_url``) before anything is sent, and its connection
    goes to an address checked for it.

    Proxies and credentials from the environment (``HTTP_PROXY``, ``.netrc``) are not
    used: an editor's address must not borrow the server's.
    """

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        adapter = CheckedAdapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        # A request is sent only once prepared, and preparing it sets its address.
        check_url(cast(str, request.url))
        return super().send(request, **kwargs)
