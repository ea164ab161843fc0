"""Every spreadsheet the site hands out keeps text as text: nothing runs as a formula.

Names, notes, page titles, workflow and task names, redirects and partners' answers that
start like a formula go into every export, in both formats; no CSV cell may start with a
formula character and no workbook cell may be a formula. That includes Wagtail's own
reports and redirects listing (careersite/admin_exports.py). The walk below finds the
exports in the admin's URLs by what answers each address, so one added without the guard
(or without being added here) fails.
"""

import csv
import html
import io
import json
import re
import uuid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import GroupApprovalTask, Page, Workflow, WorkflowTask
from wagtail.users.models import UserProfile

from affiliates.days import site_today
from affiliates.jobs.models import Job
from affiliates.models import Conversion, LinkHealth, Network
from affiliates.reports.click_export import csv_lines
from affiliates.spreadsheets import FORMULA_PREFIXES, FormulaSafeExportMixin
from tests.affiliates.reader_clicks import follow
from tests.factories import (
    AffiliateLinkFactory,
    GuidePageFactory,
    PartnerFactory,
    UserFactory,
    affiliate_anchor,
)

pytestmark = pytest.mark.django_db

#: Text a spreadsheet would run: a formula, signs, a function, and tab and CR prefixes.
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(1)", "\t=1+1", "\r=1+1"]

LINKS_LISTING = "wagtailsnippets_affiliates_affiliatelink:list"
CLICK_REPORT = "affiliates_click_report"
LINK_HEALTH_REPORT = "affiliates_link_health_report"
CLICK_EXPORT = "affiliates_click_export"
EARNINGS_REPORT = "affiliates_earnings_report"
SALES_LISTING = "wagtailsnippets_affiliates_conversion:list"

#: Wagtail's own exports: its reports and the redirects listing, as its menus name them.
WAGTAIL_EXPORTS = [
    "wagtailadmin_reports:locked_pages",
    "wagtailadmin_reports:aging_pages",
    "wagtailadmin_reports:site_history",
    "wagtailadmin_reports:workflow",
    "wagtailadmin_reports:workflow_tasks",
    "wagtailredirects:index",
]

#: Every export in the admin, as (URL name, query); the format is added per test.
ADMIN_EXPORTS = [
    (LINKS_LISTING, {}),
    (CLICK_REPORT, {"group_by": "link"}),
    (CLICK_REPORT, {"group_by": "partner"}),
    (CLICK_REPORT, {"group_by": "page"}),
    (LINK_HEALTH_REPORT, {}),
    (CLICK_EXPORT, {"since": "today", "until": "today"}),
    (EARNINGS_REPORT, {"group_by": "link"}),
    (EARNINGS_REPORT, {"group_by": "partner"}),
    (EARNINGS_REPORT, {"group_by": "page"}),
    (SALES_LISTING, {}),
    *((url_name, {}) for url_name in WAGTAIL_EXPORTS),
]


def sale_through(link, guide, *, network, transaction_id, click_id, source):
    """A sale a network reported for a click on ``link`` from ``guide``."""
    return Conversion.objects.create(
        network=Network.objects.create(name=network),
        transaction_id=transaction_id,
        click_id=click_id,
        converted_at=timezone.now(),
        status=Conversion.Status.APPROVED,
        commission=1,
        currency="GBP",
        link=link,
        page_key=guide.pk,
        source=source,
    )


@pytest.fixture
def hostile(client, section, disclosure_page, admin_user):
    """For each hostile text: a link, partner, note and checker's answer, and a published
    (so aging and logged) page linking to it, clicked today, locked, in a workflow and task
    of that name; and a redirect from and to that text."""
    # A subject line can't hold the carriage return: no "submitted to workflow" emails.
    UserProfile.objects.update_or_create(
        user=admin_user, defaults={"submitted_notifications": False}
    )
    for number, text in enumerate(HOSTILE):
        link = AffiliateLinkFactory(
            name=text, notes=text, partner=PartnerFactory(name=text), slug=f"hostile-{number}"
        )
        guide = GuidePageFactory(
            parent=section, title=text, slug=f"hostile-{number}", intro=affiliate_anchor(link)
        )
        LinkHealth.objects.create(
            link=link, status=LinkHealth.Status.BROKEN, reason=text, checked_at=timezone.now()
        )
        follow(client, link, page=guide)
        sale_through(link, guide, network=text, transaction_id=text, click_id=text, source=text)

        workflow = Workflow.objects.create(name=text)
        WorkflowTask.objects.create(
            workflow=workflow, task=GroupApprovalTask.objects.create(name=text), sort_order=0
        )
        workflow.start(guide, admin_user)
        # After the workflow: its approval task unlocks a page locked by someone outside it.
        Page.objects.filter(pk=guide.pk).update(
            locked=True, locked_by=admin_user, locked_at=timezone.now()
        )
        # As stored: the admin's form tidies paths, but an import or code need not.
        Redirect.objects.create(old_path=text, redirect_link=text)


