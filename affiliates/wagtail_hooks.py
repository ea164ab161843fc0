from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import AffiliateLink, Partner
from .rich_text import AffiliateLinkHandler


class AffiliateLinkViewSet(SnippetViewSet):
    model = AffiliateLink
    icon = "link-external"
    menu_label = "Affiliate links"
    list_display = ["name", "slug", "partner", "is_active", "updated_at"]
    list_filter = ["partner", "is_active"]
    list_export = ["name", "slug", "destination_url", "partner", "is_active", "updated_at"]
    search_fields = ["name", "slug", "destination_url"]


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "group"
    menu_label = "Partners"
    list_display = ["name", "network"]
    search_fields = ["name", "network"]


class AffiliatesViewSetGroup(SnippetViewSetGroup):
    items = (AffiliateLinkViewSet, PartnerViewSet)
    menu_icon = "link-external"
    menu_label = "Affiliates"
    menu_name = "affiliates"


register_snippet(AffiliatesViewSetGroup)


@hooks.register("register_rich_text_features")
def register_affiliate_link_feature(features):
    features.register_link_type(AffiliateLinkHandler)
