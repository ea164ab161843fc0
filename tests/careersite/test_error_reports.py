"""A server error reaches the people who fix it, by mail and by Sentry, without personal data.

Each test runs the site with production settings in a fresh interpreter (they cannot be
loaded into the test process), serves one real HTTP request to a view that fails, and
looks at what arrived at a mail server or a Sentry server that the test runs itself.
"""

import email
import email.policy
import gzip
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from careersite.error_reports import without_personal_data
from tests.careersite.test_settings import PRODUCTION_ENV, run_manage

READER_ADDRESS = "203.0.113.7"
SESSION_COOKIE = "sessionid=k3xq9session0cookie0value"
FORM_EMAIL = "jo.form@example.com"
QUERY_MARKER = "q-search-by-reader"
SIGNED_IN_EMAIL = "jo.signed-in@example.com"
PERSONAL_DATA = [
    READER_ADDRESS,
    "k3xq9session0cookie0value",
    FORM_EMAIL,
    FORM_EMAIL.replace("@", "%40"),
    SIGNED_IN_EMAIL,
]

# Serves one POST, through the real WSGI application and its middleware, to a view that
# fails; the reader's address arrives the way proxies pass it on. Prints nothing to stdout,
# which is the log's.
FAILING_REQUEST = f"""
import http.client
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import sentry_sdk
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from careersite import urls as site_urls

@csrf_exempt
def broken_view(request):
    # As if something had told Sentry who was signed in: the report must still not say.
    sentry_sdk.set_user({{"email": "{SIGNED_IN_EMAIL}", "ip_address": "{READER_ADDRESS}"}})
    raise RuntimeError("the view broke")

class FailingPages:
    # The site's own pages too: its middleware looks some of them up.
    urlpatterns = [path("broken/", broken_view), *site_urls.urlpatterns]

settings.ROOT_URLCONF = FailingPages
# The session cookie is looked up, as for any request that brings one.
with connection.schema_editor() as editor:
    editor.create_model(Session)

class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass

server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
threading.Thread(target=server.handle_request, daemon=True).start()
reader = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
reader.request(
    "POST",
    "/broken/?q={QUERY_MARKER}",
    body="email={FORM_EMAIL.replace("@", "%40")}&name=Jo",
    headers={{
        "Host": "careers.example.com",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "{READER_ADDRESS}",
        "X-Real-IP": "{READER_ADDRESS}",
        "Cookie": "{SESSION_COOKIE}; theme=dark",
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "pytest reader",
    }},
)
print("status", reader.getresponse().status, file=sys.stderr)
sentry_sdk.flush(timeout=10)
"""


def serve_failing_request(tmp_path, **env):
    """Runs FAILING_REQUEST under production settings; returns the finished process."""
    # From a file: Sentry reports the command line, which must not hold the test's data.
    script = tmp_path / "failing_request.py"
    script.write_text(FAILING_REQUEST)
    result = run_manage(
        "careersite.settings.production",
        "shell",
        "--no-imports",
        "-c",
        f"exec(open({str(script)!r}).read())",
        **{
            **PRODUCTION_ENV,
            "ALLOWED_HOSTS": "careers.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        },
    )
    assert "status 500" in result.stderr, result.stderr
    return result


class MailServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take mail from smtplib, keeping each message it is given."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), MailSession)
        self.messages = []

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.server_address[1]}"


