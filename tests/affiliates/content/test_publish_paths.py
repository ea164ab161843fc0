"""No way of publishing puts a page with affiliate links live without a disclosure page.

The page editor's form is tested in test_disclosure.py; here are the other ways Wagtail
publishes: the dashboard's workflow actions, bulk publishing with descendants, scheduled
publishing, the admin API and ``revision.publish()`` in code.
"""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import TaskState, Workflow

from affiliates.content.publishing import DisclosureRequired
from guides.models import GuidePage, SectionPage
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    SectionPageFactory,
    affiliate_anchor,
)

pytestmark = pytest.mark.django_db

REASON = "was not published: it contains affiliate links, and the site has no published referral"


@pytest.fixture
def link():
    return AffiliateLinkFactory(slug="mock-interview")


def with_link(link):
    return {"intro": f"<p>Try {affiliate_anchor(link)}.</p>"}


def live(page):
    return GuidePage.objects.get(pk=page.pk).live


def messages_on(response):
    return [str(message) for message in response.context["messages"]]


# The dashboard's "Awaiting your review" panel: Approve (a plain POST with ``next``) and
# Approve with comment (the modal, posted by script).


def submitted_for_review(guide):
    workflow = Workflow.objects.get(active=True, name="Moderators approval")
    workflow.start(guide, user=None)
    return guide.current_workflow_task_state


def workflow_action_url(guide, task_state):
    return reverse("wagtailadmin_pages:workflow_action", args=(guide.pk, "approve", task_state.pk))


