"""Where a link leads, and which page sent the reader there.

- ``destination``: where a reader following a link goes; always the address stored for
  the link, with its tracking templates filled in (``template_values_for``) and, where the
  link allows it, the reader's allowlisted parameters (``forwarding``).
- ``from_value`` / ``page_id_from``: the signed ``?from=`` value a page writes on its
  links, and the page id a click may believe from it.

Both the redirect (``affiliates.clicks``) and pages drawing direct links
(``affiliates.content``) ask this module, so it lives in ``affiliates.links``, beneath
both. Page facts are remembered per process (``LOCAL_PAGE_SECONDS``), so the redirect
rarely asks the database.
"""

import hashlib
import hmac
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, QueryDict
from wagtail.models import Page, PageViewRestriction, Site

from . import forwarding, tracking_templates

logger = logging.getLogger(__name__)

#: The query parameter naming the page a link was clicked on; ours, never forwarded.
FROM_PARAMETER = "from"
#: Seconds a process keeps a page's slugs before asking the database again.
LOCAL_PAGE_SECONDS = 30
_LARGEST_PAGE_ID = 2**31 - 1  # wagtailcore_page.id is a 32-bit integer


class Link(Protocol):
    """What this module reads of a link: an ``AffiliateLink`` on pages, the redirect's
    cached copy of one (``affiliates.clicks.link_cache.RedirectLink``) on ``/go/``."""

    @property
    def slug(self) -> str: ...
    @property
    def destination_url(self) -> str: ...
    @property
    def pass_query_parameters(self) -> bool: ...
    @property
    def tracking_templates(self) -> Sequence[str]: ...
    @property
    def allowed_parameters(self) -> tuple[str, ...]: ...


def destination(link: Link, query: QueryDict, template_values: dict[str, str] | None = None) -> str:
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


def template_values_for(
    link: Link, page_id: int | None, request: HttpRequest | None = None, page: Page | None = None
) -> dict[str, str]:
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


_local_pages: dict[int, tuple[float, PageInfo | None]] = {}  # page id -> (expiry, info)


def page_info(page_id: int) -> PageInfo | None:
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


def _read_page_info(page_id: int) -> PageInfo | None:
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


_site_hosts: dict[str, str] = {}  # request host -> site hostname


def _site_host(request: HttpRequest | None) -> str:
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


def _section_slug(page: Page) -> str:
    """The slug of the nearest section the page is in (itself, if it is one), or ""."""
    section = (
        Page.objects.ancestor_of(page, inclusive=True)
        .filter(content_type__app_label="guides", content_type__model="sectionpage")
        .order_by("-depth")
        .values_list("slug", flat=True)
        .first()
    )
    return section or ""


def from_value(page_id: int, slug: str) -> str:
    """The ``from`` value a page writes on its link to ``slug``: its id, signed.

    Only pages rendering the link sign it, so a click is credited to a page only if
    that page carried the link; nobody else can credit a page of their choosing.
    """
    return f"{page_id}-{_from_signature(page_id, slug)}"


def _from_signature(page_id: int, slug: str) -> str:
    message = f"affiliates-from\n{page_id}\n{slug}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:12]


def page_id_from(value: str | None, slug: str) -> int | None:
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


def forget_local_pages() -> None:
    """Forget what this process remembers of pages and sites (tests, between requests)."""
    _local_pages.clear()
    _site_hosts.clear()
