from django import template
from django.utils.html import format_html

from affiliates.models import DisclosureSettings
from affiliates.rich_text import AFFILIATE_REL, cloaked_href
from guides import navigation

register = template.Library()


@register.inclusion_tag("affiliates/disclosure_notice.html", takes_context=True)
def disclosure_notice(context, page):
    """The referral notice, where the site's disclosure policy asks for it on this page."""
    request = context.get("request")
    disclosure = navigation.site_setting(request, DisclosureSettings) if request else None
    carries_links = bool(getattr(page, "affiliate_link_ids", lambda: [])())
    show = disclosure is not None and (
        carries_links or disclosure.policy == DisclosureSettings.Policy.EVERY_PAGE
    )
    return {"show": show, "disclosure": disclosure}


@register.simple_tag(takes_context=True)
def affiliate_link_attrs(context, link):
    """``href`` and ``rel`` for a managed link, cloaked and attributed to the current page."""
    return format_html('href="{}" rel="{}"', cloaked_href(link, context.get("page")), AFFILIATE_REL)
