"""What pages that may carry affiliate links share: finding the links, rendering them."""

from .models import AffiliateLink
from .rich_text import affiliate_link_ids_in, rendering_page


class AffiliateContentMixin:
    """For page types whose content may carry affiliate links.

    ``affiliate_content_fields`` names the rich-text and StreamField fields to scan.
    """

    affiliate_content_fields = ()

    def affiliate_link_ids(self):
        """Ids of every affiliate link on the page, in order of appearance."""
        if getattr(self, "_affiliate_link_ids", None) is None:
            ids = []
            for name in self.affiliate_content_fields:
                value = getattr(self, name)
                raw = getattr(value, "raw_data", None)
                if raw is not None:
                    ids.extend(_call_to_action_ids(raw))
                    ids.extend(affiliate_link_ids_in(list(raw)))
                else:
                    ids.extend(affiliate_link_ids_in(str(value or "")))
            self._affiliate_link_ids = list(dict.fromkeys(ids))
        return self._affiliate_link_ids

    def serve(self, request, *args, **kwargs):
        links = AffiliateLink.objects.in_bulk(self.affiliate_link_ids())
        with rendering_page(self, links):
            response = super().serve(request, *args, **kwargs)
            # Render now, while the page's links are known to the rich-text handler.
            if hasattr(response, "render"):
                response.render()
        return response


def _call_to_action_ids(raw_blocks):
    for block in raw_blocks:
        value = block.get("value") if isinstance(block, dict) else None
        if block.get("type") == "affiliate_call_to_action" and isinstance(value, dict):
            link_id = value.get("link")
            if isinstance(link_id, int):
                yield link_id
