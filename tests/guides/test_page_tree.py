"""Editors can only build a sensible tree: Home › sections › guides."""

import pytest
from wagtail.blocks import StructBlockValidationError
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from affiliates.models import DisclosurePage
from guides.blocks import QuestionSectionBlock
from guides.models import GuidePage, HomePage, SectionPage, StandardPage
from tests.factories import GuidePageFactory, HomePageFactory, SectionPageFactory, UserFactory


class TestPageTreeRules(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePageFactory(parent=Page.get_first_root_node(), slug="home-tree")
        cls.section = SectionPageFactory(parent=cls.home)

    def setUp(self):
        # force_login: the brute-force guard insists on a real request for password logins.
        self.client.force_login(UserFactory(is_superuser=True, is_staff=True))

    def test_sections_live_under_home_or_another_section(self):
        self.assertAllowedParentPageTypes(SectionPage, {HomePage, SectionPage})
        self.assertCanCreateAt(HomePage, SectionPage)
        self.assertCanCreateAt(SectionPage, SectionPage)

    def test_guides_live_only_in_sections(self):
        self.assertAllowedParentPageTypes(GuidePage, {SectionPage})
        self.assertCanNotCreateAt(HomePage, GuidePage)
        self.assertCanNotCreateAt(GuidePage, GuidePage)
        self.assertAllowedSubpageTypes(GuidePage, set())

    def test_home_holds_sections_footer_pages_and_the_disclosure(self):
        self.assertAllowedSubpageTypes(HomePage, {SectionPage, StandardPage, DisclosurePage})
        self.assertCanNotCreateAt(SectionPage, StandardPage)

    def test_there_is_only_ever_one_home_page(self):
        assert not HomePage.can_create_at(Page.get_first_root_node())

    def test_an_editor_can_create_a_guide_with_every_block_type(self):
        self.assertCanCreate(
            self.section,
            GuidePage,
            nested_form_data(
                {
                    "title": "Negotiate Your Salary",
                    "slug": "negotiate-your-salary",
                    "intro": rich_text("Money matters."),
                    "closing": rich_text("Ask with confidence."),
                    "body": streamfield(
                        [
                            ("paragraph", {"text": rich_text("Know your market rate.")}),
                            (
                                "question_section",
                                {
                                    "question": "When should I bring up pay?",
                                    "anchor": "",
                                    "points": streamfield([("item", rich_text("After an offer."))]),
                                    "answer": rich_text(""),
                                },
                            ),
                            ("tip", {"title": "Tip", "text": rich_text("Write your number down.")}),
                            ("quote", {"quote": "Ask for what you are worth.", "attribution": ""}),
                            ("table_of_contents", {}),
                        ]
                    ),
                    "related_guides": inline_formset([]),
                    "authors": inline_formset([]),
                }
            ),
        )
        guide = GuidePage.objects.get(slug="negotiate-your-salary")
        assert [block.block_type for block in guide.body] == [
            "paragraph",
            "question_section",
            "tip",
            "quote",
            "table_of_contents",
        ]


@pytest.mark.django_db
def test_a_question_section_without_any_answer_is_rejected(home, section):
    block = QuestionSectionBlock()
    value = block.to_python({"question": "Why?", "anchor": "", "points": [], "answer": ""})
    with pytest.raises(StructBlockValidationError) as raised:
        block.clean(value)
    assert "Answer the question" in str(raised.value.block_errors["answer"])


@pytest.mark.django_db
def test_readable_urls_follow_the_tree(home):
    section = SectionPageFactory(parent=home, title="Preparing for a Job Interview")
    guide = GuidePageFactory(parent=section, title="Follow Up Interview Tips")
    assert guide.url == "/preparing-for-a-job-interview/follow-up-interview-tips/"
