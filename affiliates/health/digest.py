"""The weekly link health e-mail: broken and redirected links nobody has acknowledged, sent
to the people who may change links (``manage.py send_link_health_digest``, run weekly by
a timer).

Who gets it: every active user with an e-mail address who may change affiliate links
(``affiliates.permissions``) and has not turned it off in their account settings
(``affiliates.health.account``). Nobody gets it when nothing needs attention, and nobody
gets it twice within ``RESEND_AFTER``, however often the command runs, unless forced.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.mail import send_mail
from wagtail.admin.utils import get_admin_base_url
from wagtail.models import Page, ReferenceIndex, Site

from affiliates.admin_display import snippet_url
from affiliates.links.models import AffiliateLink
from affiliates.permissions import can_manage_link_health

from .models import LinkHealth, LinkHealthDigestSubscription

logger = logging.getLogger(__name__)

Status = LinkHealth.Status

#: A second run within this time sends nothing to whoever already has the week's e-mail;
#: a day short of a week, so a timer that fires a little early still sends.
RESEND_AFTER = timedelta(days=6)

TEXT_TEMPLATE = "affiliates/health/link_health_digest_email.txt"
HTML_TEMPLATE = "affiliates/health/link_health_digest_email.html"

# Broken links first: they lose readers and referral fees now.
_BROKEN_FIRST = Case(
    When(status=Status.BROKEN, then=Value(0)), default=Value(1), output_field=IntegerField()
)


#: ``LinkHealth.needs_attention`` as a query: a warning nobody has acknowledged.
NEEDS_ATTENTION = Q(status__in=LinkHealth.WARNINGS) & ~Q(acknowledged_status=F("status"))


def warnings_needing_attention():
    """Broken, then redirected links whose warning nobody has acknowledged, by name."""
    return (
        LinkHealth.objects.filter(NEEDS_ATTENTION)
        .select_related("link__partner")
        .order_by(_BROKEN_FIRST, "link__name", "link_id")
    )


def admin_url(path):
    """``path`` (from ``reverse``) as an address that works from an e-mail."""
    base = get_admin_base_url()
    if not base:
        site = Site.objects.filter(is_default_site=True).first()
        base = site.root_url if site else ""
    return base.rstrip("/") + path


def attach_pages_using(healths):
    """Set ``used_on`` on each row: the sorted titles of the pages (and anything else)
    whose content uses its link. A query for the references, then one per kind of object.

    The report's ``attach_usage`` also links each page for the viewing user; an e-mail
    goes to several people, so it names them and leaves the links to the admin.
    """
    references = (
        ReferenceIndex.get_references_to_in_bulk([health.link for health in healths])
        .values_list("to_object_id", "base_content_type_id", "object_id")
        .distinct()
    )
    ids_by_type = defaultdict(set)
    users_by_link = defaultdict(set)
    for link_id, content_type_id, object_id in references:
        ids_by_type[content_type_id].add(object_id)
        users_by_link[link_id].add((content_type_id, object_id))

    titles = {}
    for content_type_id, object_ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:  # its app has been removed
            continue
        ids = [model._meta.pk.to_python(object_id) for object_id in object_ids]
        if issubclass(model, Page):
            pages = Page.objects.only("id", "title", "draft_title", "latest_revision_created_at")
            found = {pk: page.get_admin_display_title() for pk, page in pages.in_bulk(ids).items()}
        else:
            found = {pk: str(obj) for pk, obj in model._default_manager.in_bulk(ids).items()}
        for pk, title in found.items():
            titles[(content_type_id, str(pk))] = title
    for health in healths:
        keys = users_by_link[str(health.link_id)]
        health.used_on = sorted((titles[key] for key in keys if key in titles), key=str.casefold)
    return healths


@dataclass
class Digest:
    """What this week's e-mail says; the same for every recipient but the greeting."""

    warnings: list

    @property
    def broken(self):
        return sum(health.status == Status.BROKEN for health in self.warnings)

    @property
    def redirected(self):
        return len(self.warnings) - self.broken

    @property
    def summary(self):
        """E.g. 2 broken and 1 redirected affiliate links."""
        parts = [
            f"{count} {label}"
            for count, label in ((self.broken, "broken"), (self.redirected, "redirected"))
            if count
        ]
        noun = "affiliate link" if len(self.warnings) == 1 else "affiliate links"
        return f"{' and '.join(parts)} {noun}"

    @property
    def headline(self):
        verb = "needs" if len(self.warnings) == 1 else "need"
        return f"{self.summary} {verb} attention"

    @property
    def subject(self):
        return f"{settings.WAGTAIL_SITE_NAME}: {self.headline}"

    def context(self, person):
        return {
            "person": person.get_full_name() or person.get_username(),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "headline": self.headline,
            "warnings": self.warnings,
            "report_url": admin_url(reverse("affiliates_link_health_report")),
            # The account view opens the tab named in the fragment.
            "settings_url": admin_url(reverse("wagtailadmin_account")) + "#tab-notifications",
        }