def download(client, url_name, query, export_format):
    query = {
        name: site_today().isoformat() if value == "today" else value
        for name, value in query.items()
    }
    key = "format" if url_name == CLICK_EXPORT else "export"
    if url_name == CLICK_EXPORT and export_format == "xlsx":
        # A workbook is written by a job (run at once in tests) and downloaded from its page.
        client.post(reverse(url_name), {**query, key: export_format})
        job = Job.objects.latest("pk")
        response = client.get(reverse("affiliates_job_download", args=[job.pk]))
        assert response.status_code == 200, (url_name, query, job.status, job.error)
        return b"".join(response.streaming_content) if response.streaming else response.content
    response = client.get(reverse(url_name), {**query, key: export_format})
    assert response.status_code == 200, (url_name, query)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body


def csv_cells(text):
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def workbook_cells(data):
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_csv_guarded(text):
    cells = csv_cells(text)
    assert not [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    # The hostile text is there, as text: the export did carry it.
    assert "'" + HOSTILE[0] in cells


def assert_workbook_guarded(data):
    cells = workbook_cells(data)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert HOSTILE[0] in [cell.value for cell in cells]


@pytest.mark.parametrize(
    ("url_name", "query"), ADMIN_EXPORTS, ids=[f"{n} {q}" for n, q in ADMIN_EXPORTS]
)
def test_no_csv_cell_of_an_admin_export_starts_like_a_formula(
    admin_client, hostile, url_name, query
):
    assert_csv_guarded(download(admin_client, url_name, query, "csv").decode())


@pytest.mark.parametrize(
    ("url_name", "query"), ADMIN_EXPORTS, ids=[f"{n} {q}" for n, q in ADMIN_EXPORTS]
)
def test_no_workbook_cell_of_an_admin_export_is_a_formula(admin_client, hostile, url_name, query):
    assert_workbook_guarded(download(admin_client, url_name, query, "xlsx"))


@pytest.mark.parametrize(
    "url_name", [LINKS_LISTING, CLICK_REPORT, CLICK_EXPORT, EARNINGS_REPORT, SALES_LISTING]
)
def test_a_workbook_export_opens_with_control_characters_in_the_data(
    admin_client, client, section, disclosure_page, url_name
):
    # Stored before imports refused them, or typed into a name: a workbook can't hold them.
    link = AffiliateLinkFactory(name="Cards\x01", partner=PartnerFactory(name="Acme\x02"))
    guide = GuidePageFactory(parent=section, intro=affiliate_anchor(link))
    follow(client, link, page=guide)
    sale_through(
        link, guide, network="Awin", transaction_id="T-1\x01", click_id="c\x1f", source="postback"
    )
    query = {"since": "today", "until": "today"} if url_name == CLICK_EXPORT else {}

    values = [
        cell.value for cell in workbook_cells(download(admin_client, url_name, query, "xlsx"))
    ]

    assert "Cards\ufffd" in values


# Wagtail's own reports and redirects listing: guarded, and otherwise Wagtail's.


@pytest.mark.parametrize("url_name", WAGTAIL_EXPORTS)
def test_wagtails_listings_still_show_the_hostile_text_as_they_did(admin_client, hostile, url_name):
    for url in (reverse(url_name), f"{reverse(url_name)}results/"):
        response = admin_client.get(url)

        assert response.status_code == 200, url
        assert html.escape(HOSTILE[0]) in response.content.decode(), url


def menu_urls(response):
    """Every address in the admin's sidebar (rendered as JSON props), submenus included."""
    props = BeautifulSoup(response.content, "html.parser").find(id="wagtail-sidebar-props")
    return re.findall(r'"url": "([^"]+)"', json.dumps(json.loads(props.string)))


def test_the_reports_and_redirects_menu_items_open_the_guarded_views(admin_client):
    urls = menu_urls(admin_client.get(reverse("wagtailadmin_home")))

    for url_name in WAGTAIL_EXPORTS:
        assert reverse(url_name) in urls
        assert issubclass(resolve(reverse(url_name)).func.view_class, FormulaSafeExportMixin)


@pytest.mark.parametrize("url_name", WAGTAIL_EXPORTS)
def test_someone_not_signed_in_is_sent_to_the_login_page_not_an_export(client, hostile, url_name):
    response = client.get(reverse(url_name), {"export": "csv"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


@pytest.fixture
def admin_user_without_permissions(client):
    """The test client, signed in as someone who may enter the admin and nothing more."""
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url_name", [name for name in WAGTAIL_EXPORTS if name != "wagtailadmin_reports:site_history"]
)
def test_wagtails_own_permission_checks_still_refuse_the_export(
    hostile, admin_user_without_permissions, url_name
):
    response = admin_user_without_permissions.get(reverse(url_name), {"export": "csv"})

    # Wagtail's answer for an admin view the user may not use: back to the dashboard.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_site_history_still_exports_only_what_the_user_may_see(
    hostile, admin_user_without_permissions
):
    body = download(admin_user_without_permissions, "wagtailadmin_reports:site_history", {}, "csv")
    cells = csv_cells(body.decode())

    assert "Date/Time" in cells  # the headings, and no row under them for those pages
    assert not [cell for cell in cells if "HYPERLINK" in cell]


def test_the_export_clicks_command_guards_csv_and_workbooks(hostile, tmp_path):
    today = site_today().isoformat()
    out = io.StringIO()
    call_command("export_clicks", "--since", today, stdout=out, stderr=io.StringIO())
    call_command(
        "export_clicks", "--since", today, "-o", str(tmp_path / "c.xlsx"), stderr=io.StringIO()
    )

    assert_csv_guarded(out.getvalue())
    assert_workbook_guarded((tmp_path / "c.xlsx").read_bytes())


# Finding the exports.

#: A value for each path converter, to build an address a pattern matches.
CONVERTER_SAMPLES = {"int": "1", "uuid": str(uuid.UUID(int=1))}


def exporting_views():
    """{address: view class answering it} for each URL pattern whose view can export.

    A pattern shadowed by an earlier one (Wagtail's reports, by careersite/admin_exports.py)
    still counts: what matters is the view a request for its address reaches.
    """

    def address(route):
        return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTER_SAMPLES.get(m[1], "x"), route)

    def walk(patterns, prefix=""):
        for pattern in patterns:
            # A regular expression has no one address: None, and an export under one fails.
            routed = prefix is not None and isinstance(pattern.pattern, RoutePattern)
            route = prefix + str(pattern.pattern) if routed else None
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None)
                if view_class and issubclass(view_class, SpreadsheetExportMixin):
                    assert route is not None, f"{pattern}: give this export a path()"
                    yield address(route)

    def exports(match):
        view_class = getattr(match.func, "view_class", None)
        if not (view_class and issubclass(view_class, SpreadsheetExportMixin)):
            return False
        return match.func.view_initkwargs.get("list_export", view_class.list_export)

    found = {}
    for url in walk(get_resolver().url_patterns):
        match = resolve(url)
        if exports(match):
            found[url] = match.func.view_class
    return found


