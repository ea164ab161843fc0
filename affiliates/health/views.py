"""Link health in the admin: the report of broken and redirected links, and acknowledging
a warning.

Both need permission to change affiliate links: whoever can fix a link decides whether
its warning still matters (``affiliates.permissions``). The checks themselves are
``manage.py check_link_health`` (``affiliates.health.checker``).
"""

from collections import defaultdict

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Max
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.models import Page, ReferenceIndex
from wagtail.permission_policies.pages import PagePermissionPolicy

from affiliates.admin_display import (
    AttentionColumn,
    page_admin_label,
    page_edit_url,
    snippet_url,
)
from affiliates.links.models import AffiliateLink
from affiliates.permissions import (
    LINK_HEALTH_DENIED,
    PermissionRequiredMixin,
    can_check_link_now,
    can_manage_link_health,
)
from affiliates.spreadsheets import FormulaSafeExportMixin

from .checker import web_address_or_blank
from .models import LinkHealth
from .tasks import queue_link_check


class LinkHealthPermissionMixin(PermissionRequiredMixin):
    permission_test = staticmethod(can_manage_link_health)
    denied_message = LINK_HEALTH_DENIED


# The report.


class LinkHealthFilterSet(WagtailFilterSet):
    INCLUDE, ONLY = "include", "only"

    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[(status.value, status.label) for status in LinkHealth.WARNINGS],
        empty_label="Broken or redirected",
    )
    acknowledged = django_filters.ChoiceFilter(
        label="Acknowledged warnings",
        choices=[(INCLUDE, "Shown too"), (ONLY, "Only these")],
        empty_label="Hidden",
        method="filter_acknowledged",
    )

    class Meta:
        model = LinkHealth
        fields = ["status"]

    def filter_acknowledged(self, queryset, name, value):
        if value == self.ONLY:
            return queryset.filter(acknowledged_status=F("status"))
        return queryset  # INCLUDE; hiding them (no value) is the view's default


class FinalURLColumn(Column):
    """Where the redirects ended: a link only if it is a web address. The checker stores
    no other kind, but a row saved before it refused them may hold ``javascript:``."""

    cell_template_name = "affiliates/health/link_health_url_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["href"] = web_address_or_blank(context["value"] or "")
        return context


class UsedOnColumn(Column):
    """The pages (and anything else) whose content uses the link."""

    cell_template_name = "affiliates/health/link_health_used_on_cell.html"


class AcknowledgeColumn(Column):
    """Acknowledge the warning, or who acknowledged it and when."""

    cell_template_name = "affiliates/health/link_health_acknowledge_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context["request"]
        # Cells render outside the request's template context: the form needs its token.
        context["csrf_token"] = get_token(request)
        context["action_url"] = reverse("affiliates_link_health_acknowledge", args=[instance.pk])
        context["next_url"] = request.get_full_path()
        return context


def link_edit_url(health):
    return snippet_url(AffiliateLink, "edit", health.link_id)


def attach_usage(healths, user):
    """Set ``used_on`` on each row: [{"title", "url"}] of the objects using its link, the
    URL to edit it if the user may. A few queries for the whole page of results."""
    links = [health.link for health in healths]
    references = (
        ReferenceIndex.get_references_to_in_bulk(links)
        .values_list("to_object_id", "base_content_type_id", "object_id")
        .distinct()
    )
    ids_by_type = defaultdict(set)
    users_by_link = defaultdict(set)
    for link_id, content_type_id, object_id in references:
        ids_by_type[content_type_id].add(object_id)
        users_by_link[link_id].add((content_type_id, object_id))

    described = {}
    for content_type_id, object_ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:  # its app has been removed
            continue
        ids = [model._meta.pk.to_python(object_id) for object_id in object_ids]
        describe = _describe_pages if issubclass(model, Page) else _describe_objects
        for pk, item in describe(model, ids, user).items():
            described[(content_type_id, str(pk))] = item
    for health in healths:
        keys = users_by_link[str(health.link_id)]
        health.used_on = sorted(
            (described[key] for key in keys if key in described),
            key=lambda item: item["title"].casefold(),
        )
        health.used_on_text = "; ".join(item["title"] for item in health.used_on)
    return healths


