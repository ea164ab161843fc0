"""StreamField blocks that put managed affiliate links on a page."""

from uuid import uuid4

from django.db.models import prefetch_related_objects
from django.forms.utils import ErrorList
from wagtail import blocks
from wagtail.images.blocks import ImageBlock
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


class PreviewsWithAManagedLink:
    """For blocks with a ``link``: preview with a real managed link when there is one
    (the preview value cannot name one; without a link there is no button)."""

    def get_preview_value(self):
        value = dict(self.meta.preview_value)
        value["link"] = AffiliateLink.objects.filter(is_active=True).first()
        return self.normalize(value)


class AffiliateCallToActionBlock(PreviewsWithAManagedLink, blocks.StructBlock):
    """A boxed recommendation with a button that leads through an affiliate link, drawn
    by the partner's rules (cloaked or direct, with its marker after the button)."""

    link = AffiliateLinkChooserBlock(help_text="Choose the managed link the button leads to.")
    heading = blocks.CharBlock(max_length=120, help_text="What the reader gets, in a few words.")
    text = blocks.TextBlock(required=False, max_length=400, help_text="One or two sentences.")
    button_label = blocks.CharBlock(max_length=40, default="See the offer")

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


class ProductBoxBlock(PreviewsWithAManagedLink, blocks.StructBlock):
    """A product the guide recommends: what it is, the verdict, pros and cons, a rating,
    the price when the guide was written, and a button through an affiliate link, drawn
    by the partner's rules like every other link on the page."""

    name = blocks.CharBlock(max_length=120, help_text="The product's name.")
    image = ImageBlock(
        required=False,
        help_text="A picture of the product; describe it for people who cannot see it.",
    )
    verdict = blocks.TextBlock(max_length=400, help_text="Your verdict, in a sentence or two.")
    pros = blocks.ListBlock(
        blocks.CharBlock(max_length=160), min_num=0, max_num=6, label="Pros", default=[]
    )
    cons = blocks.ListBlock(
        blocks.CharBlock(max_length=160), min_num=0, max_num=6, label="Cons", default=[]
    )
    rating = blocks.DecimalBlock(
        required=False,
        min_value=0,
        max_value=5,
        decimal_places=1,
        help_text="Out of 5, in steps of 0.1. Leave empty for no rating.",
    )
    price_note = blocks.CharBlock(
        required=False,
        max_length=160,
        help_text="The price when you wrote this, with the month, e.g. “£12 a month "
        "(November 2026)”. Prices change: readers are told it is the price at the time of writing.",
    )
    link = AffiliateLinkChooserBlock(help_text="Choose the managed link the button leads to.")
    button_label = blocks.CharBlock(max_length=40, default="See the offer")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        # As for the call-to-action: ids unique on the page, even for one product twice.
        context["heading_id"] = f"product-{context.get('id') or uuid4().hex[:12]}-heading"
        return context

    class Meta:
        icon = "tag"
        label = "Product box"
        template = "affiliates/blocks/product_box_block.html"
        help_text = "A product you recommend, with a tracked button. Shows the disclosure notice."
        preview_value = {
            "name": "PaperTrail thank-you cards",
            "verdict": "Heavy card and plain designs that suit a note to an interviewer.",
            "pros": ["Arrive within two days", "Blank inside"],
            "cons": ["Packs of ten only"],
            "rating": "4.5",
            "price_note": "£9 for ten (November 2026)",
            "button_label": "See the cards",
        }


class ComparedProductBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=80, help_text="The product's name, heading its column.")
    link = AffiliateLinkChooserBlock(
        required=False, help_text="Optional: the managed link its button leads to."
    )
    button_label = blocks.CharBlock(max_length=40, default="See the offer")


class ComparisonRowBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=80, help_text="What the row compares, e.g. “Price”.")
    values = blocks.ListBlock(
        blocks.CharBlock(max_length=120, required=False),
        help_text="One entry per product, in the order of the products above.",
    )


class ComparisonTableBlock(blocks.StructBlock):
    """Two to five products side by side in rows editors choose, as a real table that
    turns into one card per row on phones; buttons go through managed affiliate links."""

    caption = blocks.CharBlock(
        max_length=160, help_text="What the table compares; screen readers announce it first."
    )
    products = blocks.ListBlock(ComparedProductBlock(), min_num=2, max_num=5)
    rows = blocks.ListBlock(ComparisonRowBlock(), min_num=1, max_num=12)

    def clean(self, value):
        value = super().clean(value)
        count = len(value["products"])
        wrong = [row["label"] for row in value["rows"] if len(row["values"]) != count]
        if wrong:
            raise blocks.StructBlockValidationError(
                non_block_errors=ErrorList(
                    [
                        f"Each row needs one entry per product ({count}): "
                        + ", ".join(f"“{label}”" for label in wrong)
                        + " does not."
                    ]
                )
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        products = list(value["products"])
        # Rows saved before a product was added or removed still fill every column.
        context["table_rows"] = [
            {
                "label": row["label"],
                "cells": list(zip(products, [*row["values"], *[""] * len(products)], strict=False)),
            }
            for row in value["rows"]
        ]
        context["has_links"] = any(product["link"] for product in value["products"])
        return context

    class Meta:
        icon = "table"
        label = "Comparison table"
        template = "affiliates/blocks/comparison_table_block.html"
        help_text = "Two to five products compared row by row, with tracked buttons."
        preview_value = {
            "caption": "Thank-you cards compared",
            "products": [
                {"name": "PaperTrail", "button_label": "See the offer"},
                {"name": "Plain email", "button_label": "See the offer"},
            ],
            "rows": [
                {"label": "Cost", "values": ["£9 for ten", "Free"]},
                {"label": "Arrives", "values": ["In two days", "At once"]},
            ],
        }
