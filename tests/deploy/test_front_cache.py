"""The front cache (deploy/varnish/default.vcl) in front of a live app server.

Runs Debian's varnishd on a free port on 127.0.0.1. Without varnishd these tests
are skipped with one reason line, unless REQUIRE_FRONT_CACHE=1 (set by CI), which
turns the skip into a failure. The outage tests put it in front of the app under
gunicorn (tests/servers.py) instead, so they can stop the app or its database.
"""

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

from tests.factories import AffiliateLinkFactory, GuidePageFactory, SectionPageFactory

pytest_plugins = ["tests.servers"]

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "default.vcl"
REQUIRED = os.environ.get("REQUIRE_FRONT_CACHE") == "1"
HOST = "localhost"  # the test site's hostname; what Wagtail's purges name
READER = {
    "Host": HOST,
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture(autouse=True)
def tree_root(transactional_db):
    """Wagtail's root page and locale, which a flush between live-server tests removes."""
    if Page.get_first_root_node() is None:
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(django_settings.LANGUAGE_CODE)
        )
        Page.add_root(instance=Page(title="Root", slug="root"))


def project_vcl(backend_port, *changes):
    """The project's VCL with the app server's port, and ``changes`` (old, new) made."""
    vcl, replaced = re.subn(r'\.port = "\d+";', f'.port = "{backend_port}";', VCL.read_text())
    assert replaced == 2, "the VCL should name the app server twice: for requests, for the probe"
    for old, new in changes:
        assert vcl.count(old) == 1, f"the VCL should say {old!r} once"
        vcl = vcl.replace(old, new)
    return vcl


