"""What happens between a reader clicking /go/<slug>/ and arriving at the partner.

The redirect view asks this module three things:

- ``find_link``: what a slug stands for. Served from Django's cache, so known links
  keep redirecting while the database is unreachable.
- ``destination``: where to send the reader; always the address stored for the link,
  optionally carrying the reader's query parameters.
- ``track_click``: count the click. It never raises, so counting can never stand
  between a reader and the partner.

Clicks hold no address or browser string, only ``visitor_key``: an HMAC of both and
the day under a random salt that is replaced every day (see ``VisitorSalt``).
"""

import functools
import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import Page

from . import rollup
from .models import AffiliateLink, Click, VisitorSalt

logger = logging.getLogger(__name__)

#: The query parameter naming the page a link was clicked on; ours, never forwarded.
FROM_PARAMETER = "from"

LINK_CACHE_TIMEOUT = 60 * 60 * 24
# Short, because a link made without save() (bulk_create, a shell) sends no signal.
MISSING_LINK_CACHE_TIMEOUT = 60
_MISSING = "missing"
_LINK_FIELDS = (
    "id",
    "destination_url",
    "redirect_status",
    "pass_query_parameters",
    "is_active",
    "fallback_url",
)
_SLUG_MAX_LENGTH = AffiliateLink._meta.get_field("slug").max_length
_REDIRECT_STATUSES = frozenset(AffiliateLink.RedirectStatus.values)
_LARGEST_PAGE_ID = 2**31 - 1  # wagtailcore_page.id is a 32-bit integer

_crawlers = CrawlerDetect()


@dataclass(frozen=True, slots=True)
class RedirectLink:
    """The part of an ``AffiliateLink`` the redirect needs, small enough to cache."""

    id: int
    destination_url: str
    redirect_status: int
    pass_query_parameters: bool
    is_active: bool
    fallback_url: str

    @property
    def status(self):
        """The HTTP status to redirect with; 302 if the stored value is not one we offer."""
        return self.redirect_status if self.redirect_status in _REDIRECT_STATUSES else 302


def _link_cache_key(slug):
    return f"affiliates:go:v1:{slug}"


def find_link(slug):
    """The link readers reach at /go/<slug>/, or None if there is none.

    Raises ``DatabaseError`` only when the link is not cached and the database
    cannot be reached.
    """
    if len(slug) > _SLUG_MAX_LENGTH:
        return None
    key = _link_cache_key(slug)
    data = cache.get(key)
    if data is None:
        try:
            data = AffiliateLink.objects.values(*_LINK_FIELDS).get(slug=slug)
        except AffiliateLink.DoesNotExist:
            cache.set(key, _MISSING, MISSING_LINK_CACHE_TIMEOUT)
            return None
        cache.set(key, data, LINK_CACHE_TIMEOUT)
    elif data == _MISSING:
        return None
    return RedirectLink(**data)


def forget_links(slugs):
    """Drop cached redirects for these slugs, now and again once the change commits.

    Forgetting twice closes the gap in which a request could re-cache the old row
    between our save and its commit.
    """
    keys = [_link_cache_key(slug) for slug in slugs]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def destination(link, query):
    """Where a reader following ``link`` goes; ``query`` is the request's ``QueryDict``.

    Only the link's own address can come out of this; when the link forwards query
    parameters they are added to its query string, except ``from`` (ours) and any
    parameter the destination already sets, so a reader cannot swap the partner's
    tracking code for someone else's.
    """
    if not link.pass_query_parameters:
        return link.destination_url
    parts = urlsplit(link.destination_url)
    own = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = [
        (name, value)
        for name, values in query.lists()
        if name != FROM_PARAMETER and name not in own
        for value in values
    ]
    if not extra:
        return link.destination_url
    # The destination's own query is kept byte for byte: partners can be picky.
    combined = "&".join(filter(None, [parts.query, urlencode(extra)]))
    return urlunsplit(parts._replace(query=combined))


def is_bot(request):
    """Whether the request is a machine rather than a reader choosing to follow the link.

    Crawlers and link previews (by user agent; none at all counts as a bot),
    browser prefetch and prerender, and fetches that are not a top-level
    navigation, such as the link used as an image source.
    """
    meta = request.META
    user_agent = meta.get("HTTP_USER_AGENT", "").strip()
    if not user_agent:
        return True
    sec_purpose = meta.get("HTTP_SEC_PURPOSE", "").lower()
    if "prefetch" in sec_purpose or "prerender" in sec_purpose:
        return True
    if "prefetch" in (meta.get("HTTP_PURPOSE", "").lower(), meta.get("HTTP_X_MOZ", "").lower()):
        return True
    fetch_mode = meta.get("HTTP_SEC_FETCH_MODE")
    if fetch_mode is not None and fetch_mode.lower() != "navigate":
        return True
    return _crawlers.is_crawler(user_agent)


