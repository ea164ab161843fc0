"""Checking where affiliate links lead: the rules behind each link's health status.

``manage.py check_link_health`` runs ``check_links`` over the active links; editors see
the results in the links listing and Reports › Link health (``affiliates.health.views``).
The rules, in the order they apply to a destination's final answer:

- **Refused**: the destination, or an address it redirects to, is one the site never
  fetches (``careersite.outbound``: inside a private network, on a port other than 80
  or 443, or not http(s) at all, such as ``javascript:``). Nothing is sent there, and
  the link is **broken** at once: no later check will get further.
- **Failure**: 404, 410, any other 4xx or 5xx not listed under blocked, no answer in
  ``timeout`` seconds, a DNS, TLS or connection error, or more than ``MAX_REDIRECTS``
  redirects. A link is **broken** only after ``FAILURES_BEFORE_BROKEN`` failing checks
  in a row; after a first failure it keeps its status, with the reason recorded.
- **Blocked**: 403, 405, 429 or 503 — how partners such as Amazon answer automated
  checkers. Readers' browsers usually get through, so it is not a failure.
- **Redirected**: a 2xx after redirects that ended on another site than the
  destination's (``same_site``).
- **OK**: a 2xx on the destination's own site.

HTTP work happens in worker threads; reading and writing ``LinkHealth`` stays in the
calling thread, so the database sees one connection.
"""

import ipaddress
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from affiliates.links.models import AffiliateLink
from careersite.outbound import WEB_SCHEMES, OutboundSession, RefusedAddress, check_url

from .models import LinkHealth

Status = LinkHealth.Status

#: The outcome of a check that failed (not a status: a link is broken only after two).
FAILED = "failed"
FAILURES_BEFORE_BROKEN = 2
MAX_REDIRECTS = 10
DEFAULT_TIMEOUT = 10.0
DEFAULT_DELAY = 1.0
DEFAULT_WORKERS = 4

BLOCKED_STATUSES = frozenset({403, 405, 429, 503})
#: Answers to HEAD that do not rate-limit us: asking again with GET may get a real answer
#: (many servers refuse HEAD with 405 or 501, some with 403 or 404).
HEAD_RETRY_SKIPPED = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: Second-level labels under which country-code domains are registered (amazon.co.uk).
COUNTRY_SECOND_LEVELS = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"})

REASON_LENGTH = LinkHealth._meta.get_field("reason").max_length
URL_LENGTH = LinkHealth._meta.get_field("final_url").max_length


def user_agent():
    """Names the checker and where its owner is, so a partner can tell who is asking."""
    return (
        f"{settings.WAGTAIL_SITE_NAME} link checker "
        f"(+{settings.WAGTAILADMIN_BASE_URL}; checks affiliate links once a day)"
    )


def site_of(host):
    """The part of a host name that says whose site it is: the last two labels
    (``www.shop.example.com`` → ``example.com``), three under a country's second level
    (``www.amazon.co.uk`` → ``amazon.co.uk``); an IP address is its own site."""
    host = (host or "").lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    labels = host.split(".")
    keep = 2
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in COUNTRY_SECOND_LEVELS:
        keep = 3
    return ".".join(labels[-keep:])


def same_site(url, other_url):
    return site_of(urlsplit(url).hostname) == site_of(urlsplit(other_url).hostname)


@dataclass(frozen=True)
class CheckResult:
    """What one check of a destination saw."""

    outcome: str  # Status.OK, Status.REDIRECTED, Status.BLOCKED or FAILED
    reason: str
    http_status: int | None = None
    final_url: str = ""
    #: A failure that checking again can't change (a refused address): broken at once.
    conclusive: bool = False

    @property
    def failed(self):
        return self.outcome == FAILED


def classify(http_status, reason_phrase, destination, final_url):
    """The outcome of the final answer (after redirects) to a check of ``destination``."""
    answer = f"HTTP {http_status} {reason_phrase or ''}".strip()
    if http_status in BLOCKED_STATUSES:
        outcome, reason = Status.BLOCKED, f"{answer}: the partner refuses automated checks"
    elif http_status >= 400:
        outcome, reason = FAILED, answer
    elif http_status >= 300:
        # A redirect the checker did not follow: it named no address to go to.
        outcome, reason = FAILED, f"{answer} without an address to go to"
    elif not same_site(destination, final_url):
        outcome = Status.REDIRECTED
        reason = f"Redirected to {urlsplit(final_url).hostname} ({answer})"
    else:
        outcome, reason = Status.OK, answer
    return CheckResult(outcome, reason, http_status, final_url)


