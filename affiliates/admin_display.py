"""How the affiliates admin names and links to things: a page's label, a snippet's
address, a status that needs an editor's attention. Written once for every screen."""

from django.urls import reverse
from wagtail.admin.ui.tables import Column

#: ``page_key`` of clicks that came from no (live) page (``DailyClickSummary.NO_PAGE``).
NO_PAGE = 0


def page_admin_label(page_id, pages):
    """What the admin calls the page ``page_id``, given ``pages`` ({id: page}) fetched at
    once: its admin title, "No page …" for clicks from none, or "Deleted page …"."""
    if page_id == NO_PAGE:
        return "No page (direct visits and unknown pages)"
    page = pages.get(page_id)
    return page.get_admin_display_title() if page else f"Deleted page (id {page_id})"


def page_edit_url(page_id):
    return reverse("wagtailadmin_pages:edit", args=[page_id])


def snippet_url(model, view, *args):
    """The admin address of a snippet viewset's ``view`` ("list", "edit", "inspect",
    "usage", …) for ``model``, e.g. ``snippet_url(AffiliateLink, "edit", link.pk)``."""
    return reverse(model.snippet_viewset.get_url_name(view), args=args)


class AttentionColumn(Column):
    """A status tag that stands out, with a warning icon, when it needs an editor.

    ``attention(instance)`` says whether it does; by default, the instance's own
    ``needs_attention``.
    """

    cell_template_name = "affiliates/attention_cell.html"

    def __init__(self, name, attention=None, **kwargs):
        super().__init__(name, **kwargs)
        self.attention = attention or (lambda instance: instance.needs_attention)

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["attention"] = self.attention(instance)
        return context
