"""What happens between a reader clicking /go/<slug>/ and arriving at the partner.

The redirect view asks this module three things:

- ``find_link``: what a slug stands for. Served from Django's cache, so known links
  keep redirecting while the database is unreachable.
- ``destination``: where to send the reader; always the address stored for the link,
  with its tracking templates filled in (``template_values_for``), optionally
  carrying the reader's query parameters.
- ``track_click``: count the click (flagging bots and staff). It never raises, so
  counting can never stand between a reader and the partner.

Clicks hold no address or browser string, only ``visitor_key``: an HMAC of both and
the day under a random salt that is replaced every day (see ``VisitorSalt``).
"""

import datetime
import functools
import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlerdetect import CrawlerDetect
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Site

from careersite.client_address import client_ip

from . import rollup, tracking_templates
from .models import AffiliateLink, Click, VisitorSalt, link_is_live

logger = logging.getLogger(__name__)

#: The query parameter naming the page a link was clicked on; ours, never forwarded.
FROM_PARAMETER = "from"

LINK_CACHE_TIMEOUT = 60 * 60 * 24
# Short, because a link made without save() (bulk_create, a shell) sends no signal.
MISSING_LINK_CACHE_TIMEOUT = 60
_MISSING = "missing"
_LINK_FIELDS = (
    "id",
    "slug",
    "destination_url",
    "redirect_status",
    "pass_query_parameters",
    "is_active",
    "fallback_url",
    "starts_at",
    "expires_at",
    "tracking_template",
)
_PARTNER_FIELDS = {"partner_tracking_template": F("partner__tracking_template")}
_SLUG_MAX_LENGTH = AffiliateLink._meta.get_field("slug").max_length
_REDIRECT_STATUSES = frozenset(AffiliateLink.RedirectStatus.values)
_LARGEST_PAGE_ID = 2**31 - 1  # wagtailcore_page.id is a 32-bit integer

_crawlers = CrawlerDetect()


@dataclass(frozen=True, slots=True)
class RedirectLink:
    """The part of an ``AffiliateLink`` the redirect needs, small enough to cache."""

    id: int
    slug: str
    destination_url: str
    redirect_status: int
    pass_query_parameters: bool
    is_active: bool
    fallback_url: str
    starts_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    tracking_template: str
    partner_tracking_template: str | None

    @property
    def status(self):
        """The HTTP status to redirect with; 302 if the stored value is not one we offer."""
        return self.redirect_status if self.redirect_status in _REDIRECT_STATUSES else 302

    def is_live(self, now=None):
        """Active and within its dates: readers reach the destination."""
        return link_is_live(self, now)

    @property
    def tracking_templates(self):
        """The partner's template, then the link's own (which wins on a shared name)."""
        return [t for t in (self.partner_tracking_template, self.tracking_template) if t]


def _link_cache_key(slug):
    # v2: the cached shape gained dates and tracking templates.
    return f"affiliates:go:v2:{slug}"


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
            data = AffiliateLink.objects.values(*_LINK_FIELDS, **_PARTNER_FIELDS).get(slug=slug)
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


def destination(link, query, template_values=None):
    """Where a reader following ``link`` goes; ``query`` is the request's ``QueryDict``.

    Only the link's own address can come out of this. Its tracking templates (the
    partner's and its own) set their parameters, filled from ``template_values``
    (see ``template_values_for``). When the link forwards query parameters they
    are added too, except ``from`` (ours) and any parameter the destination or a
    template already sets, so a reader cannot swap the partner's tracking code for
    someone else's.
    """
    url = tracking_templates.add_parameters(
        link.destination_url,
        tracking_templates.fill(link.tracking_templates, template_values or {}),
    )
    if not link.pass_query_parameters:
        return url
    parts = urlsplit(url)
    own = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = [
        (name, value)
        for name, values in query.lists()
        if name != FROM_PARAMETER and name not in own
        for value in values
    ]
    if not extra:
        return url
    # The destination's own query is kept byte for byte: partners can be picky.
    combined = "&".join(filter(None, [parts.query, urlencode(extra)]))
    return urlunsplit(parts._replace(query=combined))


