"""Admin for affiliate links and partners, and the editor's “Affiliate link” rich-text button."""

from collections import Counter

import django_filters
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.db.models import F, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property, lazy
from draftjs_exporter.dom import DOM
from wagtail import hooks
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import ObjectList
from wagtail.admin.rich_text.converters.html_to_contentstate import LinkElementHandler
from wagtail.admin.rich_text.editors.draftail import features as draftail_features
from wagtail.admin.ui.tables import Column, UsageCountColumn
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.models import Page, ReferenceIndex
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from . import health_admin  # noqa: F401  (its hooks register on import)
from .admin_views import (
    ClickExportView,
    LinkImportPreviewView,
    LinkImportView,
    can_export_clicks,
    can_import_links,
)
from .forms import AffiliateLinkForm
from .importing import COLUMNS as IMPORT_COLUMNS
from .models import DESTINATION_CHANGED, AffiliateLink, LinkHealth, Partner
from .publishing import BULK_DISCLOSURE_REQUIRED_MESSAGE, latest_content_blocked
from .reports import (
    AffiliateLinkInspectView,
    ClickDashboardPanel,
    ClickReportMenuItem,
    ClickReportView,
    can_view_click_reports,
)
from .rich_text import AffiliateLinkHandler
from .spreadsheets import FormulaSafeExportMixin

FEATURE_NAME = "affiliate-link"
# The Draftail entity type; rich text in the database stays <a linktype="affiliate" id="…">.
ENTITY_TYPE = "AFFILIATE_LINK"


