"""RSS feeds of the newest guides, site-wide and per section.

The guide model is handed in rather than imported: sections serve their feed from
``guides.models``, which imports this module.
"""

import copy

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed
from wagtail.models import Site

from . import seo

FEED_LENGTH = 20


class LatestGuidesFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, guides, section=None):
        """``guides``: a queryset of guide pages; each request filters a fresh copy of it."""
        super().__init__()
        self.guides = guides
        self.section = section

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request (it is the URL's view), so per-request
        # state goes on a copy.
        feed = copy.copy(self)
        feed.request = request
        feed.site = Site.find_for_request(request)
        return Feed.__call__(feed, request, *args, **kwargs)

    def title(self):
        name = self.site.site_name if self.site else "Career Compass"
        return f"{self.section.title} | {name}" if self.section else f"Latest guides | {name}"

    # Full addresses from the Wagtail Site: left relative, Django would complete them
    # with the request's Host header, and feeds are cached for every reader.
    def link(self):
        page = self.section or (self.site.root_page if self.site else None)
        return page.get_full_url(self.request) if page else seo.absolute_url(self.request, "/")

    def feed_url(self):
        return seo.absolute_url(self.request, self.request.path)

    def description(self):
        if self.section:
            return self.section.summary or f"New guides in {self.section.title}."
        return "New career guides as they are published."

    def items(self):
        guides = self.guides.live().public().filter(noindex=False)
        if self.section:
            guides = guides.descendant_of(self.section)
        elif self.site:
            guides = guides.descendant_of(self.site.root_page)
        return guides.order_by("-first_published_at", "-pk").defer_streamfields()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.meta_description

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at
