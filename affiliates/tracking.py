"""What happens between a reader clicking /go/<slug>/ and arriving at the partner.

The redirect asks this module four things, none of which needs the database once a
link has been followed (docs/affiliate-links.md, "How a click travels"):

- ``find_link``: what a slug stands for. Kept for a moment in the process and for
  longer in the shared cache, so known links keep redirecting while the database is
  unreachable, and a change reaches every app server within ``LOCAL_LINK_SECONDS``.
- ``destination``: where to send the reader; always the address stored for the link,
  with its tracking templates filled in (``template_values_for``) and, where the link
  allows it, the reader's allowlisted parameters (``forwarding``).
- ``page_id_from``: which page the click came from, believed only when the ``from``
  value carries the signature the page wrote when it rendered the link.
- ``track_click``: decide what the click was (bot, staff, whose) and hand it to
  ``click_queue``. It never raises, so counting can never stand between a reader and
  the partner.

Clicks hold no address or browser string, only a visitor key (``visitor_keys``).
"""

import datetime
import functools
import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, Site

from careersite.client_address import client_ip

from . import click_queue, forwarding, tracking_templates, visitor_keys
from .click_recording import ClickEvent, new_click_id
from .models import AffiliateLink, link_is_live

logger = logging.getLogger(__name__)

#: The query parameter naming the page a link was clicked on; ours, never forwarded.
FROM_PARAMETER = "from"

#: Seconds a link stays in the shared cache after it was read from the database.
LINK_CACHE_TIMEOUT = 60 * 60 * 24
# Short, because a link made without save() (bulk_create, a shell) sends no signal.
MISSING_LINK_CACHE_TIMEOUT = 60
#: Seconds a process keeps a link (or a page's slugs) before asking the shared cache
#: again: how long a change takes to reach every app server.
LOCAL_LINK_SECONDS = 2
LOCAL_PAGE_SECONDS = 30
#: Retries of a cache invalidation that failed (seconds to wait before each).
FORGET_RETRY_DELAYS = (1, 5, 30, 120, 600)
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
    "forwarded_parameters",
)
_PARTNER_FIELDS = {
    "partner_tracking_template": F("partner__tracking_template"),
    "partner_forwarded_parameters": F("partner__forwarded_parameters"),
}
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
    forwarded_parameters: str
    partner_tracking_template: str | None
    partner_forwarded_parameters: str | None

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

    @property
    def allowed_parameters(self):
        """The reader parameters this link passes on (see ``forwarding``)."""
        return forwarding.allowed_names(
            self.partner_forwarded_parameters, self.forwarded_parameters
        )


def _link_cache_key(slug):
    # v3: the cached shape gained forwarded parameters.
    return f"affiliates:go:v3:{slug}"


def link_cache():
    """The shared cache for links: one that reports failures (``IGNORE_EXCEPTIONS``
    off), so a failed invalidation is noticed and retried rather than ignored."""
    return caches["links"]


_local_links = {}  # slug -> (monotonic expiry, RedirectLink or None)


def find_link(slug):
    """The link readers reach at /go/<slug>/, or None if there is none.

    Raises ``DatabaseError`` only when the link is in neither cache and the database
    cannot be reached.
    """
    if len(slug) > _SLUG_MAX_LENGTH:
        return None
    now = time.monotonic()
    local = _local_links.get(slug)
    if local is not None and local[0] > now:
        return local[1]
    link = _shared_link(slug)
    if len(_local_links) > 10_000:
        _local_links.clear()
    _local_links[slug] = (now + LOCAL_LINK_SECONDS, link)
    return link


def _shared_link(slug):
    key = _link_cache_key(slug)
    try:
        data = link_cache().get(key)
    except Exception:
        logger.warning("The link cache is unreachable; reading link %r from the database", slug)
        data, key = None, None
    if data is None:
        try:
            data = AffiliateLink.objects.values(*_LINK_FIELDS, **_PARTNER_FIELDS).get(slug=slug)
        except AffiliateLink.DoesNotExist:
            _cache_link(key, _MISSING, MISSING_LINK_CACHE_TIMEOUT)
            return None
        _cache_link(key, data, LINK_CACHE_TIMEOUT)
    elif data == _MISSING:
        return None
    return RedirectLink(**data)


