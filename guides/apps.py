from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = "Guides"

    def ready(self):
        # Imported in ready(): Django imports apps.py while apps are still loading.
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
        from wagtail.signals import (
            page_published,
            page_slug_changed,
            page_unpublished,
            post_page_move,
        )

        from .page_cache import invalidate_on_change, invalidate_pages
        from .signal_handlers import refresh_pages_showing, remember_people

        pre_save.connect(
            remember_people, sender="guides.GuidePage", dispatch_uid="page-cache-people"
        )
        # A guide published or unpublished: only the pages that show it.
        for signal in (page_published, page_unpublished):
            signal.connect(refresh_pages_showing, dispatch_uid=f"page-cache-{id(signal)}")
        # A page's address changed: its old one, those below it and every link to them.
        for signal in (post_page_move, page_slug_changed):
            signal.connect(invalidate_pages, dispatch_uid=f"page-cache-{id(signal)}")
        # What pages show besides their own content: links, partners, settings, images,
        # and other pages (a deleted page vanishes from menus and listings).
        shown_on_pages = [
            "affiliates.AffiliateLink",
            "affiliates.Partner",
            "affiliates.DisclosureSettings",
            "guides.SearchAndSharingSettings",
            # Bylines name people, and their pages list guides.
            "guides.Person",
            "wagtailcore.Page",
            "wagtailimages.Image",
        ]
        # Making a page private, public again, or private to other groups is a publish:
        # the page, and every menu and listing that shows it, change for readers.
        restriction = self.apps.get_model("wagtailcore.PageViewRestriction")
        post_save.connect(invalidate_pages, sender=restriction, dispatch_uid="page-cache-privacy")
        post_delete.connect(
            invalidate_pages, sender=restriction, dispatch_uid="page-cache-privacy-del"
        )
        m2m_changed.connect(
            invalidate_pages,
            sender=restriction.groups.through,
            dispatch_uid="page-cache-privacy-groups",
        )
        post_save.connect(
            invalidate_pages, sender="wagtailcore.Site", dispatch_uid="page-cache-site"
        )
        post_delete.connect(
            invalidate_pages, sender="wagtailcore.Site", dispatch_uid="page-cache-site-del"
        )
        for label in shown_on_pages:
            model = self.apps.get_model(label)
            post_delete.connect(
                invalidate_pages, sender=model, dispatch_uid=f"page-cache-del-{label}"
            )
            if label != "wagtailcore.Page":
                post_save.connect(
                    invalidate_on_change, sender=model, dispatch_uid=f"page-cache-{label}"
                )
