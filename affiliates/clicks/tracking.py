"""What a click on /go/<slug>/ (or a direct link's ping) was, handed on to be stored.

``track_click`` decides what the click was (a bot or a reader, the site's own staff,
which page it came from, whose visitor key) and hands it to ``affiliates.clicks.queue``.
It never raises, so counting can never stand between a reader and the partner. Where the
link itself leads is ``affiliates.links.destinations``; what a slug stands for is
``affiliates.clicks.link_cache`` (docs/affiliate-links.md, "How a click travels").

Clicks hold no address or browser string, only a visitor key (``visitor_keys``).
"""

import datetime
import functools
import logging
import time
from urllib.parse import urlsplit

from crawlerdetect import CrawlerDetect
from django.urls import reverse
from django.utils import timezone

from affiliates.links.destinations import FROM_PARAMETER, origin_from
from careersite.client_address import client_ip

from . import queue, visitor_keys
from .recording import ClickEvent, new_click_id

logger = logging.getLogger(__name__)

_crawlers = CrawlerDetect()


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


def click_for(request, link, navigation=True):
    """The click ``request`` makes on ``link``, as data to queue."""
    now = time.time()
    day = timezone.localdate(datetime.datetime.fromtimestamp(now, tz=datetime.UTC))
    origin = origin_from(request.GET.get(FROM_PARAMETER), link.slug)
    return ClickEvent(
        click_id=new_click_id(),
        link_id=link.id,
        page_id=origin.page_id if origin else None,
        placement=origin.placement if origin else "",
        visitor_key=visitor_keys.visitor_key(client_ip(request), day),
        is_bot=is_bot(request, navigation),
        is_staff=is_staff(request),
        clicked_at=now,
    )


def track_click(request, link, navigation=True):
    """Count a click on ``link``; its click id once it is on its way to the database
    (queued, written or spooled), else "". Never raises: a failure is logged, not shown.

    ``navigation``: whether the request is the reader's browser following the link
    (the redirect), rather than a ping reporting that it did (a direct link).
    """
    try:
        click = click_for(request, link, navigation)
        return click.click_id if queue.submit(click) else ""
    except Exception:
        # Whatever went wrong, the reader still gets where they were going.
        logger.exception("Could not record a click on affiliate link %s", link.id)
        return ""