def build_digest():
    """This week's digest, or None when no link needs attention."""
    warnings = list(warnings_needing_attention())
    if not warnings:
        return None
    attach_pages_using(warnings)
    for health in warnings:
        health.edit_url = admin_url(snippet_url(AffiliateLink, "edit", health.link_id))
    return Digest(warnings)


@dataclass
class DigestRun:
    """Who the run sent the e-mail to, and why it left the others out."""

    links: int = 0
    sent: list = field(default_factory=list)
    sent_recently: list = field(default_factory=list)
    opted_out: list = field(default_factory=list)
    no_email: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def wants_digest(person):
    try:
        return person.link_health_digest.wants_digest
    except LinkHealthDigestSubscription.DoesNotExist:
        return True  # the default, until they say otherwise


def people_who_may_change_links():
    people = get_user_model().objects.filter(is_active=True).select_related("link_health_digest")
    # Permissions come from groups, user permissions and superuser status: the one rule
    # in affiliates.permissions decides, rather than a query copying it.
    return [person for person in people.order_by("pk") if can_manage_link_health(person)]


def claim(person, now, resend_after):
    """Mark ``person`` as sent this week's e-mail, unless they were already sent one or
    turned it off meanwhile. A conditional update, so two runs at once send it once.
    Returns whether it did, and the previous ``last_sent_at`` to put back if sending fails.
    """
    subscription, _ = LinkHealthDigestSubscription.objects.get_or_create(user=person)
    due = Q(wants_digest=True)
    if resend_after is not None:
        due &= Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - resend_after)
    claimed = LinkHealthDigestSubscription.objects.filter(due, pk=subscription.pk).update(
        last_sent_at=now
    )
    return bool(claimed), subscription.last_sent_at


def send_digests(*, force=False):
    """Send this week's e-mail to everyone due one; returns a ``DigestRun``."""
    run = DigestRun()
    digest = build_digest()
    if digest is None:
        return run
    run.links = len(digest.warnings)
    now = timezone.now()
    resend_after = None if force else RESEND_AFTER
    for person in people_who_may_change_links():
        if not wants_digest(person):
            run.opted_out.append(person)
        elif not person.email:
            run.no_email.append(person)
        else:
            claimed, previous = claim(person, now, resend_after)
            if not claimed:
                run.sent_recently.append(person)
            elif send_digest(digest, person):
                run.sent.append(person)
            else:
                # Next run tries again.
                LinkHealthDigestSubscription.objects.filter(user=person, last_sent_at=now).update(
                    last_sent_at=previous
                )
                run.failed.append(person)
    return run


def send_digest(digest, person):
    context = digest.context(person)
    try:
        send_mail(
            digest.subject,
            render_to_string(TEXT_TEMPLATE, context),
            [person.email],
            html_message=render_to_string(HTML_TEMPLATE, context),
        )
    except Exception:
        # One refused address or a mail server hiccup must not stop the others' e-mail.
        logger.exception("Could not send the link health e-mail to user %s", person.pk)
        return False
    return True
