"""StreamField blocks that put managed affiliate links on a page."""

from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock


class AffiliateCallToActionBlock(blocks.StructBlock):
    """A boxed recommendation with a button that leads through an affiliate link."""

    link = SnippetChooserBlock(
        "affiliates.AffiliateLink", help_text="Choose the managed link the button leads to."
    )
    heading = blocks.CharBlock(max_length=120, help_text="What the reader gets, in a few words.")
    text = blocks.TextBlock(required=False, max_length=400, help_text="One or two sentences.")
    button_label = blocks.CharBlock(max_length=40, default="See the offer")

    class Meta:
        icon = "link-external"
        label = "Affiliate call-to-action"
        template = "affiliates/blocks/call_to_action_block.html"
        help_text = "A recommendation box with a tracked button. Shows the disclosure notice."