class TooManyRedirects(Exception):
    def __init__(self, url):
        super().__init__(url)
        self.url = url


class NotFollowed(Exception):
    """The destination (``hop`` 0) or its ``hop``-th redirect is a refused address."""

    def __init__(self, url, hop, refused):
        super().__init__(url)
        self.url = url
        self.hop = hop
        self.refused = refused

    @property
    def reason(self):
        if self.hop == 0:
            return f"The destination {self.refused.reason}; not checked"
        return f"Redirected to an address that {self.refused.reason}; not followed"


def web_address_or_blank(url):
    """``url`` if it is an http(s) address, else "" (a final address must be a web page)."""
    return url if urlsplit(url).scheme.lower() in WEB_SCHEMES else ""


class HostTurns:
    """Politeness: one request at a time per host, and ``delay`` seconds from the end of
    one request to a host to the start of the next."""

    def __init__(self, delay):
        self.delay = delay
        self._guard = threading.Lock()
        self._locks = defaultdict(threading.Lock)
        self._last_finished = {}

    @contextmanager
    def turn(self, url):
        host = (urlsplit(url).hostname or "").lower()
        with self._guard:
            lock = self._locks[host]
        with lock:
            finished = self._last_finished.get(host)
            if finished is not None:
                wait = finished + self.delay - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                yield
            finally:
                self._last_finished[host] = time.monotonic()