def _describe_pages(model, ids, user):
    # The admin's URL finder checks each page on its own; this asks once for them all.
    pages = Page.objects.only("id", "title", "draft_title", "latest_revision_created_at")
    editable = set(
        PagePermissionPolicy()
        .instances_user_has_any_permission_for(user, ["change"])
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    found = pages.in_bulk(ids)
    return {
        pk: {
            "title": page_admin_label(pk, found),
            "url": page_edit_url(pk) if pk in editable else None,
        }
        for pk in found
    }


def _describe_objects(model, ids, user):
    finder = AdminURLFinder(user)
    return {
        pk: {"title": str(obj), "url": finder.get_edit_url(obj)}
        for pk, obj in model._default_manager.in_bulk(ids).items()
    }


class LinkWarningPaginator(WagtailPaginator):
    # "3 links with warnings" under the table, not the model's "3 link health".
    verbose_name = "link with a warning"
    verbose_name_plural = "links with warnings"


class LinkHealthReportView(LinkHealthPermissionMixin, FormulaSafeExportMixin, ReportView):
    """Reports › Link health: broken and redirected links, the pages that use them, and
    a way to acknowledge a warning that doesn't need fixing.

    Its export carries link names and what partners' servers answered: guarded cells.
    """

    template_name = "affiliates/health/link_health_report.html"
    results_template_name = "affiliates/health/link_health_report_results.html"
    page_title = "Link health"
    header_icon = "warning"
    index_url_name = "affiliates_link_health_report"
    index_results_url_name = "affiliates_link_health_report_results"
    filterset_class = LinkHealthFilterSet
    # Broken before redirected, then by name.
    default_ordering = ("status", "link__name")
    paginate_by = 50
    export_filename = "link-health"
    list_export = [
        "link.name",
        "link.slug",
        "link.destination_url",
        "status_label",
        "reason",
        "checked_at",
        "final_url",
        "used_on_text",
        "acknowledged_label",
    ]
    export_headings = {
        "link.name": "Link",
        "link.slug": "Slug",
        "link.destination_url": "Destination",
        "status_label": "Status",
        "reason": "Reason",
        "checked_at": "Last checked",
        "final_url": "Final address",
        "used_on_text": "Used on",
        "acknowledged_label": "Acknowledged",
    }

    verbose_name = LinkWarningPaginator.verbose_name
    verbose_name_plural = LinkWarningPaginator.verbose_name_plural
    paginator_class = LinkWarningPaginator

    # Widths keep names and page titles readable next to long addresses.
    columns = [
        TitleColumn(
            "link",
            label="Link",
            accessor="link.name",
            get_url=link_edit_url,
            sort_key="link__name",
            width="22%",
        ),
        Column("partner", label="Partner", accessor="link.partner.name", width="8%"),
        AttentionColumn(
            "status", label="Status", accessor="get_status_display", sort_key="status", width="10%"
        ),
        Column("reason", label="Reason", width="13%"),
        DateColumn("checked_at", label="Last checked", sort_key="checked_at", width="9%"),
        FinalURLColumn("final_url", label="Ends at", width="13%"),
        UsedOnColumn("used_on", label="Used on", width="14%"),
        AcknowledgeColumn("acknowledge", label="Warning", width="11%"),
    ]

    def get_base_queryset(self):
        return LinkHealth.objects.filter(status__in=LinkHealth.WARNINGS).select_related(
            "link__partner", "acknowledged_by"
        )

    @cached_property
    def showing_acknowledged(self):
        return bool(
            self.filters
            and self.filters.is_valid()
            and self.filters.form.cleaned_data.get("acknowledged")
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.showing_acknowledged:
            queryset = queryset.exclude(acknowledged_status=F("status"))
        return queryset

    def decorate_paginated_queryset(self, object_list):
        healths = list(object_list)
        attach_usage(healths, self.request.user)
        for health in healths:
            health.status_label = health.get_status_display()
            health.acknowledged_label = (
                acknowledgement(health) if health.acknowledged_status == health.status else ""
            )
        return healths

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["last_check"] = LinkHealth.objects.aggregate(last=Max("checked_at"))["last"]
        return context


def acknowledgement(health):
    who = health.acknowledged_by.get_username() if health.acknowledged_by else "someone"
    when = date_format(timezone.localtime(health.acknowledged_at), "j M Y, H:i")
    return f"Acknowledged by {who}, {when}"


# Acknowledging a warning.


class AcknowledgeWarningView(LinkHealthPermissionMixin, View):
    """POST: hide a link's warning until its status changes. The form names the status
    the editor saw, so a status that changed meanwhile is not acknowledged unseen."""

    http_method_names = ["post"]

    def post(self, request, link_id):
        health = get_object_or_404(LinkHealth.objects.select_related("link"), pk=link_id)
        seen = request.POST.get("status", "")
        acknowledged = LinkHealth.objects.filter(
            pk=link_id, status=seen, status__in=LinkHealth.WARNINGS
        ).update(
            acknowledged_status=seen, acknowledged_by=request.user, acknowledged_at=timezone.now()
        )
        if acknowledged:
            messages.success(
                request,
                f"“{health.link.name}”: the “{health.get_status_display()}” warning is hidden "
                "until the link's status changes.",
            )
        else:
            messages.warning(
                request,
                f"“{health.link.name}” is now “{health.get_status_display()}”, so nothing was "
                "acknowledged. Check it again.",
            )
        return redirect(self.next_url(request))

    def next_url(self, request):
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return next_url
        return reverse("affiliates_link_health_report")


# Check now: one link, checked by a job.


class CheckLinkNowView(LinkHealthPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """Asks, then queues a check of one link's destination and shows its job."""

    permission_test = staticmethod(can_check_link_now)
    template_name = "affiliates/jobs/confirm_job.html"
    header_icon = "resubmit"

    @cached_property
    def link(self):
        return get_object_or_404(AffiliateLink, pk=self.kwargs["link_id"])

    def get_page_title(self):
        return f"Check “{self.link.name}” now"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": snippet_url(AffiliateLink, "list"), "label": "Affiliate links"},
            {"url": snippet_url(AffiliateLink, "edit", self.link.pk), "label": self.link.name},
            {"url": "", "label": "Check now"},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            description=(
                f"The site will request {self.link.destination_url} as the daily check does, "
                "and record what it finds as the link's health."
            ),
            submit_label="Check now",
            cancel_url=snippet_url(AffiliateLink, "edit", self.link.pk),
            **kwargs,
        )

    def post(self, request, link_id):
        job = queue_link_check(self.link, user=request.user)
        return redirect("affiliates_job", job.pk)
