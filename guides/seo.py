"""What pages tell search engines and social sites: absolute addresses and structured
data (schema.org JSON-LD)."""

import json
from urllib.parse import urljoin

from django.conf import settings
from django.utils.safestring import mark_safe
from wagtail.models import Site

#: Social sites show a shared page's picture at 1200×630 (1.91:1); a smaller picture is
#: shown as a thumbnail, or not at all.
SOCIAL_CARD_SIZE = (1200, 630)
SOCIAL_CARD_FILTER = "fill-1200x630"

# Keep "</script>" and friends from ending the script element early.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def is_big_enough_for_a_social_card(image):
    return image.width >= SOCIAL_CARD_SIZE[0] and image.height >= SOCIAL_CARD_SIZE[1]


def site_root_url(request):
    """The request's site's public address, e.g. ``https://careers.example.com``.

    Taken from the Wagtail Site, never from the Host header: a client chooses that, and
    what a page says about its own address is cached and shown to every other reader.
    """
    site = Site.find_for_request(request)
    return site.root_url if site else settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def absolute_url(request, url):
    """``url`` (a path such as ``/search/``, or already absolute) on the request's site."""
    return urljoin(site_root_url(request) + "/", url)


def as_json_ld(data):
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # noqa: S308


def website(request, site, search_url):
    root = site.root_page.get_full_url(request)
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.site_name,
        "url": root,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": f"{search_url}?q={{search_term_string}}",
            },
            "query-input": "required name=search_term_string",
        },
    }


def breadcrumb_list(request, trail):
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": "Home" if position == 1 else crumb.title,
                "item": crumb.get_full_url(request),
            }
            for position, crumb in enumerate(trail, start=1)
        ],
    }


def person(request, described):
    """A schema.org Person from what ``GuidePage.byline`` says of someone."""
    data = {
        "@type": "Person",
        "name": described["name"],
        "url": absolute_url(request, described["url"]),
    }
    if described.get("role"):
        data["jobTitle"] = described["role"]
    if described.get("same_as"):
        data["sameAs"] = described["same_as"]
    return data


def profile_page(request, person_record, links, photo_url=None):
    """``/authors/<slug>/``: a ProfilePage about the person."""
    described = {
        "name": person_record.name,
        "role": person_record.role,
        "url": person_record.get_absolute_url(),
        "same_as": [link.url for link in links],
    }
    about = person(request, described)
    if person_record.bio:
        about["description"] = person_record.bio
    if photo_url:
        about["image"] = absolute_url(request, photo_url)
    return {"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": about}


def article(request, page, sharing, image_url, byline=None):
    publisher = {"@type": "Organization", "name": sharing.organisation_name}
    byline = byline or {}
    authors = [person(request, described) for described in byline.get("authors", [])]
    web_page = {"@type": "WebPage", "@id": page.get_full_url(request)}
    if byline.get("reviewer"):
        web_page["reviewedBy"] = person(request, byline["reviewer"])
    if getattr(page, "last_reviewed", None):
        web_page["lastReviewed"] = page.last_reviewed.isoformat()
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": page.seo_title or page.title,
        "description": page.meta_description,
        "mainEntityOfPage": web_page,
        "author": authors or {"@type": "Organization", "name": sharing.default_author},
        "publisher": publisher,
    }
    if page.first_published_at:
        data["datePublished"] = page.first_published_at.isoformat()
    modified = page.last_published_at or page.latest_revision_created_at
    if modified:
        data["dateModified"] = modified.isoformat()
    if getattr(page, "reading_minutes", None):
        data["timeRequired"] = f"PT{page.reading_minutes}M"
    if image_url:
        data["image"] = [image_url]
    return data
