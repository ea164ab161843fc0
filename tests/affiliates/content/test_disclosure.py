"""Readers are told about referral fees before any affiliate link, and editors can't skip that."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import Site, Workflow
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from affiliates.models import DisclosureSettings
from guides.models import GuidePage
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    StandardPageFactory,
    UserFactory,
    affiliate_anchor,
    question,
)

pytestmark = pytest.mark.django_db

REFUSAL = "This page contains affiliate links, so it can’t be published"


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def link():
    return AffiliateLinkFactory(slug="mock-interview")


def call_to_action(link):
    return {
        "type": "affiliate_call_to_action",
        "value": {"link": link.pk, "heading": "Practise", "text": "", "button_label": "Book"},
    }


def rendered(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def notice_and_first_affiliate_link(soup):
    elements = soup.find_all(True)
    notices = [i for i, el in enumerate(elements) if "disclosure" in (el.get("class") or [])]
    links = [i for i, el in enumerate(elements) if el.name == "a" and "/go/" in el.get("href", "")]
    return notices, links


def set_policy(policy):
    settings = DisclosureSettings.for_site(Site.objects.get())
    settings.policy = policy
    settings.save()


@pytest.mark.parametrize(
    "content",
    [
        lambda link: {"intro": f"<p>Try {affiliate_anchor(link)}.</p>"},
        lambda link: {"body": [question("Who can help?", affiliate_anchor(link))]},
        lambda link: {"body": [call_to_action(link)]},
        lambda link: {"closing": f"<p>Then {affiliate_anchor(link)}.</p>"},
    ],
    ids=["in the intro", "in a question point", "in a call-to-action", "in the closing"],
)
def test_the_notice_comes_before_the_first_affiliate_link(
    client, section, disclosure_page, link, content
):
    guide = GuidePageFactory(parent=section, **content(link))

    soup = rendered(client, guide)

    notices, links = notice_and_first_affiliate_link(soup)
    assert len(notices) == 1
    assert links, "the page should carry the affiliate link"
    assert notices[0] < links[0]
    notice = soup.select_one(".disclosure")
    assert "Referral fees may be earned" in notice.get_text()
    assert notice.find("a")["href"] == disclosure_page.url


def test_a_guide_without_affiliate_links_has_no_notice(client, section, disclosure_page):
    guide = GuidePageFactory(parent=section, body=[question("Why?", "Because.")])

    soup = rendered(client, guide)

    assert soup.select(".disclosure") == []


def test_the_every_page_policy_shows_the_notice_on_pages_without_affiliate_links(
    client, home, section, disclosure_page
):
    guide = GuidePageFactory(parent=section)
    about = StandardPageFactory(parent=home, title="About us")
    set_policy(DisclosureSettings.Policy.EVERY_PAGE)

    for page in (home, section, guide, about, disclosure_page):
        assert len(rendered(client, page).select(".disclosure")) == 1, page.title
    search = BeautifulSoup(client.get("/search/?q=tips").content, "html.parser")
    assert len(search.select(".disclosure")) == 1


def test_switching_back_to_the_default_policy_hides_the_notice_again(
    client, section, disclosure_page
):
    guide = GuidePageFactory(parent=section)
    set_policy(DisclosureSettings.Policy.EVERY_PAGE)
    set_policy(DisclosureSettings.Policy.AFFILIATE_PAGES)

    assert rendered(client, guide).select(".disclosure") == []


# Publishing: a page with affiliate links needs a disclosure page to point the notice at.


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def guide_form(guide, intro="<p>Why this matters.</p>", body=(), **extra):
    return nested_form_data(
        {
            "title": guide.title,
            "slug": guide.slug,
            "intro": rich_text(intro, features=["bold", "italic", "link", "affiliate-link"]),
            "closing": rich_text(""),
            "body": streamfield(list(body)),
            "related_guides": inline_formset([]),
            "authors": inline_formset([]),
            **extra,
        }
    )


def publish(editor, guide, **form):
    return editor.post(edit_url(guide), {**guide_form(guide, **form), "action-publish": "1"})


def test_a_guide_with_an_affiliate_link_cannot_be_published_without_a_disclosure_page(
    editor, section, link
):
    guide = GuidePageFactory(parent=section, publish=False)

    response = publish(editor, guide, intro=f"<p>Try {affiliate_anchor(link)}.</p>")

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert "Settings › Referral disclosure" in response.content.decode()
    assert not GuidePage.objects.get(pk=guide.pk).live


def test_a_call_to_action_alone_also_needs_a_disclosure_page_to_publish(editor, section, link):
    guide = GuidePageFactory(parent=section, publish=False)
    box = ("affiliate_call_to_action", {**call_to_action(link)["value"], "link": str(link.pk)})

    response = publish(editor, guide, body=[box])

    assert REFUSAL in response.content.decode()
    assert not GuidePage.objects.get(pk=guide.pk).live


def test_an_unpublished_disclosure_page_does_not_count(editor, section, disclosure_page, link):
    disclosure_page.unpublish()
    guide = GuidePageFactory(parent=section, publish=False)

    response = publish(editor, guide, intro=f"<p>Try {affiliate_anchor(link)}.</p>")

    assert REFUSAL in response.content.decode()
    assert not GuidePage.objects.get(pk=guide.pk).live


def test_a_draft_with_an_affiliate_link_can_still_be_saved(editor, section, link):
    guide = GuidePageFactory(parent=section, publish=False)
    intro = f"<p>Try {affiliate_anchor(link)}.</p>"

    response = editor.post(edit_url(guide), guide_form(guide, intro=intro))

    assert response.status_code == 302
    saved = GuidePage.objects.get(pk=guide.pk)
    assert not saved.live
    assert f'linktype="affiliate" id="{link.pk}"' in saved.get_latest_revision_as_object().intro


def test_with_a_disclosure_page_the_guide_publishes(editor, client, section, disclosure_page, link):
    guide = GuidePageFactory(parent=section, publish=False)

    response = publish(editor, guide, intro=f"<p>Try {affiliate_anchor(link)}.</p>")

    assert response.status_code == 302
    published = GuidePage.objects.get(pk=guide.pk)
    assert published.live
    assert len(rendered(client, published).select(".disclosure")) == 1


def test_a_guide_without_affiliate_links_publishes_without_a_disclosure_page(editor, section):
    guide = GuidePageFactory(parent=section, publish=False)

    response = publish(editor, guide)

    assert response.status_code == 302
    assert GuidePage.objects.get(pk=guide.pk).live


def test_removing_the_last_affiliate_link_lets_a_guide_publish_again(editor, section, link):
    guide = GuidePageFactory(
        parent=section, publish=False, intro=f"<p>Try {affiliate_anchor(link)}.</p>"
    )

    response = publish(editor, guide, intro="<p>No links any more.</p>")

    assert response.status_code == 302
    assert GuidePage.objects.get(pk=guide.pk).live


def test_a_new_guide_with_an_affiliate_link_cannot_be_published_straight_away(
    editor, section, link
):
    add_url = reverse("wagtailadmin_pages:add", args=("guides", "guidepage", section.pk))
    new = GuidePage(title="Brand new", slug="brand-new")
    form = guide_form(new, intro=f"<p>Try {affiliate_anchor(link)}.</p>")

    response = editor.post(add_url, {**form, "action-publish": "1"})

    assert REFUSAL in response.content.decode()
    assert not GuidePage.objects.filter(slug="brand-new").exists()


def test_approving_the_last_moderation_step_counts_as_publishing(editor, section, link):
    assert Workflow.objects.filter(active=True).exists(), "Wagtail's default workflow"
    guide = GuidePageFactory(parent=section, publish=False)
    intro = f"<p>Try {affiliate_anchor(link)}.</p>"
    submitted = editor.post(
        edit_url(guide), {**guide_form(guide, intro=intro), "action-submit": "1"}
    )
    assert submitted.status_code == 302

    response = editor.post(
        edit_url(guide),
        {
            **guide_form(guide, intro=intro),
            "action-workflow-action": "1",
            "workflow-action-name": "approve",
        },
    )

    assert REFUSAL in response.content.decode()
    assert not GuidePage.objects.get(pk=guide.pk).live


def test_bulk_publishing_refuses_pages_that_need_a_disclosure_page(editor, section, link):
    guide = GuidePageFactory(
        parent=section, publish=False, intro=f"<p>Try {affiliate_anchor(link)}.</p>"
    )
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
        + f"?id={guide.pk}&next=/admin/"
    )

    response = editor.post(url, {"include_descendants": ""}, follow=True)

    assert "Nothing was published: the site has no published referral disclosure page" in (
        response.content.decode()
    )
    assert f"these pages contain affiliate links: “{guide.title}”" in response.content.decode()
    assert not GuidePage.objects.get(pk=guide.pk).live


def test_bulk_publishing_goes_ahead_once_a_disclosure_page_is_set(
    editor, section, disclosure_page, link
):
    guide = GuidePageFactory(
        parent=section, publish=False, intro=f"<p>Try {affiliate_anchor(link)}.</p>"
    )
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
        + f"?id={guide.pk}&next=/admin/"
    )

    editor.post(url, {"include_descendants": ""})

    assert GuidePage.objects.get(pk=guide.pk).live