def _cache_link(key, data, timeout):
    if key is None:
        return
    try:
        link_cache().set(key, data, timeout)
    except Exception:
        logger.warning("Could not keep a link in the link cache", exc_info=True)


def forget_links(slugs):
    """Drop cached redirects for these slugs, now and again once the change commits.

    Forgetting twice closes the gap in which a request could re-cache the old row
    between our save and its commit. If the shared cache cannot be reached the
    failure is logged and tried again in the background (``FORGET_RETRY_DELAYS``),
    never ignored: other app servers would otherwise go on redirecting to the old
    destination.
    """
    slugs = set(slugs)
    keys = [_link_cache_key(slug) for slug in slugs]
    if not keys:
        return
    _forget_here(slugs)
    _forget_shared(keys)
    transaction.on_commit(lambda: (_forget_here(slugs), _forget_shared(keys)))


def _forget_here(slugs):
    for slug in slugs:
        _local_links.pop(slug, None)


def _forget_shared(keys, attempt=0):
    try:
        link_cache().delete_many(keys)
        if attempt:
            logger.info("Forgot cached links %s on retry %s", keys, attempt)
        return True
    except Exception:
        if attempt >= len(FORGET_RETRY_DELAYS):
            logger.error("Gave up forgetting cached links %s; they expire by themselves", keys)
            return False
        delay = FORGET_RETRY_DELAYS[attempt]
        logger.exception("Could not forget cached links %s; trying again in %s s", keys, delay)
        timer = threading.Timer(delay, _forget_shared, args=(keys, attempt + 1))
        timer.daemon = True
        timer.start()
        return False


def forget_local_links():
    """Forget what this process remembers of links (tests, between requests)."""
    _local_links.clear()
    _local_pages.clear()
    _site_hosts.clear()


def destination(link, query, template_values=None):
    """Where a reader following ``link`` goes; ``query`` is the request's ``QueryDict``.

    Only the link's own address can come out of this. Its tracking templates (the
    partner's and its own) set their parameters, filled from ``template_values``
    (see ``template_values_for``). When the link forwards query parameters, the
    reader's allowlisted ones (``forwarding``) are added too, except any parameter the
    destination or a template already sets, so a reader cannot swap the partner's
    tracking code for someone else's, nor add a network's deep-link parameter.
    """
    url = tracking_templates.add_parameters(
        link.destination_url,
        tracking_templates.fill(link.tracking_templates, template_values or {}),
    )
    if not link.pass_query_parameters:
        return url
    parts = urlsplit(url)
    own = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    allowed = link.allowed_parameters
    extra = [
        (name, value)
        for name, values in query.lists()
        if name != FROM_PARAMETER and name not in own and forwarding.is_allowed(name, allowed)
        for value in values
    ]
    if not extra:
        return url
    # The destination's own query is kept byte for byte: partners can be picky.
    combined = "&".join(filter(None, [parts.query, urlencode(extra)]))
    return urlunsplit(parts._replace(query=combined))


def template_values_for(link, page_id, request=None, page=None):
    """What the placeholders of ``link``'s tracking templates stand for on this click.

    Costs nothing for a link without templates. Page placeholders are filled only from
    a live page that anyone may read (``page_info``): a private page's slug never goes
    to a partner. On the redirect the page's slugs come from the process's memory of
    it; the database is asked once per page every ``LOCAL_PAGE_SECONDS`` at most.
    """
    templates = link.tracking_templates
    if not templates:
        return {}
    values = {"link_slug": link.slug, "site": _site_host(request)}
    if page is not None:
        values["page_id"] = str(page.pk)
        values["page_slug"] = page.slug
        values["section_slug"] = _section_slug(page)
    elif page_id and tracking_templates.uses_page(*templates):
        info = page_info(page_id)
        if info is not None and info.public:
            values["page_id"] = str(page_id)
            values["page_slug"] = info.slug
            values["section_slug"] = info.section_slug
    return values


@dataclass(frozen=True, slots=True)
class PageInfo:
    slug: str
    section_slug: str
    public: bool  # no view restriction on it or above it


