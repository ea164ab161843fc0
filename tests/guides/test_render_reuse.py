"""A guide rendered again reuses its rendered content, its neighbours and the page its
address led to, yet every change a reader could see still shows on the next render."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Site

from affiliates.models import DisclosureSettings, Partner
from guides.models import GuideAuthor, GuidePage, RelatedGuide, SearchAndSharingSettings
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    PartnerFactory,
    PersonFactory,
    SectionPageFactory,
    affiliate_anchor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uncached(settings):
    # Every request renders: what is reused is the fragments, not whole pages.
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def guides(section, disclosure_page):
    return [GuidePageFactory(parent=section, title=f"Guide {n}") for n in range(3)]


def html(client, page_or_url):
    url = getattr(page_or_url, "url", page_or_url)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()


def test_a_guide_rendered_again_costs_fewer_queries_than_its_first_render(client, guides):
    html(client, guides[0])  # per-process caches (content types)
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        html(client, guides[0])
    with CaptureQueriesContext(connection) as again:
        html(client, guides[0])

    assert len(again) < len(first)
    assert len(again) == 1  # the page's own row


def test_an_edited_and_published_guide_shows_its_new_content_and_sharing_tags_at_once(
    client, guides
):
    assert "Why this matters." in html(client, guides[1])

    guide = GuidePage.objects.get(pk=guides[1].pk)
    guide.intro = "<p>Rewritten introduction.</p>"
    guide.closing = "<p>A new closing thought.</p>"
    guide.seo_title = "Follow-up emails that get answers"
    guide.search_description = "What to write after an interview, and when."
    publish(guide)

    page = html(client, guide)
    assert "Rewritten introduction." in page
    assert "A new closing thought." in page
    assert "Why this matters." not in page
    assert '<meta property="og:title" content="Follow-up emails that get answers">' in page
    assert '<meta name="description" content="What to write after an interview, and when.">' in page


def test_content_changed_without_a_revision_still_shows(client, guides):
    # A data migration or a script may write a page's fields directly.
    html(client, guides[1])

    GuidePage.objects.filter(pk=guides[1].pk).update(intro="<p>Fixed by a script.</p>")

    assert "Fixed by a script." in html(client, guides[1])


def test_a_link_changed_in_the_admin_reaches_the_guide_that_carries_it(
    client, section, disclosure_page
):
    link = AffiliateLinkFactory(slug="cv-builder")
    guide = GuidePageFactory(parent=section, intro=f"<p>Try {affiliate_anchor(link)}.</p>")
    assert "/go/cv-builder/" in html(client, guide)

    link.partner.link_style = Partner.LinkStyle.DIRECT
    link.partner.save()

    page = html(client, guide)
    assert "/go/cv-builder/?" not in page
    assert link.destination_url in page


def test_a_new_neighbour_shows_in_previous_and_next_without_the_guide_being_edited(client, guides):
    last = guides[2]
    assert "Next guide" not in html(client, last)

    newer = GuidePageFactory(parent=last.get_parent(), title="Guide after the last")

    page = html(client, last)
    assert "Next guide" in page
    assert newer.title in page


def test_a_neighbour_renamed_shows_its_new_title(client, guides):
    assert "Guide 2" in html(client, guides[1])

    neighbour = GuidePage.objects.get(pk=guides[2].pk)
    neighbour.title = "Guide two, renamed"
    publish(neighbour)

    page = html(client, guides[1])
    assert "Guide two, renamed" in page


def test_an_address_given_to_another_guide_serves_that_guide(client, section, guides):
    old_url = guides[0].url
    assert "<h1>Guide 0</h1>" in html(client, old_url)

    moved = GuidePage.objects.get(pk=guides[0].pk)
    moved.slug = "guide-0-moved"
    publish(moved)
    GuidePageFactory(parent=section, title="Newcomer", slug=old_url.rstrip("/").split("/")[-1])

    page = html(client, old_url)
    assert "<h1>Newcomer</h1>" in page
    assert "<h1>Guide 0</h1>" in html(client, moved.url)


def test_an_unpublished_guide_is_gone_even_after_it_was_served(client, guides):
    url = guides[0].url
    html(client, url)

    GuidePage.objects.get(pk=guides[0].pk).unpublish()

    assert client.get(url).status_code == 404


def test_a_guide_taken_offline_without_any_signal_is_not_served_from_its_old_route(client, guides):
    # As when a script changes the row and no publish follows: the address it led to
    # last time is still checked to be live.
    html(client, guides[1])
    GuidePage.objects.filter(pk=guides[1].pk).update(live=False)

    assert client.get(guides[1].url).status_code == 404


def test_a_title_fixed_by_a_script_shows_in_the_heading_and_sharing_tags(client, guides):
    html(client, guides[1])

    GuidePage.objects.filter(pk=guides[1].pk).update(title="Guide one, retitled")

    page = html(client, guides[1])
    assert "<h1>Guide one, retitled</h1>" in page
    assert '<meta property="og:title" content="Guide one, retitled">' in page


def test_a_guide_hidden_from_search_engines_by_a_script_says_so_at_once(client, guides):
    assert 'name="robots"' not in html(client, guides[1])

    GuidePage.objects.filter(pk=guides[1].pk).update(noindex=True)

    assert '<meta name="robots" content="noindex">' in html(client, guides[1])


def test_a_new_disclosure_wording_reaches_every_guide_at_once(client, guides):
    for guide in guides:
        assert 'class="disclosure"' not in html(client, guide)  # no links, no notice

    disclosure = DisclosureSettings.for_site(Site.objects.get(is_default_site=True))
    disclosure.policy = DisclosureSettings.Policy.EVERY_PAGE
    disclosure.notice_text = "We may earn a fee from partners we link to"
    disclosure.save()

    for guide in guides:
        page = html(client, guide)
        assert "We may earn a fee from partners we link to" in page
        assert page.index('class="disclosure"') < page.index('class="guide__intro"')


def test_a_related_guide_from_another_section_renamed_shows_its_new_title(client, home, guides):
    elsewhere = GuidePageFactory(
        parent=SectionPageFactory(parent=home, title="Negotiating"), title="Ask for more"
    )
    guide = GuidePage.objects.get(pk=guides[0].pk)
    guide.related_guides = [RelatedGuide(guide=elsewhere)]
    publish(guide)
    assert "Ask for more" in html(client, guide)

    renamed = GuidePage.objects.get(pk=elsewhere.pk)
    renamed.title = "Ask for more, and get it"
    publish(renamed)

    related = html(client, guide).split('id="related-heading"')[1]
    assert "Ask for more, and get it" in related


def test_a_preview_shows_unsaved_content_and_related_guides(client, guides):
    html(client, guides[0])  # the live page's content and neighbours are now cached

    draft = GuidePage.objects.get(pk=guides[0].pk)
    draft.intro = "<p>Draft introduction.</p>"
    draft.related_guides = [RelatedGuide(guide=guides[2])]
    preview = draft.make_preview_request().content.decode()

    assert "Draft introduction." in preview
    related = preview.split('id="related-heading"')[1]
    assert "Guide 2" in related
    assert "Guide 1" not in related
    assert "Why this matters." in html(client, guides[0])


def test_a_direct_link_that_expires_while_the_content_is_cached_is_gone_once_it_expires(
    client, section, disclosure_page
):
    partner = PartnerFactory(link_style=Partner.LinkStyle.DIRECT)
    link = AffiliateLinkFactory(
        partner=partner,
        destination_url="https://shop.example/cards",
        expires_at=timezone.now() + timedelta(seconds=2),
    )
    guide = GuidePageFactory(parent=section, intro=f"<p>Try {affiliate_anchor(link)}.</p>")
    assert "https://shop.example/cards" in html(client, guide)

    # Nobody saves anything: the link's own expiry is what changes the page.
    time.sleep(2.5)

    assert "https://shop.example/cards" not in html(client, guide)


def test_an_intro_fixed_by_a_script_shows_in_the_description_search_engines_read(client, guides):
    GuidePage.objects.filter(pk=guides[1].pk).update(search_description="", summary="")
    assert "Why this matters." in html(client, guides[1])

    GuidePage.objects.filter(pk=guides[1].pk).update(intro="<p>Fixed by a script.</p>")

    assert '<meta name="description" content="Fixed by a script.">' in html(client, guides[1])


def test_a_change_to_the_sharing_settings_reaches_every_guides_meta(client, guides):
    for guide in guides:
        assert "twitter:site" not in html(client, guide)

    sharing = SearchAndSharingSettings.for_site(Site.objects.get(is_default_site=True))
    sharing.twitter_handle = "@careercompass"
    sharing.save()

    for guide in guides:
        assert '<meta name="twitter:site" content="@careercompass">' in html(client, guide)


def test_an_author_renamed_is_named_in_the_guides_structured_data(client, guides):
    person = PersonFactory(name="Sam Rivera")
    GuideAuthor.objects.create(page=guides[1], person=person)
    publish(GuidePage.objects.get(pk=guides[1].pk))
    assert '"name": "Sam Rivera"' in html(client, guides[1])

    person.name = "Sam Rivera-Lopez"
    person.save()

    page = html(client, guides[1])
    assert '"name": "Sam Rivera-Lopez"' in page
    assert '"name": "Sam Rivera"' not in page
    assert 'rel="author">Sam Rivera-Lopez</a>' in page  # the byline readers see