class MailSession(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 127.0.0.1 test mail server")
        sender, recipients = None, []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 127.0.0.1")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (data_line := self.rfile.readline()) != b".\r\n":
                    data += data_line[1:] if data_line.startswith(b"..") else data_line
                message = email.message_from_bytes(data, policy=email.policy.default)
                self.server.messages.append((sender, recipients, message))
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def mail_server():
    server = MailServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


class SentryServer(ThreadingHTTPServer):
    """Takes what the Sentry SDK sends and keeps each envelope's raw text and its items."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SentryRequest)
        self.envelopes = []

    @property
    def dsn(self):
        return f"http://public-key@127.0.0.1:{self.server_address[1]}/1"

    def events(self):
        return [
            payload
            for _, items in self.envelopes
            for header, payload in items
            if header.get("type") == "event"
        ]


class SentryRequest(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        text = body.decode()
        # An envelope: its header, then each item's header and payload, one JSON a line.
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        self.server.envelopes.append((text, list(zip(lines[1::2], lines[2::2], strict=True))))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = SentryServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_server_error_is_mailed_to_the_admins_through_the_mail_server_in_email_url(
    tmp_path, mail_server
):
    serve_failing_request(
        tmp_path,
        EMAIL_URL=mail_server.url,
        ADMINS="Ops <ops@example.com>,Jo <jo@example.com>",
        SERVER_EMAIL="errors@careers.example.com",
    )

    [(sender, recipients, message)] = mail_server.messages
    assert sender == "errors@careers.example.com"
    assert recipients == ["ops@example.com", "jo@example.com"]
    assert message["Subject"].startswith("[Career Compass] ERROR")
    assert "Internal Server Error: /broken/" in message["Subject"]
    body = message.get_body().get_content()
    assert "RuntimeError at /broken/\r\nthe view broke" in body
    assert f"q = '{QUERY_MARKER}'" in body
    # The request is described, but not who sent it.
    assert "HTTP_X_FORWARDED_FOR = '********************'" in body
    assert [value for value in PERSONAL_DATA if value in f"{message.items()}{body}"] == []


def test_the_mail_server_in_email_url_is_the_one_djangos_mail_backend_connects_to():
    result = run_manage(
        "careersite.settings.production",
        "shell",
        "--no-imports",
        "-c",
        "from django.core.mail import get_connection; c = get_connection(); "
        "print(type(c).__module__, c.host, c.port, c.use_tls, c.use_ssl, c.username, "
        "c.password, c.timeout)",
        **{**PRODUCTION_ENV, "EMAIL_URL": "smtp+ssl://careersite:s%24cret@mail.example.com"},
    )

    assert result.stdout.split() == [
        "django.core.mail.backends.smtp",
        "mail.example.com",
        "465",
        "False",
        "True",
        "careersite",
        "s$cret",
        "10",
    ], result.stderr


def test_a_server_error_reaches_sentry_without_cookies_addresses_or_user_data(
    tmp_path, sentry_server
):
    serve_failing_request(tmp_path, EMAIL_URL="dummy://", SENTRY_DSN=sentry_server.dsn)

    [event] = sentry_server.events()
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "the view broke")
    assert event["environment"] == "production"
    request = event["request"]
    assert request["method"] == "POST"
    assert request["url"].endswith("://careers.example.com/broken/")
    assert request["headers"]["User-Agent"] == "pytest reader"
    assert "user" not in event
    assert {"cookies", "data", "query_string", "env"} & request.keys() == set()
    assert {name.lower() for name in request["headers"]} & {
        "cookie",
        "x-forwarded-for",
        "x-real-ip",
    } == set()
    sent = "".join(text for text, _ in sentry_server.envelopes)
    assert [value for value in [*PERSONAL_DATA, QUERY_MARKER] if value in sent] == []


def test_sentry_is_off_unless_a_dsn_is_set_and_reports_the_environment_it_is_given():
    check = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    dsn = "http://public-key@127.0.0.1:9/1"

    off = run_manage(
        "careersite.settings.production", "shell", "--no-imports", "-c", check, **PRODUCTION_ENV
    )
    on = run_manage(
        "careersite.settings.production",
        "shell",
        "--no-imports",
        "-c",
        f"{check}; options = sentry_sdk.get_client().options; "
        "print(options['environment'], options['traces_sample_rate'], "
        "options['send_default_pii'])",
        SENTRY_DSN=dsn,
        SENTRY_ENVIRONMENT="staging",
        SENTRY_TRACES_SAMPLE_RATE="0.25",
        **PRODUCTION_ENV,
    )

    assert off.stdout.split() == ["False"], off.stderr
    assert on.stdout.split() == ["True", "staging", "0.25", "False"], on.stderr


def test_an_event_loses_every_address_cookie_and_user_detail_and_keeps_the_fault():
    event = {
        "exception": {"values": [{"type": "RuntimeError", "value": "the view broke"}]},
        "user": {"email": SIGNED_IN_EMAIL, "ip_address": READER_ADDRESS, "id": "7"},
        "request": {
            "url": "https://careers.example.com/broken/",
            "method": "POST",
            "query_string": f"q={QUERY_MARKER}",
            "cookies": {"sessionid": "k3xq9session0cookie0value"},
            "data": {"email": FORM_EMAIL},
            "env": {"REMOTE_ADDR": READER_ADDRESS, "SERVER_NAME": "app-1"},
            "headers": {
                "Host": "careers.example.com",
                "User-Agent": "pytest reader",
                "Cookie": SESSION_COOKIE,
                "X-Forwarded-For": READER_ADDRESS,
                "X-Real-Ip": READER_ADDRESS,
                "Referer": f"https://careers.example.com/search/?q={QUERY_MARKER}",
            },
        },
        "extra": {"request": f"<WSGIRequest: GET '/?q={QUERY_MARKER}'>", "status_code": 400},
        "breadcrumbs": {
            "values": [
                {"category": "django.security", "data": {"request": "<WSGIRequest>"}},
                {"category": "query", "message": "SELECT 1"},
            ]
        },
    }

    scrubbed = without_personal_data(event, hint={})

    assert [value for value in [*PERSONAL_DATA, QUERY_MARKER] if value in str(scrubbed)] == []
    assert scrubbed["exception"] == event["exception"]
    assert scrubbed["request"] == {
        "url": "https://careers.example.com/broken/",
        "method": "POST",
        "headers": {"Host": "careers.example.com", "User-Agent": "pytest reader"},
    }
    assert scrubbed["extra"] == {"status_code": 400}
    assert scrubbed["breadcrumbs"]["values"][1] == {"category": "query", "message": "SELECT 1"}
