"""Affiliate links inside rich text: stored by reference, rendered by the partner's rules.

Rich text stores ``<a linktype="affiliate" id="…">``. While a page renders, the
links it references are fetched once, with their partners (see ``rendering_page``),
so a guide with many links costs one query. How each link is drawn follows its
partner's programme rules (``anchor_for``):

- cloaked (the default): ``/go/<slug>/?from=<page and placement>``, so the redirect
  counts the click and credits the page and the spot on it (``placed``);
- direct, for programmes that forbid hiding the destination: the partner's own
  address with its tracking templates filled for this page, and a ``ping`` to our
  ``/go/<slug>/ping/?from=<page>`` that counts the click where browsers send pings.

A partner's marker, e.g. "(paid link)", goes after the link's closing tag. The link
handler only writes the opening tag, so it leaves the marker in a data attribute
and ``add_link_markers`` moves it into real text once the page is rendered.
"""

import json
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from wagtail.rich_text import LinkHandler

from affiliates.links import destinations

AFFILIATE_REL = "sponsored nofollow noopener"
MARKER_ATTRIBUTE = "data-affiliate-marker"


@dataclass
class _Rendering:
    page: object
    links: dict
    request: object = None
    # Tracking-template values that depend only on the page, worked out once per render.
    page_values: dict | None = field(default=None)


_rendering = ContextVar("affiliate_rendering", default=None)
# Where on the page the links being rendered sit (``placements``); "" for not said.
_placement = ContextVar("affiliate_placement", default="")

_ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_LINKTYPE = re.compile(r'linktype=\\?"affiliate\\?"')
_ID = re.compile(r'\bid=\\?"(\d+)\\?"')
# Only ever matches what the handler below writes; anchors cannot nest, so the first
# closing tag after it is the link's own.
_MARKED_ANCHOR = re.compile(
    rf'(<a\b[^>]*?) {MARKER_ATTRIBUTE}="([^"<>]*)"([^>]*>.*?</a>)', re.IGNORECASE | re.DOTALL
)


def affiliate_link_ids_in(*sources):
    """Ids of affiliate links referenced by rich-text HTML or StreamField raw data."""
    ids = []
    for source in sources:
        if source is None:
            continue
        if not isinstance(source, str):
            source = json.dumps(source)
        for anchor in _ANCHOR.findall(source):
            if _LINKTYPE.search(anchor) and (match := _ID.search(anchor)):
                ids.append(int(match.group(1)))
    return ids


@contextmanager
def rendering_page(page, links, request=None):
    """Make ``page``, its pre-fetched ``links`` (id → link, partners selected) and the
    ``request`` it is rendered for known to the link handler and the template tags."""
    token = _rendering.set(_Rendering(page, links, request))
    try:
        yield
    finally:
        _rendering.reset(token)


def prefetched_links():
    """The links fetched for the page being rendered (id → link), or an empty dict."""
    rendering = _rendering.get()
    return rendering.links if rendering is not None and rendering.links else {}


@contextmanager
def placed(placement):
    """Links rendered inside this block sit at ``placement`` (e.g. ``intro``)."""
    token = _placement.set(placement)
    try:
        yield
    finally:
        _placement.reset(token)


def current_placement():
    return _placement.get()


def current_page():
    rendering = _rendering.get()
    return rendering.page if rendering is not None else None


def _from_query(page, link):
    """``?from=`` naming ``page`` and the link's placement on it, signed for ``link``, so
    the click is credited to both."""
    if page is None or not page.pk:
        return ""
    return f"?from={destinations.from_value(page.pk, link.slug, current_placement())}"


def cloaked_href(link, page=None):
    page = page if page is not None else current_page()
    return link.get_absolute_url() + _from_query(page, link)


def ping_url(link, page=None):
    """Where a browser reports a click on ``link``'s direct address (``<a ping>``).

    Absolute, as HTML requires of ``ping`` (only http(s) URLs are valid), and on the
    origin the page is served from: browsers send pings only within the
    Content-Security-Policy's ``connect-src 'self'``, and ``ping_is_for`` counts only
    same-origin ones, so the Site's address would lose every click wherever it differs
    from the serving one. The host is Django's validated one (``ALLOWED_HOSTS``), and
    both the page cache and Varnish keep a page per host, so no client's Host reaches
    another reader. Without a request: the page's Site (or ``BASE_URL``).
    """
    path = reverse("affiliates:ping", kwargs={"slug": link.slug}) + _from_query(page, link)
    rendering = _rendering.get()
    if rendering is not None and rendering.request is not None:
        return rendering.request.build_absolute_uri(path)
    url_parts = page.get_url_parts() if page is not None and page.pk else None
    root_url = url_parts[1] if url_parts else settings.WAGTAILADMIN_BASE_URL
    return root_url.rstrip("/") + path


