"""A local partner site for link-health tests: one path per kind of answer."""

import contextlib
import ipaddress
import socket
import threading
import time
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

#: How long /slow takes to answer; tests use a shorter checker timeout.
SLOW_SECONDS = 2.0

Request = namedtuple("Request", "method path started user_agent host")


class PartnerHandler(BaseHTTPRequestHandler):
    """Answers by path. Every request is written to the server's log."""

    def do_HEAD(self):
        self.answer(send_body=False)

    def do_GET(self):
        self.answer(send_body=True)

    def answer(self, send_body):
        server = self.server
        with server.lock:
            server.requests.append(
                Request(
                    self.command,
                    self.path,
                    time.monotonic(),
                    self.headers["User-Agent"],
                    self.headers["Host"],
                )
            )
            server.active += 1
            server.most_active = max(server.most_active, server.active)
        try:
            path = self.path.split("?")[0]
            if path == "/hold":
                time.sleep(server.hold_seconds)
            status, headers = self.route(path, parse_qs(urlsplit(self.path).query))
        finally:
            # No longer active once the answer starts: the client may send its next
            # request as soon as it has read this one, before this thread runs again.
            with server.lock:
                server.active -= 1
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        body = f"{status}\n".encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def route(self, path, query):
        port = self.server.server_address[1]
        if path in ("/ok", "/hold"):
            return 200, {}
        if path == "/moved-elsewhere":
            # 127.0.0.1 and localhost are different hosts: another site, as far as a
            # reader's address bar is concerned.
            return 301, {"Location": f"http://localhost:{port}/ok"}
        if path == "/moved-here":
            return 301, {"Location": "/ok"}
        if path == "/loop":
            return 302, {"Location": "/loop"}
        if path == "/redirect":
            # A partner's redirect to wherever ?to= says, as a tracking link's would be.
            return 302, {"Location": query["to"][0]}
        if path == "/head-refused":
            return (405 if self.command == "HEAD" else 200), {}
        if path == "/slow":
            time.sleep(SLOW_SECONDS)
            return 200, {}
        if path.startswith("/status/"):
            return int(path.removeprefix("/status/")), {}
        return 404, {}

    def log_message(self, format, *args):
        pass  # keep test output clean


class PartnerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address="127.0.0.1", port=0):
        super().__init__((address, port), PartnerHandler)
        self.lock = threading.Lock()
        self.requests = []
        self.active = 0
        self.most_active = 0
        self.hold_seconds = 0.2

    def handle_error(self, request, client_address):
        pass  # the checker hangs up on /slow before it answers; that is expected

    @property
    def port(self):
        return self.server_address[1]

    def url(self, path, host=None):
        return f"http://{host or self.server_address[0]}:{self.port}{path}"


@contextlib.contextmanager
def partner_server(address="127.0.0.1", port=0):
    """A partner site listening on ``address`` (any of 127.0.0.0/8) and ``port`` (0: a
    free one)."""
    server = PartnerServer(address, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def refused_url():
    """An address on this machine where nothing listens: the port was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def keep_connections_on_this_machine(monkeypatch):
    """Make any connection to an address off this machine fail before a packet is sent,
    and return the list of such attempts. Tests of refused addresses name 10.x and
    169.254.169.254; if the code under test ever tried them, nothing may leave."""
    attempts = []
    connect = socket.socket.connect

    def loopback_only(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not (
            ipaddress.ip_address(host.split("%")[0]).is_loopback
        ):
            attempts.append(host)
            raise ConnectionRefusedError(f"test guard: {host} is not on this machine")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    return attempts
