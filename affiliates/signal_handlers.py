"""Receivers for the affiliates app, connected in ``AffiliatesConfig.ready``.

They sit above every sub-package because a change in one concern has to reach
another: a link saved in ``links`` is forgotten by the link cache in ``clicks``; a
page or link deleted takes its clicks out of the roll-ups. The sub-packages
themselves never import upward (``affiliates/__init__.py``).
"""

from wagtail.log_actions import log

from .clicks.link_cache import forget_links
from .clicks.rollup import forget_link, forget_page, link_days
from .content.publishing import check_disclosure, going_live
from .links.models import DESTINATION_CHANGED


def refuse_undisclosed_publishing(sender, instance, raw=False, **kwargs):
    """The disclosure rule at the step every publish ends in (see
    ``affiliates.content.publishing``)."""
    if raw:
        return  # loading fixtures puts stored pages back as they were
    if going_live(instance):
        check_disclosure(instance)


# Links and partners: the cached redirects carry them.


def forget_cached_redirect(sender, instance, **kwargs):
    """Drop the cached redirect for a link that changed, under its new and old slugs.

    Queryset ``update()`` sends no signal; change links through ``save()``.
    """
    forget_links({instance.slug, getattr(instance, "_stored_slug", None)} - {None})
    instance._stored_slug = instance.slug


def forget_partner_links(sender, instance, created, **kwargs):
    """Cached redirects carry the partner's rules; drop its links' ones."""
    if not created:
        forget_links(set(instance.links.values_list("slug", flat=True)))


def remember_partner_links(sender, instance, **kwargs):
    # Deleting the partner sets its links' partner to NULL by UPDATE, which sends no
    # signal for the links: remember them now and forget their cached rules after.
    instance._link_slugs = set(instance.links.values_list("slug", flat=True))


def forget_deleted_partner_links(sender, instance, **kwargs):
    forget_links(getattr(instance, "_link_slugs", set()))


def log_destination_change(sender, instance, created, **kwargs):
    """Write a change of destination to the link's history: who, when, from what to what.

    The user is whoever the admin's log context names (the editor, or the importer);
    a command or shell leaves it blank.
    """
    before = getattr(instance, "_stored_destination", None)
    instance._stored_destination = instance.destination_url
    if not created and before is not None and before != instance.destination_url:
        log(
            instance,
            DESTINATION_CHANGED,
            data={"from": before, "to": instance.destination_url},
        )


# Deleted pages and links: the roll-ups keep totals that must agree with raw clicks.


def credit_deleted_page_clicks_to_no_page(sender, instance, **kwargs):
    """A deleted page's clicks now have no page (``Click.page`` is SET_NULL); so do its
    daily totals, so reports and ``rebuild_click_rollup`` agree. (Sent for the
    ``Page`` row of every page type.)"""
    forget_page(instance.pk)


def remember_link_click_days(sender, instance, **kwargs):
    instance._click_days = link_days(instance.pk)


def take_deleted_link_out_of_day_totals(sender, instance, **kwargs):
    """Its daily rows went with it (CASCADE); the per-day totals are recounted without it."""
    forget_link(*getattr(instance, "_click_days", (None, None)))