def client_ip(request):
    """The reader's address: REMOTE_ADDR, or the one our proxies vouch for.

    With ``PROXY_COUNT`` proxies in front, each appends the address it saw to
    X-Forwarded-For, so the client is that many entries from the right; anything
    further left was written by the client and could be anything.
    """
    proxies = getattr(settings, "PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            entry.strip()
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if forwarded:
            return forwarded[max(len(forwarded) - proxies, 0)]
    return request.META.get("REMOTE_ADDR", "")


_salt_lock = threading.Lock()
_salt = (None, "")  # (day, value), so one read gives a matching pair


def salt_for(day):
    """The day's visitor salt, read from the database once per process and day."""
    global _salt
    known_day, value = _salt
    if known_day == day:
        return value
    # One thread per process fetches it: at midnight every request wants the new
    # salt at once, and they would all race to create it.
    with _salt_lock:
        known_day, value = _salt
        if known_day != day:
            value = VisitorSalt.for_day(day)
            _salt = (day, value)
    return value


def forget_salt():
    """Make the next click read the salt from the database again (tests reset it)."""
    global _salt
    _salt = (None, "")


def visitor_key(ip, user_agent, day):
    """A hex key that is the same for one browser at one address on one day.

    Clicks sharing it were probably one person; after the day's salt is gone the
    key cannot be tied back to the address or browser.
    """
    message = f"{ip}\n{user_agent}\n{day.isoformat()}".encode()
    return hmac.new(salt_for(day).encode(), message, hashlib.sha256).hexdigest()


def page_id_from(value):
    """The page id a ``?from=`` value names, or None if it cannot be one."""
    if value and value.isascii() and value.isdigit():
        page_id = int(value)
        if 0 < page_id <= _LARGEST_PAGE_ID:
            return page_id
    return None


@functools.cache
def _insert_click_sql():
    # Built once: the Click and Page tables do not change while the process runs.
    # Only names from our own models go into the string; every value is a parameter.
    quote = connection.ops.quote_name
    click, page = Click._meta, Page._meta
    link_column, page_column, key_column, bot_column, at_column = (
        quote(click.get_field(name).column)
        for name in ("link", "page", "visitor_key", "is_bot", "clicked_at")
    )
    page_id, live = (quote(page.get_field(name).column) for name in ("id", "live"))
    return (
        f"INSERT INTO {quote(click.db_table)} "  # noqa: S608
        f"({link_column}, {page_column}, {key_column}, {bot_column}, {at_column}) "
        f"VALUES (%s, (SELECT {page_id} FROM {quote(page.db_table)} "
        f"WHERE {page_id} = %s AND {live} = %s), %s, %s, %s) "
        f"RETURNING {page_column}"
    )


def record_click(link_id, page_id, visitor_key, is_bot, when):
    """Store one click and return the page it is credited to (None if none).

    A single INSERT, so simultaneous clicks never lose a count. ``page_id`` is the
    page the reader says they came from; it is kept only if it names a live page,
    checked by a subquery inside the INSERT: no query of its own, never stale.
    The SQL is written out because building that subquery through the ORM took
    longer than the rest of the redirect; it sends no ``post_save`` signal.

    Anything that must change with each click, such as a daily roll-up per link
    and page, belongs here, in one ``transaction.atomic()`` with the INSERT.
    """
    clicked_at = Click._meta.get_field("clicked_at").get_db_prep_save(when, connection)
    params = [link_id, page_id, True, visitor_key, is_bot, clicked_at]
    with connection.cursor() as cursor:
        # The INSERT plus the daily roll-up, in one transaction (one statement on PostgreSQL).
        return rollup.insert_click(
            cursor,
            _insert_click_sql(),
            params,
            link_id=link_id,
            visitor_key=visitor_key,
            is_bot=is_bot,
            when=when,
        )


def track_click(request, link):
    """Count a click on ``link``. Never raises: a failure is logged, not shown."""
    try:
        when = timezone.now()
        key = visitor_key(
            client_ip(request),
            request.META.get("HTTP_USER_AGENT", ""),
            timezone.localdate(when),
        )
        page_id = page_id_from(request.GET.get(FROM_PARAMETER))
        record_click(link.id, page_id, key, is_bot(request), when)
    except Exception:
        # Whatever went wrong, the reader still gets where they were going.
        logger.exception("Could not record a click on affiliate link %s", link.id)
