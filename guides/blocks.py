"""StreamField blocks editors use to build a guide's body.

Each block is one thing a reader sees and has its own template under
``templates/guides/blocks/``.
"""

from django.forms.utils import ErrorList
from django.utils.text import slugify
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

from affiliates.blocks import AffiliateCallToActionBlock, ComparisonTableBlock, ProductBoxBlock

# Rich text in the body: inline formatting, plain links, and affiliate links
# chosen from the managed list (never pasted partner URLs).
BODY_FEATURES = ["bold", "italic", "link", "affiliate-link", "ol", "ul"]
POINT_FEATURES = ["bold", "italic", "link", "affiliate-link"]


class ParagraphBlock(blocks.StructBlock):
    """A paragraph or more of ordinary text."""

    text = blocks.RichTextBlock(features=BODY_FEATURES, help_text="The paragraph's text.")

    class Meta:
        icon = "pilcrow"
        label = "Paragraph"
        template = "guides/blocks/paragraph_block.html"
        help_text = "Running text. Use a question section for question-and-answer content."
        preview_value = {"text": "<p>Send a short thank-you note within a day.</p>"}


class QuestionSectionValue(blocks.StructValue):
    """Gives each question an anchor readers and the table of contents can link to."""

    @property
    def html_id(self):
        return self.get("anchor") or slugify(self.get("question", ""))[:80] or "question"


class QuestionSectionBlock(blocks.StructBlock):
    """A reader's question as a heading, answered with bullet points and/or text."""

    question = blocks.CharBlock(
        max_length=200,
        help_text="Phrase it as the reader would ask it, e.g. “Who will interview me next?”",
    )
    anchor = blocks.CharBlock(
        required=False,
        max_length=80,
        validators=[],
        help_text="Optional link name for this section (#name). Leave blank to use the question.",
    )
    points = blocks.ListBlock(
        blocks.RichTextBlock(features=POINT_FEATURES),
        min_num=0,
        label="Answer points",
        help_text="Short answers shown as a bullet list.",
    )
    answer = blocks.RichTextBlock(
        features=BODY_FEATURES,
        required=False,
        help_text="Optional running text after the bullet points.",
    )

    def clean(self, value):
        cleaned = super().clean(value)
        errors = {}
        has_points = any(str(point).strip() for point in cleaned.get("points") or [])
        if not has_points and not str(cleaned.get("answer") or "").strip():
            errors["answer"] = ErrorList(["Answer the question with at least one point or text."])
        anchor = cleaned.get("anchor")
        if anchor and slugify(anchor) != anchor:
            errors["anchor"] = ErrorList(["Use lower-case letters, numbers and hyphens only."])
        if errors:
            raise blocks.StructBlockValidationError(block_errors=errors)
        return cleaned

    class Meta:
        icon = "help"
        label = "Question section"
        template = "guides/blocks/question_section_block.html"
        value_class = QuestionSectionValue
        help_text = "A heading with the reader's question and the answer as bullet points."
        preview_value = {
            "question": "Why am I being asked back?",
            "points": ["They liked what they heard.", "They want you to meet the team."],
        }


class TipBlock(blocks.StructBlock):
    """A highlighted tip, set apart from the running text."""

    title = blocks.CharBlock(required=False, max_length=80, default="Tip")
    text = blocks.RichTextBlock(features=POINT_FEATURES)

    class Meta:
        icon = "pick"
        label = "Tip"
        template = "guides/blocks/tip_block.html"
        help_text = "One practical tip readers should not miss."
        preview_value = {"title": "Tip", "text": "<p>Bring a printed copy of your CV.</p>"}


class QuoteBlock(blocks.StructBlock):
    """A quotation with who said it."""

    quote = blocks.TextBlock(help_text="The words quoted, without quotation marks.")
    attribution = blocks.CharBlock(required=False, max_length=120, help_text="Who said it.")

    class Meta:
        icon = "openquote"
        label = "Quote"
        template = "guides/blocks/quote_block.html"
        preview_value = {"quote": "Preparation beats talent.", "attribution": "A hiring manager"}


class FigureBlock(blocks.StructBlock):
    """An image with alternative text and an optional caption."""

    image = ImageBlock(help_text="Describe the image for people who cannot see it.")
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        label = "Image"
        template = "guides/blocks/figure_block.html"
        help_text = "A picture that helps explain the guide."


class TableOfContentsBlock(blocks.StaticBlock):
    """Lists the guide's question sections as links, when there are three or more."""

    class Meta:
        icon = "list-ul"
        label = "Table of contents"
        template = "guides/blocks/table_of_contents_block.html"
        admin_text = "Lists links to the question sections (shown when there are three or more)."


class GuideBodyBlock(blocks.StreamBlock):
    paragraph = ParagraphBlock()
    question_section = QuestionSectionBlock()
    tip = TipBlock()
    quote = QuoteBlock()
    image = FigureBlock()
    table_of_contents = TableOfContentsBlock()
    affiliate_call_to_action = AffiliateCallToActionBlock()
    product_box = ProductBoxBlock()
    comparison_table = ComparisonTableBlock()

    class Meta:
        block_counts = {"table_of_contents": {"max_num": 1}}


def question_sections(stream_value):
    """The question sections of a body, in order, for the table of contents."""
    return [child.value for child in stream_value if child.block_type == "question_section"]
