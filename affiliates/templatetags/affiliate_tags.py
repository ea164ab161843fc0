from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from affiliates.content.models import DisclosureSettings
from affiliates.content.rich_text import (
    anchor_for,
    current_page,
    is_direct,
    placed,
    prefetched_links,
)
from affiliates.links.placements import body_placement
from guides import navigation

register = template.Library()


@register.inclusion_tag("affiliates/content/disclosure_notice.html", takes_context=True)
def disclosure_notice(context, page):
    """The referral notice, where the site's disclosure policy asks for it on this page,
    followed by the sentence each linked partner's programme requires."""
    request = context.get("request")
    disclosure = navigation.site_setting(request, DisclosureSettings) if request else None
    carries_links = bool(getattr(page, "affiliate_link_ids", lambda: [])())
    show = disclosure is not None and (
        carries_links or disclosure.policy == DisclosureSettings.Policy.EVERY_PAGE
    )
    return {
        "show": show,
        "disclosure": disclosure,
        "partner_sentences": partner_sentences(page) if show and carries_links else [],
        # For {% pageurl %}, which reuses the site's root paths the request holds.
        "request": request,
    }


def partner_sentences(page):
    """Each distinct disclosure sentence of the partners ``page`` links to, in order of
    their first link on the page."""
    sentences = []
    for link in links_on(page):
        sentence = link.partner.disclosure_sentence.strip() if link.partner_id else ""
        if sentence and sentence not in sentences:
            sentences.append(sentence)
    return sentences


def links_on(page):
    """The page's links in order of appearance: those fetched for its rendering, or
    (rendered some other way) one query for them all."""
    ids = page.affiliate_link_ids()
    known = prefetched_links() if current_page() is page else {}
    if all(pk in known for pk in ids):
        return [known[pk] for pk in ids]
    return page.affiliate_links()


@register.simple_tag(takes_context=True)
def affiliate_link_anchor(context, link):
    """How ``link`` is drawn on the current page (an ``Anchor``: ``attrs`` and
    ``marker``), or None when it leads nowhere now."""
    if link is None:
        return None
    return anchor_for(link, context.get("page") or current_page())


@register.simple_tag
def direct_link_ping_script():
    """The script that counts direct-link clicks where browsers send no pings, on pages
    that carry a direct link (the others need nothing)."""
    if not any(is_direct(link) for link in prefetched_links().values()):
        return ""
    src = static("affiliates/js/direct-link-ping.js")
    return format_html('<script src="{}" defer></script>', src)


class PlacementNode(template.Node):
    def __init__(self, nodelist, name, position):
        self.nodelist, self.name, self.position = nodelist, name, position

    def render(self, context):
        name = self.name.resolve(context)
        if self.position is not None:
            name = body_placement(getattr(name, "block_type", name), self.position.resolve(context))
        with placed(str(name or "")):
            return self.nodelist.render(context)


@register.tag
def placement(parser, token):
    """``{% placement "intro" %}…{% endplacement %}``: affiliate links rendered inside
    sit at that placement, which their clicks record. ``{% placement block
    forloop.counter %}`` names a body block by its kind and position."""
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes a placement, or a block and its position"
        )
    nodelist = parser.parse(("endplacement",))
    parser.delete_first_token()
    name = parser.compile_filter(bits[1])
    position = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    return PlacementNode(nodelist, name, position)