def template_values_for(link, page_id, request=None, page=None):
    """What the placeholders of ``link``'s tracking templates stand for on this click.

    Costs nothing for a link without templates, and looks up the page (one query,
    two with its section) only when a template uses it.
    """
    templates = link.tracking_templates
    if not templates:
        return {}
    values = {"link_slug": link.slug, "site": _site_host(request)}
    if page is None and page_id and tracking_templates.uses_page(*templates):
        page = Page.objects.filter(pk=page_id, live=True).only("slug", "path", "depth").first()
    if page is not None:
        values["page_id"] = str(page.pk)
        values["page_slug"] = page.slug
        values["section_slug"] = _section_slug(page)
    return values


def _site_host(request):
    if request is None:
        return ""
    site = Site.find_for_request(request)
    return site.hostname if site is not None else request.get_host().partition(":")[0]


def _section_slug(page):
    """The slug of the nearest section the page is in (itself, if it is one), or ""."""
    section = (
        Page.objects.ancestor_of(page, inclusive=True)
        .filter(content_type__app_label="guides", content_type__model="sectionpage")
        .order_by("-depth")
        .values_list("slug", flat=True)
        .first()
    )
    return section or ""


def is_bot(request, navigation=True):
    """Whether the request is a machine rather than a reader choosing to follow the link.

    Crawlers and link previews (by user agent; none at all counts as a bot),
    browser prefetch and prerender, and, where ``navigation`` is expected (the
    redirect), fetches that are not a top-level navigation, such as the link used
    as an image source. A direct link's ping is never a navigation.
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
    if navigation and fetch_mode is not None and fetch_mode.lower() != "navigate":
        return True
    return _crawlers.is_crawler(user_agent)


def is_staff(request):
    """Whether the click is the site's own people at work: someone signed in who can use
    the admin, or a click inside a Wagtail preview (which is served under the admin)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
        return True
    referer = request.META.get("HTTP_REFERER", "")
    return bool(referer) and urlsplit(referer).path.startswith(_admin_path())


@functools.cache
def _admin_path():
    return reverse("wagtailadmin_home")


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
    link_column, page_column, key_column, bot_column, staff_column, at_column = (
        quote(click.get_field(name).column)
        for name in ("link", "page", "visitor_key", "is_bot", "is_staff", "clicked_at")
    )
    page_id, live = (quote(page.get_field(name).column) for name in ("id", "live"))
    return (
        f"INSERT INTO {quote(click.db_table)} "  # noqa: S608
        f"({link_column}, {page_column}, {key_column}, {bot_column}, {staff_column}, "
        f"{at_column}) "
        f"VALUES (%s, (SELECT {page_id} FROM {quote(page.db_table)} "
        f"WHERE {page_id} = %s AND {live} = %s), %s, %s, %s, %s) "
        f"RETURNING {page_column}"
    )


def record_click(link_id, page_id, visitor_key, is_bot, when, is_staff=False):
    """Store one click and return the page it is credited to (None if none).

    A single INSERT, so simultaneous clicks never lose a count. ``page_id`` is the
    page the reader says they came from; it is kept only if it names a live page,
    checked by a subquery inside the INSERT: no query of its own, never stale.
    The SQL is written out because building that subquery through the ORM took
    longer than the rest of the redirect; it sends no ``post_save`` signal.

    Anything that must change with each click, such as a daily roll-up per link
    and page, belongs here, in one ``transaction.atomic()`` with the INSERT. A staff
    click is stored but not rolled up, so no report counts it.
    """
    clicked_at = Click._meta.get_field("clicked_at").get_db_prep_save(when, connection)
    params = [link_id, page_id, True, visitor_key, is_bot, is_staff, clicked_at]
    with connection.cursor() as cursor:
        if is_staff:
            cursor.execute(_insert_click_sql(), params)
            return cursor.fetchone()[0]
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


def track_click(request, link, navigation=True):
    """Count a click on ``link``. Never raises: a failure is logged, not shown.

    ``navigation``: whether the request is the reader's browser following the link
    (the redirect), rather than a ping reporting that it did (a direct link).
    """
    try:
        when = timezone.now()
        key = visitor_key(
            client_ip(request),
            request.META.get("HTTP_USER_AGENT", ""),
            timezone.localdate(when),
        )
        page_id = page_id_from(request.GET.get(FROM_PARAMETER))
        record_click(link.id, page_id, key, is_bot(request, navigation), when, is_staff(request))
    except Exception:
        # Whatever went wrong, the reader still gets where they were going.
        logger.exception("Could not record a click on affiliate link %s", link.id)
