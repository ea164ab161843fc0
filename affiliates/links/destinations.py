"""Where a link leads, and which page sent the reader there.

- ``destination``: where a reader following a link goes; always the address stored for
  the link, with its tracking templates filled in (``template_values_for``) and, where the
  link allows it, the reader's allowlisted parameters (``forwarding``).
- ``from_value`` / ``origin_from``: the signed ``?from=`` value a page writes on its
  links, and the page and placement a click may believe from it.

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
from .models import TrackingId
from .placements import PLACEMENT

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
    def partner_id(self) -> int | None: ...
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
    path = None
    if page is not None:
        values["page_id"] = str(page.pk)
        values["page_slug"] = page.slug
        values["section_slug"] = _section_slug(page)
        path = page.path
    elif page_id and tracking_templates.uses_page(*templates):
        info = page_info(page_id)
        if info is not None and info.public:
            values["page_id"] = str(page_id)
            values["page_slug"] = info.slug
            values["section_slug"] = info.section_slug
            path = info.path
    if link.partner_id and tracking_templates.uses("tracking_id", *templates):
        values["tracking_id"] = tracking_id_for(link.partner_id, path)
    return values


@dataclass(frozen=True, slots=True)
class PageInfo:
    slug: str
    section_slug: str
    public: bool  # no view restriction on it or above it
    path: str = ""  # its place in the tree: each page above it has a prefix of it


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
    return PageInfo(page.slug, section_slug, public, page.path)


# partner id -> (expiry, [(page path or "" for the default, tracking ID)])
_local_tracking_ids: dict[int, tuple[float, list[tuple[str, str]]]] = {}


def tracking_id_for(partner_id: int, path: str | None) -> str:
    """The partner's tracking ID for the page at ``path``: that of the nearest page above
    it (itself included) that has one, else the partner's default, else "".

    A partner's IDs are remembered per process for ``LOCAL_PAGE_SECONDS``; if they
    cannot be read, "" (the address keeps its own tag) rather than a failed redirect.
    """
    now = time.monotonic()
    local = _local_tracking_ids.get(partner_id)
    if local is None or local[0] <= now:
        try:
            ids = list(
                TrackingId.objects.filter(partner_id=partner_id).values_list("page__path", "value")
            )
        except Exception:
            logger.warning("Could not read partner %s's tracking IDs", partner_id, exc_info=True)
            return ""
        local = (now + LOCAL_PAGE_SECONDS, [(page_path or "", value) for page_path, value in ids])
        if len(_local_tracking_ids) > 1_000:
            _local_tracking_ids.clear()
        _local_tracking_ids[partner_id] = local
    best, best_length = "", -1
    for page_path, value in local[1]:
        covers = path is not None and path.startswith(page_path) if page_path else True
        if covers and len(page_path) > best_length:
            best, best_length = value, len(page_path)
    return best


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


_SIGNATURE_LENGTH = 12


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a click came from: the page and the spot on it (``""`` when not known)."""

    page_id: int
    placement: str = ""


def from_value(page_id: int, slug: str, placement: str = "") -> str:
    """The ``from`` value a page writes on its link to ``slug``: its id and the link's
    placement on it (``intro``, ``product-box-4``…), signed together.

    Only pages rendering the link sign it, so a click is credited to a page, and to a
    spot on it, only if that page carried the link there; nobody else can credit a
    page or a placement of their choosing. Without a placement the value is the one
    pages wrote before placements, so links in pages cached then still count.
    """
    if placement and not PLACEMENT.fullmatch(placement):
        placement = ""
    value = f"{page_id}-{_from_signature(page_id, slug, placement)}"
    return f"{value}-{placement}" if placement else value


def _from_signature(page_id: int, slug: str, placement: str) -> str:
    message = f"affiliates-from\n{page_id}\n{slug}"
    if placement:
        message += f"\n{placement}"
    digest = hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256)
    return digest.hexdigest()[:_SIGNATURE_LENGTH]


def origin_from(value: str | None, slug: str) -> Origin | None:
    """The page and placement a ``?from=`` value names, if it carries their signature
    for the link ``slug``; otherwise None."""
    if not value or len(value) > 80 or not value.isascii():
        return None
    number, _, signed = value.partition("-")
    if not number.isdigit():
        return None
    page_id = int(number)
    if not 0 < page_id <= _LARGEST_PAGE_ID:
        return None
    signature, placement = signed[:_SIGNATURE_LENGTH], signed[_SIGNATURE_LENGTH + 1 :]
    if signed[_SIGNATURE_LENGTH : _SIGNATURE_LENGTH + 1] not in ("", "-"):
        return None
    if placement and not PLACEMENT.fullmatch(placement):
        return None
    if not hmac.compare_digest(signature, _from_signature(page_id, slug, placement)):
        return None
    return Origin(page_id, placement)


def page_id_from(value: str | None, slug: str) -> int | None:
    """The page id a ``?from=`` value names, if signed for the link ``slug``; else None."""
    origin = origin_from(value, slug)
    return origin.page_id if origin is not None else None


def forget_local_pages() -> None:
    """Forget what this process remembers of pages and sites (tests, between requests)."""
    _local_pages.clear()
    _site_hosts.clear()
    _local_tracking_ids.clear()