def test_approving_from_the_dashboard_does_not_publish_and_says_why(editor, section, link):
    guide = GuidePageFactory(
        parent=section, publish=False, title="Interview prep", **with_link(link)
    )
    guide.save_revision()
    task_state = submitted_for_review(guide)

    response = editor.post(workflow_action_url(guide, task_state), {"next": "/admin/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/"
    assert any("“Interview prep” " + REASON in message for message in messages_on(response))
    assert not live(guide)
    # Nothing was approved: the page is still waiting in the reviewers' panel.
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_IN_PROGRESS
    assert "Interview prep" in response.content.decode()


def test_approving_with_a_comment_in_the_modal_does_not_publish_and_says_why(editor, section, link):
    guide = GuidePageFactory(
        parent=section, publish=False, title="Interview prep", **with_link(link)
    )
    guide.save_revision()
    task_state = submitted_for_review(guide)

    response = editor.post(
        workflow_action_url(guide, task_state),
        {"comment": "Looks good", "next": "/admin/"},
        headers={"x-requested-with": "XMLHttpRequest"},
    )

    answer = json.loads(response.content)
    assert answer == {"step": "success", "redirect": "/admin/"}
    dashboard = editor.get(answer["redirect"])
    assert any("“Interview prep” " + REASON in message for message in messages_on(dashboard))
    assert not live(guide)
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_IN_PROGRESS


def test_approving_from_the_dashboard_publishes_once_a_disclosure_page_is_set(
    editor, section, disclosure_page, link
):
    guide = GuidePageFactory(parent=section, publish=False, **with_link(link))
    guide.save_revision()
    task_state = submitted_for_review(guide)

    editor.post(workflow_action_url(guide, task_state), {"next": "/admin/"})

    assert live(guide)


# Bulk publishing from a page listing.


def test_bulk_publishing_a_section_with_its_descendants_names_the_draft_that_stops_it(
    editor, home, link
):
    section = SectionPageFactory(parent=home, publish=False, title="Interviews")
    draft = GuidePageFactory(
        parent=section, publish=False, title="Mock interviews", **with_link(link)
    )
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
        + f"?id={section.pk}&next=/admin/"
    )

    response = editor.post(url, {"include_descendants": "on"}, follow=True)

    assert "“Mock interviews”" in " ".join(messages_on(response))
    assert not live(draft)
    assert not SectionPage.objects.get(pk=section.pk).live


# Scheduled publishing (the cron line runs ``manage.py publish_scheduled``).


def scheduled(guide, go_live_at):
    guide.go_live_at = go_live_at
    guide.save_revision().publish()
    guide.refresh_from_db()
    assert guide.scheduled_revision is not None
    return guide


def publish_scheduled():
    out, err = io.StringIO(), io.StringIO()
    call_command("publish_scheduled", stdout=out, stderr=err)
    return err.getvalue()


def test_a_scheduled_page_stays_scheduled_and_is_named_with_the_reason(
    section, disclosure_page, link
):
    go_live = timezone.now() + datetime.timedelta(days=1)
    guide = scheduled(
        GuidePageFactory(parent=section, publish=False, title="Interview prep", **with_link(link)),
        go_live,
    )
    other = scheduled(GuidePageFactory(parent=section, publish=False, title="CV tips"), go_live)
    disclosure_page.unpublish()

    with freeze_time(go_live + datetime.timedelta(minutes=5)):
        report = publish_scheduled()

    assert "Not published, still scheduled: “Interview prep” " + REASON in report
    assert f"(page {guide.pk}," in report
    assert not live(guide)
    assert GuidePage.objects.get(pk=guide.pk).scheduled_revision is not None
    # The rest of the run went ahead.
    assert live(other)


def test_a_held_back_page_goes_live_on_the_first_run_after_a_disclosure_page_is_set(
    section, disclosure_page, link
):
    go_live = timezone.now() + datetime.timedelta(days=1)
    guide = scheduled(GuidePageFactory(parent=section, publish=False, **with_link(link)), go_live)
    disclosure_page.unpublish()
    with freeze_time(go_live + datetime.timedelta(minutes=5)):
        publish_scheduled()

    disclosure_page.save_revision().publish()
    with freeze_time(go_live + datetime.timedelta(minutes=10)):
        report = publish_scheduled()

    assert report == ""
    assert live(guide)


def test_a_dry_run_names_the_page_that_would_stay_scheduled(section, disclosure_page, link):
    go_live = timezone.now() + datetime.timedelta(days=1)
    guide = scheduled(
        GuidePageFactory(parent=section, publish=False, title="Interview prep", **with_link(link)),
        go_live,
    )
    disclosure_page.unpublish()
    out = io.StringIO()

    with freeze_time(go_live + datetime.timedelta(minutes=5)):
        call_command("publish_scheduled", "--dryrun", stdout=out)

    assert "Would stay scheduled, with affiliate links and no disclosure page: Interview prep" in (
        out.getvalue()
    )
    assert not live(guide)


# Code, and Wagtail's admin API.


def test_publishing_a_revision_in_code_raises_with_the_reason(section, link):
    guide = GuidePageFactory(
        parent=section, publish=False, title="Interview prep", **with_link(link)
    )

    with pytest.raises(DisclosureRequired) as refusal:
        guide.save_revision().publish()

    assert str(refusal.value).startswith("“Interview prep” " + REASON)
    assert not live(guide)


def test_a_live_page_keeps_its_published_content_when_a_new_revision_is_refused(
    client, section, disclosure_page, link
):
    guide = GuidePageFactory(parent=section, title="Interview prep")
    disclosure_page.unpublish()
    guide.intro = with_link(link)["intro"]

    with pytest.raises(DisclosureRequired):
        guide.save_revision().publish()

    assert live(guide)
    assert "/go/mock-interview/" not in client.get(guide.url).content.decode()


def test_a_live_page_with_links_can_still_be_saved_as_a_draft_without_a_disclosure_page(
    section, disclosure_page, link
):
    guide = GuidePageFactory(parent=section, **with_link(link))
    disclosure_page.unpublish()
    guide.intro = "<p>Rewritten.</p>"

    guide.save_revision()
    guide.save()  # moving or renaming saves the page itself

    assert live(guide)


def test_the_admin_api_refuses_to_publish_with_the_reason(editor, section, link):
    guide = GuidePageFactory(
        parent=section, publish=False, title="Interview prep", **with_link(link)
    )
    guide.save_revision()

    response = editor.post(
        reverse("wagtailadmin_api:pages:action", args=[guide.pk, "publish"]),
        content_type="application/json",
        data={},
    )

    assert response.status_code == 400
    assert "“Interview prep” " + REASON in response.content.decode()
    assert not live(guide)


def test_creating_a_live_page_in_code_is_publishing_it(section, link):
    with pytest.raises(DisclosureRequired):
        section.add_child(instance=GuidePage(title="Interview prep", **with_link(link)))

    assert not GuidePage.objects.filter(title="Interview prep").exists()


def test_copying_a_page_with_publish_copies_is_refused_with_the_reason(
    editor, section, disclosure_page, link
):
    guide = GuidePageFactory(parent=section, title="Interview prep", **with_link(link))
    disclosure_page.unpublish()

    response = editor.post(
        reverse("wagtailadmin_pages:copy", args=[guide.pk]),
        {
            "new_title": "Interview prep again",
            "new_slug": "interview-prep-again",
            "new_parent_page": section.pk,
            "publish_copies": "on",
        },
        follow=True,
    )

    assert any("“Interview prep again” " + REASON in message for message in messages_on(response))
    assert not GuidePage.objects.filter(slug="interview-prep-again").exists()
