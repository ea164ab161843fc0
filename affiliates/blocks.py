"""StreamField blocks that put managed affiliate links on a page."""

from uuid import uuid4

from django.db.models import prefetch_related_objects
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from .content.rich_text import prefetched_links
from .links.models import AffiliateLink


class AffiliateLinkChooserBlock(SnippetChooserBlock):
    """Chooses an ``AffiliateLink``; on a page being served, reuses the links it fetched."""

    def __init__(self, **kwargs):
        super().__init__("affiliates.AffiliateLink", **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, (), kwargs

    def bulk_to_python(self, values):
        known = prefetched_links()
        if known and all(value in known for value in values if value is not None):
            return [known.get(value) for value in values]
        links = super().bulk_to_python(values)
        # The partner decides how each button is drawn: fetch them all at once.
        prefetch_related_objects([link for link in links if link is not None], "partner")
        return links


class AffiliateCallToActionBlock(blocks.StructBlock):
    """A boxed recommendation with a button that leads through an affiliate link, drawn
    by the partner's rules (cloaked or direct, with its marker after the button)."""

    link = AffiliateLinkChooserBlock(help_text="Choose the managed link the button leads to.")
    heading = blocks.CharBlock(max_length=120, help_text="What the reader gets, in a few words.")
    text = blocks.TextBlock(required=False, max_length=400, help_text="One or two sentences.")
    button_label = blocks.CharBlock(max_length=40, default="See the offer")

    def get_preview_value(self):
        # Preview with a real managed link when there is one; without a link the box is hidden.
        value = dict(self.meta.preview_value)
        value["link"] = AffiliateLink.objects.filter(is_active=True).first()
        return self.normalize(value)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        # A stream gives each block its own id; a block rendered on its own (a
        # preview, say) has none, so make one up. Either way two boxes on a page,
        # even for the same link, never share the id their heading is labelled by.
        block_id = context.get("id") or uuid4().hex[:12]
        context["heading_id"] = f"cta-{block_id}-heading"
        return context

    class Meta:
        icon = "link-external"
        label = "Affiliate call-to-action"
        template = "affiliates/blocks/call_to_action_block.html"
        help_text = "A recommendation box with a tracked button. Shows the disclosure notice."
        preview_value = {
            "heading": "Practise with a mock interview",
            "text": "Book a session with an experienced interviewer.",
            "button_label": "See the offer",
        }
