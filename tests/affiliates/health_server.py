"""A local partner site for link-health tests: one path per kind of answer."""

import contextlib
import socket
import threading
import time
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: How long /slow takes to answer; tests use a shorter checker timeout.
SLOW_SECONDS = 2.0

Request = namedtuple("Request", "method path started user_agent")


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
                Request(self.command, self.path, time.monotonic(), self.headers["User-Agent"])
            )
            server.active += 1
            server.most_active = max(server.most_active, server.active)
        try:
            path = self.path.split("?")[0]
            if path == "/hold":
                time.sleep(server.hold_seconds)
            status, headers = self.route(path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            body = f"{status}\n".encode()
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        finally:
            with server.lock:
                server.active -= 1

    def route(self, path):
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

    def __init__(self):
        super().__init__(("127.0.0.1", 0), PartnerHandler)
        self.lock = threading.Lock()
        self.requests = []
        self.active = 0
        self.most_active = 0
        self.hold_seconds = 0.2

    def handle_error(self, request, client_address):
        pass  # the checker hangs up on /slow before it answers; that is expected

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.server_address[1]}{path}"


@contextlib.contextmanager
def partner_server():
    server = PartnerServer()
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
