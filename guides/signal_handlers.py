"""Keeping the page cache true when pages change, retiring as little as possible.

Publishing or unpublishing a guide retires only the cached pages that show it
(``pages_showing``); anything that can change what every page shows (menus, footers,
privacy, moves, settings and snippets) retires them all. ``guides.apps`` connects these.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from wagtail.models import Page, ReferenceIndex

from .models import GuideAuthor, GuidePage, Person
from .page_cache import invalidate_pages, invalidate_paths

#: Addresses that list guides, besides the pages above them in the tree.
SITE_PATHS = (
    "/feeds/guides/",
    "/sitemap.xml",
    "/sitemap-pages.xml",
    "/sitemap-authors.xml",
    "/search/",
)
#: A guide's page shows this many of its section's newest guides when its editor has
#: chosen none (``GuidePage.get_context``); one more, so the guide itself is counted.
NEWEST_SHOWN = 3 + 1
#: The depth of sections: the menu lists them, the home page (depth 2) lists them, and
#: footers show pages at this depth.
SECTION_DEPTH = 3


def _path(page):
    parts = page.get_url_parts()
    return parts[2] if parts else None


def _referring_pages(page):
    """Live pages whose content links to ``page``, as Wagtail's reference index knows."""
    page_type = ContentType.objects.get_for_model(Page)
    ids = ReferenceIndex.get_references_to(page).filter(base_content_type=page_type)
    return Page.objects.filter(
        pk__in=[int(pk) for pk in ids.values_list("object_id", flat=True).distinct()]
    ).live()


def _section_neighbours(page):
    """The guides in ``page``'s section whose pages show it: the one before and after it,
    and, if it is among the newest, every guide (they list the newest by default)."""
    guides = list(
        # The page itself even when it has just been unpublished: its neighbours change.
        GuidePage.objects.sibling_of(page, inclusive=True)
        .filter(Q(live=True) | Q(pk=page.pk))
        .order_by("path")
        .only("path", "url_path", "depth", "first_published_at")
    )
    newest = sorted(
        guides,
        key=lambda guide: guide.first_published_at.timestamp() if guide.first_published_at else 0,
        reverse=True,
    )[:NEWEST_SHOWN]
    if any(guide.pk == page.pk for guide in newest):
        return [guide for guide in guides if guide.pk != page.pk]
    position = next(i for i, guide in enumerate(guides) if guide.pk == page.pk)
    return guides[max(0, position - 1) : position] + guides[position + 1 : position + 2]


def pages_showing(page):
    """The URL paths of every page that shows ``page``, or None when that could be any
    page (the home page, a section, a page the footer links to)."""
    page = page.specific_deferred if hasattr(page, "specific_deferred") else page
    own = _path(page)
    if page.depth <= SECTION_DEPTH or own is None or not isinstance(page, GuidePage):
        return None
    related = [
        *page.get_ancestors().filter(depth__gt=1),
        *_section_neighbours(page),
        *_referring_pages(page),
    ]
    # The pages of the people it names, and of those it named before this change.
    people = page.people() | getattr(page, "_people_before", set())
    paths = {own, *SITE_PATHS, *person_paths(people)}
    for other in related:
        path = _path(other)
        if path is not None:
            paths.add(path)
            if other.depth == SECTION_DEPTH:
                paths.add(f"{path}feed/")
    return paths


def person_paths(ids):
    """The addresses of these people's pages, which list their guides."""
    slugs = Person.objects.filter(pk__in=ids).values_list("slug", flat=True)
    return {reverse("person", kwargs={"slug": slug}) for slug in slugs}


def remember_people(sender, instance, **kwargs):
    """``pre_save`` of a guide: who it names before the change, so that their pages
    stop listing it if it no longer names them."""
    if instance.pk:
        ids = set(
            GuideAuthor.objects.filter(page_id=instance.pk).values_list("person_id", flat=True)
        )
        reviewer = GuidePage.objects.filter(pk=instance.pk).values_list("reviewer_id", flat=True)
        instance._people_before = ids | {pk for pk in reviewer if pk}


def refresh_pages_showing(sender, instance, **kwargs):
    """``page_published`` / ``page_unpublished``: retire the pages that show the page."""
    paths = pages_showing(instance)
    if paths is None:
        invalidate_pages()
    else:
        invalidate_paths(paths)
