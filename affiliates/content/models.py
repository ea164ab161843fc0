"""The disclosure: the page that explains referral fees, and the notice that links to it.

Part of ``affiliates.content``, which imports only ``affiliates.links``.
"""

from django.db import models
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class DisclosurePage(Page):
    """The page explaining how the site earns referral fees. One per site."""

    body = RichTextField(features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    parent_page_types = ["guides.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    # The same body as a standard page, so the same template.
    template = "guides/standard_page.html"


@register_setting(icon="warning")
class DisclosureSettings(BaseSiteSetting):
    """The referral notice readers see on pages that carry affiliate links."""

    class Policy(models.TextChoices):
        AFFILIATE_PAGES = "affiliate_pages", "Only on pages that contain affiliate links"
        EVERY_PAGE = "every_page", "On every page"

    notice_text = models.CharField(
        max_length=300,
        default="Referral fees may be earned for purchases made using links on this site. "
        "To learn more, see",
        help_text="Shown before the link to the disclosure page.",
    )
    link_text = models.CharField(max_length=80, default="my disclosure")
    disclosure_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The page the notice links to. Pages with affiliate links cannot be "
        "published without one.",
    )
    policy = models.CharField(max_length=20, choices=Policy.choices, default=Policy.AFFILIATE_PAGES)

    panels = [
        FieldPanel("notice_text"),
        FieldPanel("link_text"),
        PageChooserPanel("disclosure_page", "affiliates.DisclosurePage"),
        FieldPanel("policy"),
    ]

    class Meta:
        verbose_name = "Referral disclosure"
