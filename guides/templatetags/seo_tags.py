from django import template
from django.urls import reverse
from wagtail.models import Site

from guides import navigation, seo
from guides.models import GuidePage, SearchAndSharingSettings, SectionPage

from .navigation_tags import breadcrumb_trail

register = template.Library()


@register.inclusion_tag("includes/page_meta.html", takes_context=True)
def page_meta(context, page=None):
    """Description, canonical URL, sharing tags, feeds and JSON-LD for the page's <head>."""
    request = context["request"]
    site = Site.find_for_request(request)
    sharing = navigation.site_setting(request, SearchAndSharingSettings)
    is_wagtail_page = page is not None and getattr(page, "pk", None) is not None
    specific = getattr(page, "specific", page) if is_wagtail_page else None

    canonical = (
        page.get_full_url(request) if is_wagtail_page else seo.absolute_url(request, request.path)
    )
    description = (
        getattr(specific, "meta_description", "")
        or getattr(page, "search_description", "")
        or context.get("meta_description", "")
    )
    # The editor's sharing picture, else the page's own, else the site's: by id, so a
    # render fetches no image (the card is cached).
    card = navigation.social_card(
        request,
        [
            getattr(specific, "social_image_id", None),
            getattr(specific, "image_id", None),
            sharing.default_social_image_id,
        ],
    )
    image_url = card.get("url")

    # Absolute URLs come from the Wagtail site's root URL, like the pages' own.
    site_url = seo.site_root_url(request)
    structured = []
    if is_wagtail_page and site and page.pk == site.root_page_id:
        structured.append(seo.website(request, site, site_url + reverse("search")))
    trail = breadcrumb_trail(request, page) if is_wagtail_page else []
    if trail:
        structured.append(seo.breadcrumb_list(request, trail))
    if isinstance(specific, GuidePage):
        structured.append(seo.article(request, specific, sharing, image_url, context.get("byline")))
    structured.extend(context.get("structured_data", []))

    section = specific if isinstance(specific, SectionPage) else None
    if isinstance(specific, GuidePage) and len(trail) >= 2:
        # Ancestors come back as plain pages; their class is known without a query.
        if issubclass(trail[-2].specific_class, SectionPage):
            section = trail[-2]

    return {
        "description": description,
        "canonical": canonical,
        "noindex": context.get("noindex") or getattr(specific, "noindex", False),
        "og_type": "article" if isinstance(specific, GuidePage) else "website",
        "og_title": (getattr(page, "seo_title", "") or getattr(page, "title", ""))
        if page
        else context.get("meta_title", ""),
        "image_url": image_url,
        "image_width": card.get("width"),
        "image_height": card.get("height"),
        "site_name": site.site_name if site else "",
        "twitter_handle": sharing.twitter_handle,
        "structured": [seo.as_json_ld(item) for item in structured],
        "site_feed": site_url + reverse("guides_feed"),
        "section_feed": (section.get_full_url(request) + "feed/" if section else None),
        "section_title": section.title if section else None,
    }


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """``path`` as a full address on this site (from the Wagtail Site, not the Host)."""
    return seo.absolute_url(context["request"], path)
