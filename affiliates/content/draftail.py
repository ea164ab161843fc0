"""The editor's “Affiliate link” rich-text button: pick a managed link, store a reference.

Rich text in the database holds ``<a linktype="affiliate" id="…">``, never the partner's
URL; ``affiliates.content.rich_text`` draws it for readers by the partner's rules.
"""

from django.urls import reverse
from django.utils.functional import lazy
from draftjs_exporter.dom import DOM
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.rich_text.converters.html_to_contentstate import LinkElementHandler
from wagtail.admin.rich_text.editors.draftail import features as draftail_features

from affiliates.links.models import AffiliateLink

from .rich_text import AffiliateLinkHandler

FEATURE_NAME = "affiliate-link"
# The Draftail entity type; rich text in the database stays <a linktype="affiliate" id="…">.
ENTITY_TYPE = "AFFILIATE_LINK"


def affiliate_link_entity(props):
    """Editor entity → database HTML: ``<a linktype="affiliate" id="…">``, never the URL."""
    link_id = props.get("id")
    if link_id is None or not str(link_id).isdigit():
        # Nothing to point at: keep the words, drop the link.
        return props["children"]
    return DOM.create_element("a", {"linktype": "affiliate", "id": link_id}, props["children"])


class AffiliateLinkElementHandler(LinkElementHandler):
    """Database HTML → editor entity, carrying the link's current name for the editor."""

    def get_attribute_data(self, attrs):
        try:
            link_id = int(attrs["id"])
        except (KeyError, ValueError):
            return {}
        link = AffiliateLink.objects.filter(pk=link_id).first()
        if link is None:
            # Keep the id so the editor flags the link as missing instead of dropping it.
            return {"id": link_id, "name": None, "url": None}
        return {"id": link.pk, "name": link.name, "url": AdminURLFinder().get_edit_url(link)}


def _snippet_chooser_url():
    return reverse(AffiliateLink.snippet_viewset.chooser_viewset.get_url_name("choose"))


_chooser_url = lazy(_snippet_chooser_url, str)


def register_affiliate_link_feature(features):
    """The “Affiliate link” button in Draftail (registered by ``affiliates.wagtail_hooks``)."""
    features.register_link_type(AffiliateLinkHandler)
    features.register_editor_plugin(
        "draftail",
        FEATURE_NAME,
        draftail_features.EntityFeature(
            {
                "type": ENTITY_TYPE,
                "icon": "link-external",
                "description": "Affiliate link",
                # Wagtail's own snippet chooser: editors search and pick a managed link.
                "chooserUrls": {"affiliateLinkChooser": _chooser_url()},
            },
            js=["wagtailadmin/js/chooser-modal.js", "affiliates/js/affiliate-link-draftail.js"],
            css={"all": ["affiliates/css/affiliate-link-draftail.css"]},
        ),
    )
    features.register_converter_rule(
        "contentstate",
        FEATURE_NAME,
        {
            "from_database_format": {
                'a[linktype="affiliate"]': AffiliateLinkElementHandler(ENTITY_TYPE)
            },
            "to_database_format": {"entity_decorators": {ENTITY_TYPE: affiliate_link_entity}},
        },
    )
