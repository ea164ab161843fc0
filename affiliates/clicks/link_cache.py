"""What a slug at /go/<slug>/ stands for, without asking the database each time.

``find_link`` keeps a link for a moment in the process (``LOCAL_LINK_SECONDS``) and for
longer in the shared links cache, so known links keep redirecting while the database is
unreachable, and a change reaches every app server within ``LOCAL_LINK_SECONDS``.
``forget_links`` drops a changed link everywhere (``affiliates.signal_handlers``).
"""

import datetime
import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.db import transaction
from django.db.models import F

from affiliates.links import destinations, forwarding
from affiliates.links.models import AffiliateLink, link_is_live

logger = logging.getLogger(__name__)

#: Seconds a link stays in the shared cache after it was read from the database.
LINK_CACHE_TIMEOUT = 60 * 60 * 24
# Short, because a link made without save() (bulk_create, a shell) sends no signal.
MISSING_LINK_CACHE_TIMEOUT = 60
#: Seconds a process keeps a link (or a page's slugs) before asking the shared cache
#: again: how long a change takes to reach every app server.
LOCAL_LINK_SECONDS = 2
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
    "partner_id",
)
_PARTNER_FIELDS = {
    "partner_tracking_template": F("partner__tracking_template"),
    "partner_forwarded_parameters": F("partner__forwarded_parameters"),
}
_SLUG_MAX_LENGTH = AffiliateLink._meta.get_field("slug").max_length
_REDIRECT_STATUSES = frozenset(AffiliateLink.RedirectStatus.values)


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
    partner_id: int | None = None

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
    # v4: the cached shape gained the partner's id (for its tracking IDs).
    return f"affiliates:go:v4:{slug}"


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
    """Forget what this process remembers of links and pages (tests, between requests)."""
    _local_links.clear()
    destinations.forget_local_pages()