class Checker:
    """Checks destinations: HEAD first (GET where HEAD is refused), redirects followed
    one by one up to ``max_redirects``, each one only to an address the site may fetch
    (``careersite.outbound``). Safe to share between threads."""

    def __init__(
        self,
        *,
        timeout=DEFAULT_TIMEOUT,
        delay=DEFAULT_DELAY,
        max_redirects=MAX_REDIRECTS,
    ):
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.turns = HostTurns(delay)
        self.headers = {"User-Agent": user_agent(), "Accept": "text/html,*/*;q=0.8"}
        self._local = threading.local()

    @property
    def session(self):
        # requests does not promise that a session is thread-safe: one per worker.
        if not hasattr(self._local, "session"):
            self._local.session = OutboundSession()
        return self._local.session

    def check(self, destination):
        try:
            response, url = self._follow(destination)
        except TooManyRedirects as error:
            return CheckResult(FAILED, f"More than {self.max_redirects} redirects", None, error.url)
        except NotFollowed as error:
            return CheckResult(
                FAILED, error.reason, None, web_address_or_blank(error.url), conclusive=True
            )
        # ValueError: an address urllib3 cannot even parse, such as a bad international name.
        except (requests.RequestException, ValueError) as error:
            url = error_url(error) or destination
            return CheckResult(FAILED, describe_error(error, self.timeout), None, url)
        return classify(response.status_code, response.reason, destination, url)

    def _follow(self, url):
        """(final response, its URL). Raises TooManyRedirects, NotFollowed or a requests
        error."""
        method = "HEAD"
        for hop in range(self.max_redirects + 1):
            try:
                # Checked before taking the host's turn: a refused hop costs no delay.
                check_url(url)
                response = self._request(method, url)
                if method == "HEAD" and response.status_code >= 400:
                    if response.status_code not in HEAD_RETRY_SKIPPED:
                        method = "GET"
                        response = self._request(method, url)
            except RefusedAddress as refused:
                raise NotFollowed(url, hop, refused) from refused
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response, url
            url = urljoin(url, location)
        raise TooManyRedirects(url)

    def _request(self, method, url):
        with self.turns.turn(url):
            # stream=True: a GET reads the status and headers, never the page itself.
            response = self.session.request(
                method,
                url,
                headers=self.headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            response.close()
        return response


def describe_error(error, timeout):
    """The reason an editor reads for an answer that never came."""
    if isinstance(error, requests.Timeout):
        return f"No answer within {timeout:g} seconds"
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS error: {_innermost(error)}"
    if isinstance(error, requests.ConnectionError):
        causes = list(_causes(error))
        if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
            return "Connection refused"
        if any(type(cause).__name__ == "NameResolutionError" for cause in causes):
            return f"DNS lookup failed for {urlsplit(error_url(error)).hostname}"
        return f"Could not connect: {_innermost(error)}"
    if isinstance(error, requests.exceptions.InvalidSchema | requests.exceptions.InvalidURL):
        return f"Redirected to an address the checker can't follow: {error}"
    return f"{type(error).__name__}: {error}"


def error_url(error):
    request = getattr(error, "request", None)
    return getattr(request, "url", "") or ""


def _causes(error):
    """The error and what caused it, outermost first. requests wraps urllib3's errors in
    ``args`` and ``reason`` rather than (only) as ``__cause__``."""
    seen = set()
    while isinstance(error, BaseException) and id(error) not in seen:
        seen.add(id(error))
        yield error
        reason = getattr(error, "reason", None)
        if isinstance(reason, BaseException):
            error = reason
        elif error.__cause__ is not None:
            error = error.__cause__
        elif error.args and isinstance(error.args[0], BaseException):
            error = error.args[0]
        else:
            error = error.__context__


def _innermost(error):
    return str(list(_causes(error))[-1])


# Recording results.


@dataclass
class Recorded:
    """A check's result as saved: the link, its new status and failures in a row."""

    link: AffiliateLink
    result: CheckResult
    status: str
    consecutive_failures: int

    @property
    def summary_key(self):
        """Which count of the progress line this check adds to."""
        if self.result.failed:
            return "broken" if self.status == Status.BROKEN else "failed once"
        return str(self.status)  # "ok", not the enum member, which hashes by its name


def record(link, result, now=None):
    """Save ``result`` as ``link``'s health. A change of status drops an editor's
    acknowledgement, so the new status is seen even if it was acknowledged before."""
    previous = LinkHealth.objects.filter(link=link).first() or LinkHealth(link=link)
    # Rendered as a link in the report: never a javascript: or data: address.
    final_url = web_address_or_blank(result.final_url)
    if result.failed:
        failures = previous.consecutive_failures + 1
        broken = result.conclusive or failures >= FAILURES_BEFORE_BROKEN
        status = Status.BROKEN if broken else previous.status
        reason = result.reason
        if status != Status.BROKEN:
            reason = f"{reason} (first failure; broken if the next check fails too)"
    else:
        failures, status, reason = 0, result.outcome, result.reason
    values = {
        "status": status,
        "checked_at": now or timezone.now(),
        "reason": _cut(reason, REASON_LENGTH),
        "http_status": result.http_status,
        "final_url": final_url if len(final_url) <= URL_LENGTH else "",
        # The field is a small integer; past a few hundred failures the count says nothing new.
        "consecutive_failures": min(failures, 1000),
    }
    if status != previous.status:
        values |= {"acknowledged_status": "", "acknowledged_by": None, "acknowledged_at": None}
    LinkHealth.objects.update_or_create(link=link, defaults=values)
    return Recorded(link, result, status, values["consecutive_failures"])


def _cut(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


# Running over links.


def links_to_check(slugs=None):
    """Active links that have not expired (live ones and those yet to start), or the
    links named by ``slugs`` whatever their state."""
    if slugs:
        return AffiliateLink.objects.filter(slug__in=slugs)
    now = timezone.now()
    return AffiliateLink.objects.filter(is_active=True).exclude(expires_at__lte=now)


def interleave_hosts(links):
    """Links ordered so consecutive ones are on different hosts where possible, so the
    workers are not all queued behind one host's politeness delay."""
    by_host = defaultdict(list)
    for link in links:
        by_host[(urlsplit(link.destination_url).hostname or "").lower()].append(link)
    queues = list(by_host.values())
    ordered = []
    while queues:
        ordered += [queue.pop(0) for queue in queues]
        queues = [queue for queue in queues if queue]
    return ordered


def check_links(links, checker, *, workers=DEFAULT_WORKERS, on_recorded=None):
    """Check ``links`` with up to ``workers`` requests at once and record each result;
    ``on_recorded(recorded, counts, done, total)`` after each. Returns the counts."""
    links = interleave_hosts(links)
    counts = Counter()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(checker.check, link.destination_url): link for link in links}
        for done, future in enumerate(as_completed(futures), start=1):
            recorded = record(futures[future], future.result())
            counts[recorded.summary_key] += 1
            if on_recorded:
                on_recorded(recorded, counts, done, len(links))
    return counts