def label(view_class):
    return f"{view_class.__module__}.{view_class.__qualname__}"


def test_the_walk_finds_wagtails_own_exports_and_results_partials():
    addresses = exporting_views()

    for url_name in WAGTAIL_EXPORTS:
        assert reverse(url_name) in addresses
        assert f"{reverse(url_name)}results/" in addresses


def test_whatever_answers_an_export_address_in_the_admin_uses_the_guard():
    unguarded = {
        url: label(view_class)
        for url, view_class in exporting_views().items()
        if not issubclass(view_class, FormulaSafeExportMixin)
    }

    assert unguarded == {}


def test_every_export_in_the_admin_is_walked_here_with_hostile_text():
    walked = {label(resolve(reverse(url_name)).func.view_class) for url_name, _ in ADMIN_EXPORTS}

    assert {label(view_class) for view_class in exporting_views().values()} <= walked


def test_every_view_class_of_the_site_that_can_export_uses_the_guard():
    # Also those not (yet) in a URL: any subclass of Wagtail's mixin defined in our apps.
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {
        sub
        for sub in subclasses(SpreadsheetExportMixin)
        if sub.__module__.split(".")[0] in {"affiliates", "guides", "careersite"}
    }

    assert ours, "the walk found none of the site's exports"
    assert not [label(sub) for sub in ours if not issubclass(sub, FormulaSafeExportMixin)]


def test_only_the_guard_and_the_click_export_write_spreadsheets_themselves():
    writers = {
        str(path.relative_to(settings.BASE_DIR))
        for app in ("affiliates", "guides", "careersite")
        for path in Path(settings.BASE_DIR, app).rglob("*.py")
        if any(
            marker in path.read_text() for marker in ("csv.writer(", "csv.DictWriter(", "Workbook(")
        )
    }

    assert writers == {"affiliates/spreadsheets.py", "affiliates/reports/click_export.py"}


def test_the_raw_click_export_guards_every_column_it_writes(hostile):
    # The one writer of its own: each value it writes goes through the guard.
    row = (timezone.now(), "-slug", "=name", "@url", "+title", False, False)

    [_, line] = list(csv_lines([row]))

    assert not [cell for cell in csv_cells(line) if cell.startswith(FORMULA_PREFIXES)]
