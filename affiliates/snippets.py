"""The Affiliates menu: links and partners as Wagtail snippets.

The links listing brings every concern together (availability from ``links``, health
from ``health``, the import's columns from ``importing``, clicks on the inspect view
from ``reports``), so it sits above the sub-packages; ``wagtail_hooks`` registers it.
"""

from collections import Counter

import django_filters
from django.db.models import F, Q
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn, UsageCountColumn
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.models import Page, ReferenceIndex
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.views.snippets import (
    IndexView,
    InspectView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from .admin_display import AttentionColumn, page_admin_label, snippet_url
from .earnings.models import Conversion, Network
from .health.models import LinkHealth
from .importing.plan import COLUMNS as IMPORT_COLUMNS
from .links import placements
from .links.forms import AffiliateLinkForm
from .links.models import AffiliateLink, Partner, TrackingId
from .permissions import can_export_clicks, can_import_links, can_view_earnings
from .reports.views import AffiliateLinkInspectView
from .spreadsheets import FormulaSafeExportMixin


class AffiliateLinkIndexView(FormulaSafeExportMixin, IndexView):
    """The listing, with how often each link is used and a way to that usage, and the
    bulk tools: import links from CSV (``affiliates.importing``), export raw clicks
    (``affiliates.reports``).

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
        for link in links:
            link.usage_count = counts[str(link.pk)]
            link.usage_url = snippet_url(AffiliateLink, "usage", link.pk)
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
    # edited and imported again (``affiliates.importing.plan``); then two columns it ignores.
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
    inspect_template_name = "affiliates/reports/affiliatelink_inspect.html"

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


class TrackingIdViewSet(SnippetViewSet):
    """Tracking IDs per page or section, for partners that report earnings by them."""

    model = TrackingId
    icon = "tag"
    menu_label = "Tracking IDs"
    list_display = [
        Column("value", label="Tracking ID"),
        "partner",
        "page",
    ]
    list_filter = ["partner"]
    search_backend_name = None
    search_fields = ["value"]

    def get_queryset(self, request):
        return TrackingId.objects.select_related("partner", "page")


class NetworkViewSet(SnippetViewSet):
    """Networks that report sales, with the address each sends them to (its postback)."""

    model = Network
    icon = "globe"
    menu_label = "Networks"
    list_display = [
        "name",
        Column("postback_address", label="Postback address", accessor="postback_url"),
        Column("accepts_postbacks", label="Accepts postbacks"),
    ]
    search_backend_name = None
    search_fields = ["name"]


class EarningsOnlyPolicy(ModelPermissionPolicy):
    """Sales are what networks reported: listed for those who may see earnings, never
    added or changed by hand (a later report or postback corrects them)."""

    def user_has_permission(self, user, action):
        if action in ("view", "inspect"):
            return can_view_earnings(user)
        return False

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class ConversionFilterSet(WagtailFilterSet):
    # A sale's click day is kept when its link is deleted, as the report counts it.
    matched = django_filters.BooleanFilter(
        label="Tied to a click", field_name="clicked_on", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Conversion
        fields = ["network", "status", "currency"]


def sale_origin(sale, pages):
    """Where the reader was when they clicked: the page and, for a click, the spot on it;
    "" when no click was found. ``pages`` is {id: page}, fetched at once."""
    if sale.page_key is None:
        return ""
    page = page_admin_label(sale.page_key, pages)
    # A sale known by its tracking ID has a page but no click, so no spot on it.
    return f"{page} · {placements.describe(sale.placement)}" if sale.has_click else page


class ConversionIndexView(FormulaSafeExportMixin, IndexView):
    """The sales listing, with the way to record a network's report."""

    def get_table(self, object_list):
        if self.is_export:
            # Wagtail builds the table for an export too, over every sale; the export
            # writes the list_export fields and never shows it.
            return super().get_table(object_list)
        sales = list(object_list)
        pages = Page.objects.in_bulk({sale.page_key for sale in sales if sale.page_key})
        for sale in sales:
            sale.origin = sale_origin(sale, pages)
        return super().get_table(sales)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can_view_earnings(self.request.user):
            buttons.append(
                HeaderButton(
                    "Upload a report",
                    url=reverse("affiliates_conversion_import"),
                    icon_name="upload",
                )
            )
        return buttons


class ConversionInspectView(InspectView):
    """One sale as an owner reads it: the page and spot its click came from, not ids."""

    LABELS = {
        "transaction_id": "Transaction ID",
        "click_id": "Click ID",
        "tracking_id": "Tracking ID",
        "page_key": "Page",
        "converted_at": "Date of the sale",
        "clicked_on": "Day of the click",
        "source": "From",
        "first_seen_at": "First recorded",
        "updated_at": "Last changed",
    }

    def get_field_label(self, field_name, field):
        return self.LABELS.get(field_name) or super().get_field_label(field_name, field)

    def get_link_display_value(self):
        return self.object.link_label()

    def get_page_key_display_value(self):
        key = self.object.page_key
        return "-" if key is None else page_admin_label(key, Page.objects.in_bulk([key]))

    def get_placement_display_value(self):
        # A sale known only by its tracking ID had no click, so no spot on the page.
        return placements.describe(self.object.placement) if self.object.has_click else "-"


class ConversionViewSet(SnippetViewSet):
    model = Conversion
    index_view_class = ConversionIndexView
    inspect_view_class = ConversionInspectView
    icon = "tag"
    menu_label = "Sales"
    list_display = [
        TitleColumn(
            "transaction_id",
            label="Transaction",
            get_url=lambda sale: snippet_url(Conversion, "inspect", sale.pk),
        ),
        "network",
        Column("converted_at", label="Date"),
        Column("status", label="Status", accessor="get_status_display"),
        Column("commission_label", label="Commission", accessor="commission_label"),
        Column("link", label="Link", accessor="link_label"),
        Column("origin", label="Page"),
        Column("source", label="From"),
    ]
    filterset_class = ConversionFilterSet
    list_export = [
        "network",
        "transaction_id",
        "click_id",
        "tracking_id",
        "converted_at",
        "status",
        "sale_amount",
        "commission",
        "currency",
        "link",
        "page_key",
        "placement",
        "clicked_on",
        "source",
    ]
    export_filename = "sales"
    search_backend_name = None
    search_fields = ["transaction_id", "click_id", "tracking_id"]
    inspect_view_enabled = True
    ordering = ["-converted_at"]

    def get_queryset(self, request):
        return Conversion.objects.select_related("network", "link")


class AffiliatesViewSetGroup(SnippetViewSetGroup):
    items = (
        AffiliateLinkViewSet,
        PartnerViewSet,
        TrackingIdViewSet,
        NetworkViewSet,
        ConversionViewSet,
    )
    menu_icon = "link-external"
    menu_label = "Affiliates"
    menu_name = "affiliates"