def direct_href(link, page=None):
    """The partner's own address for ``link``, tracking templates filled for ``page``."""
    page = page if page is not None else current_page()
    return destinations.destination(link, QueryDict(), _template_values(link, page))


def _template_values(link, page):
    if not link.tracking_templates:
        return {}
    rendering = _rendering.get()
    if rendering is None or page is None or rendering.page is not page:
        return _with_site(destinations.template_values_for(link, None, page=page), page)
    # The page, its section and the site are the same for every link on the page:
    # look them up for the first link only.
    if rendering.page_values is None:
        values = destinations.template_values_for(link, None, request=rendering.request, page=page)
        rendering.page_values = _with_site(values, page)
    return {**rendering.page_values, "link_slug": link.slug}


def _with_site(values, page):
    # Without a request (a page rendered on its own), the page's own site names the host.
    if values.get("site") == "" and page is not None and page.pk:
        site = page.get_site()
        values = {**values, "site": site.hostname if site is not None else ""}
    return values


@dataclass(frozen=True)
class Anchor:
    """How one affiliate link is drawn: its ``<a>`` attributes and the marker after it."""

    href: str
    ping: str = ""
    marker: str = ""
    rel: str = AFFILIATE_REL

    def attrs(self):
        """``href``, ``rel`` and (for a direct link) ``ping``, escaped for an ``<a>`` tag."""
        html = format_html('href="{}" rel="{}"', self.href, self.rel)
        if self.ping:
            html += format_html(' ping="{}"', self.ping)
        return html


def is_direct(link):
    partner = link.partner if link.partner_id else None
    return partner is not None and partner.link_style == partner.LinkStyle.DIRECT


def anchor_for(link, page=None):
    """The ``Anchor`` for ``link`` on ``page`` (the one being rendered if not given), or
    None when readers should get the words without a link.

    A direct link that is switched off or outside its dates goes to its fallback, or
    nowhere; a cloaked one keeps its /go/ address, whose answer covers those cases.
    """
    page = page if page is not None else current_page()
    marker = link.partner.link_marker if link.partner_id else ""
    if not is_direct(link):
        return Anchor(cloaked_href(link, page), marker=marker)
    if link.is_live():
        return Anchor(direct_href(link, page), ping=ping_url(link, page), marker=marker)
    if link.fallback_url:
        return Anchor(link.fallback_url, marker=marker)
    return None


def add_link_markers(html):
    """Put each marked link's marker after its closing tag, as text readers and screen
    readers get, and drop the data attribute that carried it."""
    if MARKER_ATTRIBUTE not in html:
        return html
    return _MARKED_ANCHOR.sub(
        r'\1\3 <span class="affiliate-marker">\2</span>',
        html,
    )


class AffiliateLinkHandler(LinkHandler):
    identifier = "affiliate"

    @staticmethod
    def get_model():
        return apps.get_model("affiliates", "AffiliateLink")

    @classmethod
    def get_many(cls, attrs_list):
        known = prefetched_links()
        wanted = {str(attrs.get("id")) for attrs in attrs_list} - {str(pk) for pk in known}
        fetched = (
            cls.get_model()
            .objects.select_related("partner")
            .in_bulk([pk for pk in wanted if pk.isdigit()])
        )
        by_id = {str(pk): link for pk, link in {**known, **fetched}.items()}
        return [by_id.get(str(attrs.get("id"))) for attrs in attrs_list]

    @classmethod
    def expand_db_attributes(cls, attrs):
        return cls.expand_db_attributes_many([attrs])[0]

    @classmethod
    def extract_references(cls, attrs):
        """What Wagtail's reference index records, so a link's usage lists this page."""
        if str(attrs.get("id", "")).isdigit():
            yield cls.get_model(), str(attrs["id"]), "", ""

    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        return [cls.opening_tag(link) for link in cls.get_many(attrs_list)]

    @staticmethod
    def opening_tag(link):
        # A deleted link, or a direct one that leads nowhere now, renders as plain
        # text rather than a dead or naked partner URL.
        anchor = anchor_for(link) if link is not None else None
        if anchor is None:
            return "<a>"
        marker = format_html(' {}="{}"', MARKER_ATTRIBUTE, anchor.marker) if anchor.marker else ""
        return f"<a {anchor.attrs()}{marker}>"
