"""Real-browser tests: Playwright driving Debian's Chromium against a live server.

Without Chromium these tests are skipped with one reason line, unless
REQUIRE_BROWSER_TESTS=1 (set by CI), which turns the skip into a failure.
On failure each test leaves a screenshot and the page's HTML in ARTIFACTS.
"""

import os
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make between browser steps are still ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRED = os.environ.get("REQUIRE_BROWSER_TESTS") == "1"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", PROJECT / "test-artifacts" / "e2e"))
AXE_SCRIPT = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A desktop Chrome user agent: headless Chromium's own ("HeadlessChrome") is, rightly,
# counted as a bot by the click tracker, and these tests play human readers.
READER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def missing(what, how):
    message = f"browser tests skipped: {what} ({how})"
    if REQUIRED:
        pytest.fail(message.replace("skipped", "required but cannot run"), pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(f"no Chromium at {CHROMIUM}", "apt-get install chromium, or set CHROMIUM_PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed", "make test installs it")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, user_agent=READER_USER_AGENT
    )
    context.set_default_timeout(15_000)
    return context


def wait_for_the_live_server_to_finish_writing(seconds=5):
    """Block until no request the live server is still answering holds a SQLite table.

    The admin's edit views ping the server every few seconds, and each admin request
    saves the session; a ping that arrives as a test ends is still being answered when
    the database is flushed, and SQLite's shared in-memory database refuses the flush
    ("database table is locked") instead of waiting. The next test then starts on this
    one's data. A no-op write to the session table waits for that table to be free.
    """
    if connection.vendor != "sqlite":
        return
    deadline = time.monotonic() + seconds
    while True:
        try:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM django_session WHERE 0")
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture
def browser_context(browser):
    context = new_context(browser)
    yield context
    context.close()
    wait_for_the_live_server_to_finish_writing()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def reader_page(browser):
    """A second person's page, in a browser context of its own: no cookies or session
    shared with ``page`` (say, a reader while ``page`` is a logged-in editor)."""
    context = new_context(browser)
    yield context.new_page()
    context.close()
    wait_for_the_live_server_to_finish_writing()


@pytest.fixture
def demo_site(transactional_db, live_server):
    """The demo content behind a live server; returns the server's base URL."""
    call_command("load_demo_content", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server.url


@pytest.fixture
def axe():
    """``axe(page)`` lists WCAG 2.1 A/AA violations on the whole page.

    ``axe(page, context={"include": [...], "exclude": [...]})`` checks only part of
    it (an axe-core context: CSS selectors, see axe.run's documentation).
    """
    if not AXE_SCRIPT.exists():
        missing("axe-core is not installed", "make test runs npm install")

    def run(page, context=None):
        # Colours measured halfway through a fade-in (a message banner, say) are not
        # the colours anyone reads: let short transitions and animations end first
        # (long or looping ones, such as the admin's pulsing help badge, are decoration).
        page.wait_for_function(
            """() => document.getAnimations().every(a => a.playState !== "running"
                || a.effect.getComputedTiming().endTime > 5000)"""
        )
        # Evaluated through the browser's devtools protocol, which the page's
        # Content-Security-Policy does not govern: a <script> tag added to a reader page
        # would (rightly) be refused by its script-src 'self'.
        page.evaluate(AXE_SCRIPT.read_text() + "\n;undefined")
        return page.evaluate(
            """async (context) => (await axe.run(context || document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            })).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }))""",
            context,
        )

    return run


class _PartnerLanding(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b"<!DOCTYPE html><title>Partner</title><h1>Partner landing page</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def partner_site(settings):
    """A local stand-in for a partner's site, so affiliate redirects land somewhere real.
    The link form refuses loopback addresses and odd ports unless they are allowed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PartnerLanding)
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.OUTBOUND_ALLOWED_PORTS = [80, 443, server.server_address[1]]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        for fixture, suffix in (("page", ""), ("reader_page", "-reader")):
            _save_artifacts(report, item.funcargs.get(fixture), item.name + suffix)
    return report


def _save_artifacts(report, page, name):
    if page is None or page.is_closed():
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / name.replace("/", "_")
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        Path(f"{stem}.html").write_text(page.content())
        report.sections.append(("e2e artifacts", f"saved {stem}.png and {stem}.html"))
    except Exception as error:  # noqa: BLE001 - a broken page must not hide the failure
        report.sections.append(("e2e artifacts", f"could not save: {error}"))


def pytest_terminal_summary(terminalreporter):
    if ARTIFACTS.exists() and any(ARTIFACTS.iterdir()):
        terminalreporter.write_line(f"Browser test failure screenshots and HTML: {ARTIFACTS}")
