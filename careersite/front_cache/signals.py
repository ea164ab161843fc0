"""What to purge besides the page itself.

``wagtail.contrib.frontend_cache`` purges a page's own URL when it is published or
unpublished (deleting a live page unpublishes it first). Other cached pages show
it too, and a move changes URLs, so here we also purge:

- on publish and unpublish: the page's ancestors (the section listing it, the home
  page featuring it), its siblings (their "related" and previous/next links), the
  site's guide feed and sitemap;
- on move: the old and new URLs of the page and everything under it, and the
  pages around it (as above) at both places;
- on a slug change: the old URLs of the page and everything under it;
- when a page's privacy changes (a view restriction is added, changed, removed, or
  its groups change): the page and everything under it, which readers may no longer
  see, and the pages around it (as above), whose menus and listings change. This
  waits for the change to be committed, or a reader could re-cache the public page
  in between.

Snippets and site settings shown on every page purge nothing: the front cache
keeps pages for at most five minutes (deploy/varnish/default.vcl) for those.
"""

import threading

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import (
    page_published,
    page_slug_changed,
    page_unpublished,
    post_page_move,
    pre_page_move,
)

SITE_PATHS = ("feeds/guides/", "sitemap.xml", "sitemap-pages.xml")

_urls_before_move = threading.local()


def enabled():
    return bool(getattr(settings, "WAGTAILFRONTENDCACHE", None))


def _live_pages(queryset):
    return queryset.live().public().specific(defer=True)


def _add_neighbourhood(batch, page):
    """The pages that list or link to ``page``: ancestors and siblings, plus site feeds."""
    batch.add_pages(_live_pages(page.get_ancestors().filter(depth__gt=1)))
    batch.add_pages(_live_pages(page.get_siblings(inclusive=False)))
    site = page.get_site()
    if site is not None:
        batch.add_urls(f"{site.root_url}/{path}" for path in SITE_PATHS)


def _urls_around(page):
    """URLs of ``page`` and everything under it, and of the pages around it."""
    batch = PurgeBatch()
    batch.add_pages(_live_pages(Page.objects.descendant_of(page, inclusive=True)))
    _add_neighbourhood(batch, page)
    return batch.urls


def purge_neighbourhood(sender, instance, **kwargs):
    if not enabled():
        return
    batch = PurgeBatch()
    _add_neighbourhood(batch, instance)
    batch.purge()


def remember_urls_before_move(sender, instance, **kwargs):
    _urls_before_move.urls = _urls_around(instance) if enabled() else set()


def purge_after_move(sender, instance, **kwargs):
    urls_before = getattr(_urls_before_move, "urls", set())
    _urls_before_move.urls = set()
    if not enabled():
        return
    batch = PurgeBatch(urls_before)
    batch.add_urls(_urls_around(instance))
    batch.purge()


def purge_old_urls_after_slug_change(sender, instance, instance_before, **kwargs):
    if not enabled():
        return
    new_root, old_root = instance.get_full_url(), instance_before.get_full_url()
    if not (new_root and old_root):
        return
    batch = PurgeBatch()
    batch.add_pages(_live_pages(Page.objects.descendant_of(instance, inclusive=True)))
    batch.urls = {old_root + url[len(new_root) :] for url in batch.urls if url.startswith(new_root)}
    batch.purge()


def purge_after_privacy_change(sender, instance, **kwargs):
    # Groups changed from the group's side name no restriction here; they change
    # nothing anonymous readers see either way.
    if not enabled() or kwargs.get("reverse") or kwargs.get("action", "").startswith("pre_"):
        return
    page_id = instance.page_id

    def purge():
        # Gone when the restriction went with its page, which purged itself.
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            return
        batch = PurgeBatch()
        # Live pages whether or not they are public now: readers may have them cached.
        batch.add_pages(
            Page.objects.descendant_of(page, inclusive=True).live().specific(defer=True)
        )
        _add_neighbourhood(batch, page)
        batch.purge()

    transaction.on_commit(purge)


def connect():
    page_published.connect(purge_neighbourhood, dispatch_uid="front_cache_published")
    page_unpublished.connect(purge_neighbourhood, dispatch_uid="front_cache_unpublished")
    pre_page_move.connect(remember_urls_before_move, dispatch_uid="front_cache_pre_move")
    post_page_move.connect(purge_after_move, dispatch_uid="front_cache_post_move")
    page_slug_changed.connect(purge_old_urls_after_slug_change, dispatch_uid="front_cache_slug")
    post_save.connect(
        purge_after_privacy_change, sender=PageViewRestriction, dispatch_uid="front_cache_privacy"
    )
    post_delete.connect(
        purge_after_privacy_change,
        sender=PageViewRestriction,
        dispatch_uid="front_cache_privacy_removed",
    )
    m2m_changed.connect(
        purge_after_privacy_change,
        sender=PageViewRestriction.groups.through,
        dispatch_uid="front_cache_privacy_groups",
    )
