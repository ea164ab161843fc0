"""Affiliate links inside rich text: stored by reference, rendered cloaked.

Rich text stores ``<a linktype="affiliate" id="…">``. While a page renders, the
links it references are fetched once (see ``rendering_page``) so a guide with
many links costs one query, and each link points at ``/go/<slug>/?from=<page>``
so clicks are attributed to the page they came from.
"""

import json
import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.utils.html import escape
from wagtail.rich_text import LinkHandler

AFFILIATE_REL = "sponsored nofollow noopener"

_page = ContextVar("affiliate_rendering_page", default=None)
_links = ContextVar("affiliate_rendering_links", default=None)

_ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_LINKTYPE = re.compile(r'linktype=\\?"affiliate\\?"')
_ID = re.compile(r'\bid=\\?"(\d+)\\?"')


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
def rendering_page(page, links):
    """Make ``page`` and its pre-fetched ``links`` (id → link) known to the link handler."""
    page_token = _page.set(page)
    links_token = _links.set(links)
    try:
        yield
    finally:
        _page.reset(page_token)
        _links.reset(links_token)


def prefetched_links():
    """The links fetched for the page being rendered (id → link), or an empty dict."""
    return _links.get() or {}


def current_page():
    return _page.get()


def cloaked_href(link, page=None):
    page = page if page is not None else _page.get()
    href = link.get_absolute_url()
    if page is not None and page.pk:
        href += f"?from={page.pk}"
    return href


class AffiliateLinkHandler(LinkHandler):
    identifier = "affiliate"

    @staticmethod
    def get_model():
        return apps.get_model("affiliates", "AffiliateLink")

    @classmethod
    def get_many(cls, attrs_list):
        known = _links.get() or {}
        wanted = {str(attrs.get("id")) for attrs in attrs_list} - {str(pk) for pk in known}
        fetched = cls.get_model().objects.in_bulk([pk for pk in wanted if pk.isdigit()])
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
        # A deleted link renders as plain text rather than a dead or naked partner URL.
        return [
            f'<a href="{escape(cloaked_href(link))}" rel="{AFFILIATE_REL}">' if link else "<a>"
            for link in cls.get_many(attrs_list)
        ]
