"""What pages that may carry affiliate links share: finding the links, rendering them."""

from .content.forms import AffiliateContentPageForm
from .content.rich_text import (
    MARKER_ATTRIBUTE,
    add_link_markers,
    affiliate_link_ids_in,
    rendering_page,
)
from .links.models import AffiliateLink

#: StreamField blocks whose ``link`` value is an affiliate link's id.
LINK_BLOCKS = ("affiliate_call_to_action", "product_box")
#: StreamField blocks with a list of ``products``, each with such a ``link``.
PRODUCT_LIST_BLOCKS = ("comparison_table",)


class AffiliateContentMixin:
    """For page types whose content may carry affiliate links.

    ``affiliate_content_fields`` names the rich-text and StreamField fields to scan.
    The admin form refuses to publish such a page while it carries links and the
    site has no disclosure page (see ``affiliates.content.forms``).
    """

    affiliate_content_fields = ()
    base_form_class = AffiliateContentPageForm

    def affiliate_link_ids(self):
        """Ids of every affiliate link on the page, in order of appearance."""
        if getattr(self, "_affiliate_link_ids", None) is None:
            self._affiliate_link_ids = affiliate_link_ids_in_content(
                getattr(self, name) for name in self.affiliate_content_fields
            )
        return self._affiliate_link_ids

    def affiliate_links(self, values=None):
        """The managed links the page's content (or the given field values) points at.

        Ids of links deleted since are left out.
        """
        ids = self.affiliate_link_ids() if values is None else affiliate_link_ids_in_content(values)
        if not ids:
            return []
        found = AffiliateLink.objects.select_related("partner").in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def serve(self, request, *args, **kwargs):
        return self._render_with_links(request, super().serve, request, *args, **kwargs)

    def serve_preview(self, request, mode_name):
        # Previews skip serve(); editors should see the page as readers will.
        return self._render_with_links(request, super().serve_preview, request, mode_name)

    def affiliate_links_by_id(self, request):
        """The page's links (id → link, partners selected) for rendering it: one query.
        Page types may take them from a cache instead."""
        return AffiliateLink.objects.select_related("partner").in_bulk(self.affiliate_link_ids())

    def _render_with_links(self, request, serve, *args, **kwargs):
        links = self.affiliate_links_by_id(request)
        with rendering_page(self, links, request):
            response = serve(*args, **kwargs)
            # Render now, while the page's links are known to the rich-text handler.
            if hasattr(response, "render"):
                response.render()
        _add_link_markers(response)
        return response


def _add_link_markers(response):
    if (
        response.streaming
        or not response.get("Content-Type", "").startswith("text/html")
        or MARKER_ATTRIBUTE.encode() not in response.content
    ):
        return
    charset = response.charset
    response.content = add_link_markers(response.content.decode(charset)).encode(charset)


def affiliate_link_ids_in_content(values):
    """Ids of affiliate links in rich-text and StreamField values, in order, without repeats.

    Reads stored data only (rich-text HTML, raw stream JSON), so it costs no queries.
    """
    ids = []
    for value in values:
        raw = getattr(value, "raw_data", None)
        if raw is None:
            ids.extend(affiliate_link_ids_in(str(value or "")))
            continue
        for block in raw:
            ids.extend(_call_to_action_ids(block))
            ids.extend(affiliate_link_ids_in(block))
    return list(dict.fromkeys(ids))


def _call_to_action_ids(block):
    if not isinstance(block, dict):
        return
    value = block.get("value")
    if not isinstance(value, dict):
        return
    if block.get("type") in LINK_BLOCKS:
        yield from _link_id(value)
    elif block.get("type") in PRODUCT_LIST_BLOCKS:
        for product in value.get("products") or []:
            # A ListBlock item is {"type": "item", "value": {...}, "id": ...}; older
            # data stores the value alone.
            if isinstance(product, dict):
                yield from _link_id(product.get("value", product))


def _link_id(value):
    link_id = value.get("link") if isinstance(value, dict) else None
    if isinstance(link_id, int) or (isinstance(link_id, str) and link_id.isdigit()):
        yield int(link_id)