@contextlib.contextmanager
def running_varnish(tmp_path, vcl):
    """varnishd with ``vcl`` until the block ends; yields its port."""
    varnishd = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/bin")
    if varnishd is None:
        message = "front cache tests skipped: no varnishd (apt-get install varnish)"
        if REQUIRED:
            pytest.fail(message.replace("skipped", "required but cannot run"), pytrace=False)
        pytest.skip(message)
    (tmp_path / "test.vcl").write_text(vcl)

    port = free_port()
    log = (tmp_path / "varnishd.log").open("w")
    process = subprocess.Popen(
        [
            varnishd,
            "-F",  # foreground, so terminating this process stops Varnish
            "-j",
            "none",  # no privilege separation: the work dir belongs to whoever runs the tests
            "-n",
            str(tmp_path / "varnish"),
            "-a",
            f"127.0.0.1:{port}",
            "-T",
            "none",  # no management port
            "-f",
            str(tmp_path / "test.vcl"),
            "-s",
            "malloc,32m",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        if not wait_for_port(port, process):
            pytest.fail(f"varnishd did not start: {(tmp_path / 'varnishd.log').read_text()}")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def varnish(live_server, tmp_path, settings):
    """varnishd with the project's VCL, its backend the live server; returns its port."""
    with running_varnish(tmp_path, project_vcl(live_server.url.rsplit(":", 1)[1])) as port:
        settings.WAGTAILFRONTENDCACHE = {
            "varnish": {
                "BACKEND": "careersite.front_cache.backends.TimeLimitedHTTPBackend",
                "LOCATION": f"http://127.0.0.1:{port}",
            }
        }
        yield port


def fetch(port, path, method="GET", **headers):
    """One request through the cache, never following redirects."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers={**READER, **headers})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def guide(section):
    return GuidePageFactory(
        parent=section, title="Follow Up Tips", intro="<p>Send a thank-you note.</p>"
    )


def test_a_guide_is_served_from_the_cache_and_fresh_within_a_second_of_publishing(varnish, guide):
    path = guide.url
    status, first, _ = fetch(varnish, path)
    assert (status, first["X-Cache"]) == (200, "MISS")
    status, second, body = fetch(varnish, path)
    assert (status, second["X-Cache"]) == (200, "HIT")
    assert "Send a thank-you note." in body

    guide.intro = "<p>Call within two days.</p>"
    guide.save_revision().publish()
    published = time.monotonic()

    body = ""
    while "Call within two days." not in body and time.monotonic() - published < 1:
        _, _, body = fetch(varnish, path)
    assert "Call within two days." in body, "the cache still served the old guide after 1 s"
    # And the fresh copy is cached again.
    assert fetch(varnish, path)[1]["X-Cache"] == "HIT"


def test_the_section_listing_a_newly_published_guide_shows_it_at_once(varnish, section):
    assert fetch(varnish, section.url)[1]["X-Cache"] == "MISS"
    assert fetch(varnish, section.url)[1]["X-Cache"] == "HIT"

    GuidePageFactory(parent=section, title="Dress Code")

    assert "Dress Code" in fetch(varnish, section.url)[2]


def test_a_moved_guide_is_no_longer_served_from_its_old_address(varnish, home, guide):
    old_path = guide.url
    fetch(varnish, old_path)
    assert fetch(varnish, old_path)[1]["X-Cache"] == "HIT"

    guide.move(SectionPageFactory(parent=home, title="Starting a New Job"), pos="last-child")

    status, headers, _ = fetch(varnish, old_path)
    assert status == 301
    assert headers["Location"].endswith("/starting-a-new-job/follow-up-tips/")


def test_affiliate_redirects_reach_the_app_every_time(varnish, home):
    AffiliateLinkFactory(slug="interview-coaching", destination_url="https://partner.test/x")

    for _ in range(3):
        status, headers, _ = fetch(varnish, "/go/interview-coaching/")
        assert (status, headers["X-Cache"]) == (302, "MISS")
        assert headers["Location"].startswith("https://partner.test/x")


def test_the_admin_sign_in_page_is_never_cached(varnish, home):
    for _ in range(2):
        status, headers, _ = fetch(varnish, "/admin/login/")
        assert (status, headers["X-Cache"]) == (200, "MISS")


def test_readers_with_a_session_or_csrf_cookie_get_pages_from_the_app(varnish, guide):
    fetch(varnish, guide.url)
    assert fetch(varnish, guide.url)[1]["X-Cache"] == "HIT"

    for cookie in ("sessionid=abc", "csrftoken=abc", "theme=dark; sessionid=abc"):
        assert fetch(varnish, guide.url, Cookie=cookie)[1]["X-Cache"] == "MISS"
    # Cookies the app never reads do not cost the reader the cached page.
    assert fetch(varnish, guide.url, Cookie="_ga=GA1.1.1")[1]["X-Cache"] == "HIT"


def test_unknown_query_parameters_are_answered_with_the_cached_page(varnish, guide):
    fetch(varnish, guide.url)

    status, headers, body = fetch(varnish, f"{guide.url}?utm_source=x&foo=1&gclid=abc")

    assert (status, headers["X-Cache"]) == (200, "HIT")
    assert "Send a thank-you note." in body


def test_each_page_of_a_section_listing_is_cached_on_its_own(varnish, section):
    for number in range(11):
        GuidePageFactory(parent=section, title=f"Guide number {number}")
    assert "Guide number 0" not in fetch(varnish, section.url)[2]

    _, first, page_two = fetch(varnish, f"{section.url}?page=2")
    _, again, same = fetch(varnish, f"{section.url}?fbclid=1&page=2")

    assert "Guide number 0" in page_two
    assert (first["X-Cache"], again["X-Cache"]) == ("MISS", "HIT")
    assert same == page_two


def test_search_results_are_never_cached(varnish, guide):
    for _ in range(2):
        status, headers, _ = fetch(varnish, "/search/?q=follow")
        assert (status, headers["X-Cache"]) == (200, "MISS")


def test_a_purge_relayed_from_another_address_is_refused(varnish, guide):
    fetch(varnish, guide.url)

    status, _, _ = fetch(varnish, guide.url, method="PURGE", **{"X-Forwarded-For": "203.0.113.9"})

    assert status == 405
    assert fetch(varnish, guide.url)[1]["X-Cache"] == "HIT"


# --- Outages: Varnish in front of the app under gunicorn, which the tests stop -------------

MODEL_GUIDE = "/preparing-for-a-job-interview/follow-up-interview-tips/"
NEVER_VISITED = "/writing-your-cv/"
# Seconds instead of minutes, so a test sees a page go out of date and the probe notice.
QUICK = (
    ("set beresp.ttl = 5m;", "set beresp.ttl = 2s;"),
    ("set req.grace = 30s;", "set req.grace = 1s;"),
    (".interval = 5s;", ".interval = 0.5s;"),
)
# Past the page's time and its grace while healthy; the probe has long noticed.
STALE_AFTER = 5


@pytest.fixture
def front_cache(app_server, tmp_path):
    app_server.redis.flush()
    with running_varnish(tmp_path, project_vcl(app_server.port, *QUICK)) as port:
        yield port


def cached_in_front(port, path):
    _, _, body = fetch(port, path)
    assert fetch(port, path)[1]["X-Cache"] == "HIT"
    return body


def test_readers_get_the_cached_guide_while_the_app_server_is_down(front_cache, app_server):
    guide = cached_in_front(front_cache, MODEL_GUIDE)

    with app_server.stopped():
        time.sleep(STALE_AFTER)
        status, headers, body = fetch(front_cache, MODEL_GUIDE)
        never_visited = fetch(front_cache, NEVER_VISITED)

    assert (status, body) == (200, guide)
    assert int(headers["Age"]) >= STALE_AFTER - 1
    assert never_visited[0] == 503
    assert "back shortly" in never_visited[2]
    assert int(never_visited[1]["Retry-After"]) > 0


def test_readers_get_the_cached_guide_while_the_database_is_down(front_cache, app_server):
    guide = cached_in_front(front_cache, MODEL_GUIDE)
    # Only Varnish has it now: the app would have to render it again.
    app_server.redis.flush()

    with app_server.database.stopped():
        time.sleep(STALE_AFTER)
        first = fetch(front_cache, MODEL_GUIDE)
        again = fetch(front_cache, MODEL_GUIDE)  # the failed refresh left the copy in place
        never_visited = fetch(front_cache, NEVER_VISITED)

    assert (first[0], first[2]) == (200, guide)
    assert (again[0], again[2]) == (200, guide)
    # Pages Varnish does not have get the app's own explanation.
    assert never_visited[0] == 503
    assert "Career Compass" in never_visited[2]
    assert "back shortly" in never_visited[2]
