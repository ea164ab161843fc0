"""An editor drafts, previews, publishes and schedules a guide in the Wagtail admin."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from guides.models import GuidePage

pytestmark = pytest.mark.django_db


def guide_form(title="Negotiate Your Salary", **extra):
    return nested_form_data(
        {
            "title": title,
            "slug": "negotiate-your-salary",
            "intro": rich_text("Money matters."),
            "closing": rich_text("Ask with confidence."),
            "body": streamfield(
                [
                    (
                        "question_section",
                        {
                            "question": "When should I bring up pay?",
                            "anchor": "",
                            "points": streamfield(
                                [("item", rich_text("Once they make an offer."))]
                            ),
                            "answer": rich_text(""),
                        },
                    )
                ]
            ),
            "related_guides": inline_formset([]),
            "authors": inline_formset([]),
            **extra,
        }
    )


def add_url(section):
    return reverse("wagtailadmin_pages:add", args=("guides", "guidepage", section.pk))


def test_saving_a_draft_keeps_the_guide_off_the_site(editor, client, section):
    response = editor.post(add_url(section), guide_form())

    assert response.status_code == 302
    guide = GuidePage.objects.get(slug="negotiate-your-salary")
    assert not guide.live
    assert guide.has_unpublished_changes
    client.logout()
    assert client.get("/preparing-for-a-job-interview/negotiate-your-salary/").status_code == 404


def test_previewing_shows_the_unsaved_guide_as_readers_would_see_it(editor, section):
    preview_url = reverse(
        "wagtailadmin_pages:preview_on_add", args=("guides", "guidepage", section.pk)
    )

    posted = editor.post(preview_url, guide_form(title="Preview Me"))
    shown = editor.get(preview_url)

    assert posted.json()["is_valid"] is True
    assert shown.status_code == 200
    content = shown.content.decode()
    assert "<h1>Preview Me</h1>" in content
    assert "When should I bring up pay?" in content


def test_publishing_puts_the_guide_on_the_site(editor, client, section):
    editor.post(add_url(section), guide_form(**{"action-publish": "publish"}))

    guide = GuidePage.objects.get(slug="negotiate-your-salary")
    assert guide.live
    client.logout()
    response = client.get(guide.url)
    assert response.status_code == 200
    assert "Once they make an offer." in response.content.decode()


def test_a_scheduled_guide_goes_live_at_the_chosen_time(editor, client, section):
    go_live = timezone.localtime() + datetime.timedelta(days=2)
    editor.post(
        add_url(section),
        guide_form(
            **{"action-publish": "publish", "go_live_at": go_live.strftime("%Y-%m-%d %H:%M")}
        ),
    )

    guide = GuidePage.objects.get(slug="negotiate-your-salary")
    assert not guide.live
    assert guide.scheduled_revision is not None

    with freeze_time(go_live + datetime.timedelta(minutes=5)):
        call_command("publish_scheduled", stdout=open("/dev/null", "w"))  # noqa: SIM115

    guide.refresh_from_db()
    assert guide.live