class AffiliateLinkIndexView(FormulaSafeExportMixin, IndexView):
    """The listing, with how often each link is used and a way to that usage, and the
    bulk tools: import links from CSV, export raw clicks (affiliates.admin_views).

    Its export keeps text as text, and the import takes the guard off again.
    """

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can_import_links(self.request.user):
            buttons.append(
                HeaderButton(
                    "Import links", url=reverse("affiliates_link_import"), icon_name="upload"
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if can_export_clicks(self.request.user):
            buttons.append(
                Button(
                    "Export clicks",
                    url=reverse("affiliates_click_export"),
                    icon_name="download",
                    priority=100,
                )
            )
        return buttons

    def get_table(self, object_list):
        links = list(object_list)
        # Pages (or other objects) using each link, counted once however often they use
        # it, as on the link's usage page. One query for the whole page of results.
        using = (
            ReferenceIndex.get_references_to_in_bulk(links)
            .values_list("to_object_id", "base_content_type_id", "object_id")
            .distinct()
        )
        counts = Counter(to_object_id for to_object_id, _, _ in using)
        usage_url_name = AffiliateLink.snippet_viewset.get_url_name("usage")
        for link in links:
            link.usage_count = counts[str(link.pk)]
            link.usage_url = reverse(usage_url_name, args=[link.pk])
        return super().get_table(links)


class AffiliateLinkFilterSet(WagtailFilterSet):
    """The listing's filters: partner and on/off as before, plus when a link works and
    what the last health check found."""

    AVAILABILITY = {
        "live": ("Live now", lambda links: links.live()),
        "expiring": ("Expiring within 14 days", lambda links: links.expiring_soon()),
        "expired": ("Expired", lambda links: links.expired()),
        "scheduled": ("Not started yet", lambda links: links.scheduled()),
        "off": ("Switched off", lambda links: links.switched_off()),
    }
    NEEDS_ATTENTION = "attention"

    availability = django_filters.ChoiceFilter(
        label="Availability",
        choices=[(key, label) for key, (label, _) in AVAILABILITY.items()],
        method="filter_availability",
    )
    health = django_filters.ChoiceFilter(
        label="Health",
        choices=[(NEEDS_ATTENTION, "Needs attention"), *LinkHealth.Status.choices],
        method="filter_health",
    )

    class Meta:
        model = AffiliateLink
        fields = ["partner", "is_active"]

    def filter_availability(self, queryset, name, value):
        return self.AVAILABILITY[value][1](queryset)

    def filter_health(self, queryset, name, value):
        if value == self.NEEDS_ATTENTION:
            return queryset.filter(health__status__in=LinkHealth.WARNINGS).exclude(
                health__acknowledged_status=F("health__status")
            )
        if value == LinkHealth.Status.UNCHECKED:
            return queryset.filter(Q(health=None) | Q(health__status=value))
        return queryset.filter(health__status=value)


class AttentionColumn(Column):
    """A status tag that stands out, with a warning icon, when it needs an editor."""

    cell_template_name = "affiliates/admin/attention_cell.html"

    def __init__(self, name, attention, **kwargs):
        super().__init__(name, **kwargs)
        self.attention = attention

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["attention"] = self.attention(instance)
        return context


def link_health(link):
    """The health row of a link, or an unchecked one (links are listed with select_related)."""
    try:
        return link.health
    except LinkHealth.DoesNotExist:
        return LinkHealth(link=link)


class AffiliateLinkChooserColumns:
    """The chooser (rich-text button and call-to-action block) shows enough to pick the
    right link: the address readers follow, the partner, and whether it is active."""

    def get_object_list(self):
        return super().get_object_list().select_related("partner")

    @property
    def columns(self):
        return [
            *super().columns,
            Column("reader_link", label="Reader link", accessor="get_absolute_url"),
            Column("partner", label="Partner"),
            Column(
                "availability", label="Availability", accessor=lambda link: link.availability()[0]
            ),
        ]


class AffiliateLinkChooseView(AffiliateLinkChooserColumns, ChooseView):
    pass


class AffiliateLinkChooseResultsView(AffiliateLinkChooserColumns, ChooseResultsView):
    pass


class AffiliateLinkChooserViewSet(SnippetChooserViewSet):
    choose_view_class = AffiliateLinkChooseView
    choose_results_view_class = AffiliateLinkChooseResultsView


class AffiliateLinkViewSet(SnippetViewSet):
    model = AffiliateLink
    icon = "link-external"
    menu_label = "Affiliate links"
    index_view_class = AffiliateLinkIndexView
    chooser_viewset_class = AffiliateLinkChooserViewSet
    edit_handler = ObjectList(AffiliateLink.panels, base_form_class=AffiliateLinkForm)
    list_display = [
        "name",
        Column("reader_link", label="Reader link", accessor="get_absolute_url"),
        "partner",
        AttentionColumn(
            "availability",
            label="Availability",
            accessor=lambda link: link.availability()[0],
            attention=lambda link: link.availability()[1],
        ),
        AttentionColumn(
            "health",
            label="Health",
            accessor=lambda link: link_health(link).get_status_display(),
            attention=lambda link: link_health(link).needs_attention,
        ),
        UsageCountColumn("usage_count", label="Usage"),
        "updated_at",
    ]
    filterset_class = AffiliateLinkFilterSet
    # The import's columns, named as the import names them, so an exported file can be
    # edited and imported again (affiliates.importing); then two columns it ignores.
    list_export = [*IMPORT_COLUMNS, "get_absolute_url", "updated_at"]
    export_headings = {
        **{column: column for column in IMPORT_COLUMNS},
        "get_absolute_url": "reader_link",
        "updated_at": "updated_at",
    }
    export_filename = "affiliate-links"
    # Plain database matching, so part of a slug or partner URL finds the link too.
    search_backend_name = None
    search_fields = ["name", "slug", "destination_url", "partner__name"]

    # Inspect: the link's details and, for those allowed to see reports, its clicks.
    inspect_view_enabled = True
    inspect_view_class = AffiliateLinkInspectView
    inspect_template_name = "affiliates/admin/affiliatelink_inspect.html"

    def get_queryset(self, request):
        return AffiliateLink.objects.select_related("partner", "health")


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "group"
    menu_label = "Partners"
    list_display = [
        "name",
        "network",
        Column("link_style", label="Link style", accessor="get_link_style_display"),
        Column("link_marker", label="Marker"),
    ]
    list_filter = ["link_style"]
    search_backend_name = None
    search_fields = ["name", "network"]


class AffiliatesViewSetGroup(SnippetViewSetGroup):
    items = (AffiliateLinkViewSet, PartnerViewSet)
    menu_icon = "link-external"
    menu_label = "Affiliates"
    menu_name = "affiliates"


register_snippet(AffiliatesViewSetGroup)


# Rich text: the “Affiliate link” button.


def affiliate_link_entity(props):
    """Editor entity → database HTML: ``<a linktype="affiliate" id="…">``, never the URL."""
    link_id = props.get("id")
    if link_id is None or not str(link_id).isdigit():
        # Nothing to point at: keep the words, drop the link.
        return props["children"]
    return DOM.create_element("a", {"linktype": "affiliate", "id": link_id}, props["children"])


class AffiliateLinkElementHandler(LinkElementHandler):
    """Database HTML → editor entity, carrying the link's current name for the editor."""

    def get_attribute_data(self, attrs):
        try:
            link_id = int(attrs["id"])
        except (KeyError, ValueError):
            return {}
        link = AffiliateLink.objects.filter(pk=link_id).first()
        if link is None:
            # Keep the id so the editor flags the link as missing instead of dropping it.
            return {"id": link_id, "name": None, "url": None}
        return {"id": link.pk, "name": link.name, "url": AdminURLFinder().get_edit_url(link)}


def _snippet_chooser_url():
    return reverse(AffiliateLink.snippet_viewset.chooser_viewset.get_url_name("choose"))


_chooser_url = lazy(_snippet_chooser_url, str)


@hooks.register("register_rich_text_features")
def register_affiliate_link_feature(features):
    features.register_link_type(AffiliateLinkHandler)
    features.register_editor_plugin(
        "draftail",
        FEATURE_NAME,
        draftail_features.EntityFeature(
            {
                "type": ENTITY_TYPE,
                "icon": "link-external",
                "description": "Affiliate link",
                # Wagtail's own snippet chooser: editors search and pick a managed link.
                "chooserUrls": {"affiliateLinkChooser": _chooser_url()},
            },
            js=["wagtailadmin/js/chooser-modal.js", "affiliates/js/affiliate-link-draftail.js"],
            css={"all": ["affiliates/css/affiliate-link-draftail.css"]},
        ),
    )
    features.register_converter_rule(
        "contentstate",
        FEATURE_NAME,
        {
            "from_database_format": {
                'a[linktype="affiliate"]': AffiliateLinkElementHandler(ENTITY_TYPE)
            },
            "to_database_format": {"entity_decorators": {ENTITY_TYPE: affiliate_link_entity}},
        },
    )


# Publishing: no page with affiliate links goes live on a site that can't disclose them
# (affiliates.publishing). Bulk publishing asks first, so nothing in the batch is published
# and the editor sees which pages stopped it.


@hooks.register("before_bulk_action")
def refuse_bulk_publishing_without_disclosure(request, action_type, objects, action_view):
    if action_type != "publish":
        return None
    pages = [page for page in objects if isinstance(page, Page)]
    if getattr(action_view, "cleaned_form", None) and action_view.cleaned_form.cleaned_data.get(
        "include_descendants"
    ):
        pages += [descendant for page in pages for descendant in page.get_descendants().not_live()]
    blocked = [page.title for page in pages if latest_content_blocked(page)]
    if not blocked:
        return None
    messages.error(
        request,
        BULK_DISCLOSURE_REQUIRED_MESSAGE.format(titles=", ".join(f"“{t}”" for t in blocked)),
    )
    return redirect(action_view.next_url)


# Click reports: Reports › Affiliate clicks, each link's inspect view, a dashboard panel.
# All need the "Can view affiliate click reports" permission (affiliates.reports).


@hooks.register("register_admin_urls")
def register_click_report_urls():
    return [
        path("reports/affiliate-clicks/", ClickReportView.as_view(), name="affiliates_click_report")
    ]


@hooks.register("register_reports_menu_item")
def register_click_report_menu_item():
    return ClickReportMenuItem(
        "Affiliate clicks",
        reverse("affiliates_click_report"),
        name="affiliate-clicks",
        icon_name="link-external",
        order=1300,
    )


@hooks.register("register_permissions")
def register_click_report_permission():
    # Shown in Settings › Groups, next to the link and partner permissions.
    return Permission.objects.filter(
        content_type__app_label="affiliates", codename="view_click_reports"
    )


@hooks.register("construct_homepage_panels")
def add_click_dashboard_panel(request, panels):
    if can_view_click_reports(request.user):
        panels.append(ClickDashboardPanel())


# Links in bulk: import from CSV with a preview, export raw clicks (affiliates.admin_views).


@hooks.register("register_admin_urls")
def register_bulk_link_urls():
    return [
        path("affiliates/links/import/", LinkImportView.as_view(), name="affiliates_link_import"),
        path(
            "affiliates/links/import/preview/",
            LinkImportPreviewView.as_view(),
            name="affiliates_link_import_preview",
        ),
        path(
            "affiliates/clicks/export/", ClickExportView.as_view(), name="affiliates_click_export"
        ),
    ]


# History: a link's change of destination, in words (affiliates.models).


@hooks.register("register_log_actions")
def register_destination_change_action(actions):
    @actions.register_action(DESTINATION_CHANGED)
    class DestinationChanged(LogFormatter):
        label = "Change destination"

        def format_message(self, log_entry):
            data = log_entry.data
            return f"Destination changed from {data.get('from')} to {data.get('to')}"
