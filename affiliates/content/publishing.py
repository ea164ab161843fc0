"""The disclosure rule: a page with affiliate links goes live only on a site whose referral
notice links to a live disclosure page.

Every way Wagtail puts a page live ends in the same step: ``PublishPageRevisionAction``
saving the page with the revision as its live revision. That covers Publish in the page
editor, approving the last step of a workflow (in the editor or from the dashboard), bulk
publishing from a page listing, ``manage.py publish_scheduled``, the admin API and
``revision.publish()`` in code; copying a page with "publish copies" and creating a page
live in code save it live too. Wagtail has no hook or signal before that step, so
``refuse_undisclosed_publishing`` (``affiliates.signal_handlers``, on ``pre_save`` of every
page type with affiliate content) holds the rule there: nothing can publish a failing page.

Where the admin can ask earlier, it does, so editors get the reason where they acted and
nothing has changed yet: the page form (``affiliates.content.forms``), the bulk action
(``affiliates.wagtail_hooks``) and ``publish_scheduled`` (which names each page it leaves
scheduled). Anything else in the admin that publishes, such as the dashboard's workflow
actions, is answered by ``DisclosureRequiredMiddleware``: the refusal rolls the action back
and the editor goes back with the reason as a message. Code gets ``DisclosureRequired``.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from wagtail.admin import messages
from wagtail.admin.modal_workflow import render_modal_workflow
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.models import Page, Site

from affiliates.admin_display import page_edit_url

from .models import DisclosureSettings

DISCLOSURE_REQUIRED_MESSAGE = (
    "This page contains affiliate links, so it can’t be published until the site has a "
    "published referral disclosure page. Choose one under Settings › Referral disclosure, "
    "then publish again. You can still save this page as a draft."
)
BULK_DISCLOSURE_REQUIRED_MESSAGE = (
    "Nothing was published: the site has no published referral disclosure page, and these "
    "pages contain affiliate links: {titles}. Choose a disclosure page under Settings › "
    "Referral disclosure, then publish again."
)
PAGE_DISCLOSURE_REQUIRED_MESSAGE = (
    "“{title}” was not published: it contains affiliate links, and the site has no "
    "published referral disclosure page. Choose one under Settings › Referral disclosure, "
    "then publish it again."
)


class DisclosureRequired(ValidationError):
    """Publishing ``page`` was refused: it has affiliate links and nowhere to disclose them.

    A ``ValidationError`` about the page as a whole, so Wagtail's callers that expect one
    treat it as a refusal, not a crash: the admin API answers 400 with the reason.
    """

    def __init__(self, page):
        self.page = page
        self.reason = PAGE_DISCLOSURE_REQUIRED_MESSAGE.format(title=page.title)
        super().__init__(
            {NON_FIELD_ERRORS: [ValidationError(self.reason, code="disclosure_page_required")]}
        )

    def __str__(self):
        return self.reason


def site_for(page, parent_page=None):
    """The site whose settings govern ``page`` (the default site if it sits outside every site)."""
    site = page.get_site() if page.pk else None
    if site is None and parent_page is not None:
        site = parent_page.get_site()
    return site or Site.objects.filter(is_default_site=True).first()


def has_disclosure_page(site):
    """Whether readers following the referral notice on ``site`` would reach a live page."""
    if site is None:
        return False
    page = DisclosureSettings.for_site(site).disclosure_page
    return page is not None and page.live


def publishing_blocked(page, site):
    """Whether ``page``, as it would be published, carries links the site can't disclose."""
    return bool(page.affiliate_links()) and not has_disclosure_page(site)


def check_disclosure(page):
    """Raise ``DisclosureRequired`` if ``page``, with this content, may not go live."""
    if hasattr(page, "affiliate_links") and publishing_blocked(page, site_for(page)):
        raise DisclosureRequired(page)


def latest_content_blocked(page):
    """Whether publishing ``page``'s latest revision (what bulk publishing does) is refused."""
    revision = page.get_latest_revision()
    content = revision.as_object() if revision else page.specific
    return hasattr(content, "affiliate_links") and publishing_blocked(content, site_for(page))


def pages_blocked_from_publishing(objects, *, include_descendants=False):
    """Titles of the pages among ``objects`` (and, if asked, their unpublished
    descendants) whose latest revision bulk publishing would have refused."""
    pages = [page for page in objects if isinstance(page, Page)]
    if include_descendants:
        pages += [descendant for page in pages for descendant in page.get_descendants().not_live()]
    return [page.title for page in pages if latest_content_blocked(page)]


def revision_blocked(revision):
    """Whether publishing ``revision`` (what ``publish_scheduled`` does) would be refused."""
    content = revision.as_object()
    return hasattr(content, "affiliate_links") and publishing_blocked(content, site_for(content))


def going_live(page):
    """Whether saving ``page`` now puts content live that wasn't: what publishing does.

    Publishing saves the page with ``live`` set and ``live_revision`` pointing at the
    revision; saving a draft, moving the page or changing a field keeps both as stored.
    A page created live (in code, or copied with "publish copies") is published too.
    """
    if page.pk is None:
        return page.live
    if not page.live or page.live_revision_id is None:
        return False
    stored = type(page).objects.filter(pk=page.pk).values_list("live", "live_revision_id")
    return stored.first() != (True, page.live_revision_id)


class DisclosureRequiredMiddleware:
    """Answers an admin action the disclosure rule refused with the reason, not an error page.

    Wagtail runs workflow actions and bulk actions in a transaction, so by the time the
    refusal arrives here they have changed nothing: the page is still awaiting review. (A
    copy is refused before the refused page is created; pages copied before it stay.) The
    editor goes back where they came from (``next``, as the dashboard sends it), or to the
    page, or to the dashboard.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DisclosureRequired):
            return None
        messages.error(request, exception.reason)
        back = get_valid_next_url_from_request(request) or (
            page_edit_url(exception.page.pk) if exception.page.pk else reverse("wagtailadmin_home")
        )
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            # The workflow modal follows a "success" step's redirect, where the message shows.
            return render_modal_workflow(
                request, None, json_data={"step": "success", "redirect": back}
            )
        return redirect(back)