_local_pages = {}  # page id -> (monotonic expiry, PageInfo or None)


def page_info(page_id):
    """What a click needs to know of a live page, or None; None too if the database
    cannot be asked (the placeholders are then left empty, never the redirect)."""
    now = time.monotonic()
    local = _local_pages.get(page_id)
    if local is not None and local[0] > now:
        return local[1]
    try:
        info = _read_page_info(page_id)
    except Exception:
        logger.warning("Could not read page %s for a click", page_id, exc_info=True)
        return None
    if len(_local_pages) > 10_000:
        _local_pages.clear()
    _local_pages[page_id] = (now + LOCAL_PAGE_SECONDS, info)
    return info


def _read_page_info(page_id):
    page = Page.objects.filter(pk=page_id, live=True).only("slug", "path", "depth").first()
    if page is None:
        return None
    chain = (
        Page.objects.ancestor_of(page, inclusive=True)
        .annotate(restricted=Exists(PageViewRestriction.objects.filter(page=OuterRef("pk"))))
        .order_by("depth")
        .values_list("slug", "content_type__app_label", "content_type__model", "restricted")
    )
    section_slug, public = "", True
    for slug, app_label, model, restricted in chain:
        public = public and not restricted
        if (app_label, model) == ("guides", "sectionpage"):
            section_slug = slug
    return PageInfo(page.slug, section_slug, public)


_site_hosts = {}  # request host -> site hostname


def _site_host(request):
    """The host name of the Site serving ``request``, never the request's own Host."""
    if request is None:
        return ""
    host = request.get_host()
    hostname = _site_hosts.get(host)
    if hostname is None:
        try:
            site = Site.find_for_request(request)
        except Exception:
            logger.warning("Could not find the site for a click", exc_info=True)
            return ""
        hostname = site.hostname if site is not None else ""
        if len(_site_hosts) < 1_000:
            _site_hosts[host] = hostname
    return hostname


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
    return _is_crawler(user_agent)


@functools.lru_cache(maxsize=4096)
def _is_crawler(user_agent):
    # Its patterns are one large regular expression; readers' browsers send few
    # distinct strings, so each is matched once per process.
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


def from_value(page_id, slug):
    """The ``from`` value a page writes on its link to ``slug``: its id, signed.

    Only pages rendering the link sign it, so a click is credited to a page only if
    that page carried the link; nobody else can credit a page of their choosing.
    """
    return f"{page_id}-{_from_signature(page_id, slug)}"


def _from_signature(page_id, slug):
    message = f"affiliates-from\n{page_id}\n{slug}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:12]


def page_id_from(value, slug):
    """The page id a ``?from=`` value names, if it carries that page's signature for the
    link ``slug``; otherwise None."""
    if not value or len(value) > 32 or not value.isascii():
        return None
    number, _, signature = value.partition("-")
    if not number.isdigit():
        return None
    page_id = int(number)
    if not 0 < page_id <= _LARGEST_PAGE_ID:
        return None
    if not hmac.compare_digest(signature, _from_signature(page_id, slug)):
        return None
    return page_id


def click_for(request, link, navigation=True):
    """The click ``request`` makes on ``link``, as data to queue."""
    now = time.time()
    day = timezone.localdate(datetime.datetime.fromtimestamp(now, tz=datetime.UTC))
    return ClickEvent(
        click_id=new_click_id(),
        link_id=link.id,
        page_id=page_id_from(request.GET.get(FROM_PARAMETER), link.slug),
        visitor_key=visitor_keys.visitor_key(client_ip(request), day),
        is_bot=is_bot(request, navigation),
        is_staff=is_staff(request),
        clicked_at=now,
    )


def track_click(request, link, navigation=True):
    """Count a click on ``link``. Never raises: a failure is logged, not shown.

    ``navigation``: whether the request is the reader's browser following the link
    (the redirect), rather than a ping reporting that it did (a direct link).
    """
    try:
        click_queue.submit(click_for(request, link, navigation))
    except Exception:
        # Whatever went wrong, the reader still gets where they were going.
        logger.exception("Could not record a click on affiliate link %s", link.id)
