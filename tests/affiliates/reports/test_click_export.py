"""Raw click export (admin and manage.py export_clicks): the clicks in range, nothing personal.

A small CSV streams at once; a workbook or a large CSV is written by a job (run at once
in tests) and downloaded from the job's page, by those who may export clicks."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.users.models import UserProfile

from affiliates.jobs.models import Job
from affiliates.reports.click_export import COLUMNS
from tests.factories import AffiliateLinkFactory, ClickFactory, GuidePageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clicks")]

EXPORT_URL = "affiliates_click_export"
LIST_URL = "wagtailsnippets_affiliates_affiliatelink:list"
LONDON = ZoneInfo("Europe/London")


def at(*args):
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def links():
    return {
        "acme": AffiliateLinkFactory(name="Acme coaching", slug="acme"),
        "formula": AffiliateLinkFactory(name="=HYPERLINK(1)", slug="formula"),
    }


@pytest.fixture
def guide(section):
    return GuidePageFactory(parent=section, title="Ace the interview", slug="ace")


@pytest.fixture
def clicks(links, guide):
    acme, formula = links["acme"], links["formula"]
    return [
        ClickFactory(link=acme, clicked_at=at(2026, 2, 28, 23, 59, 59)),  # the day before
        ClickFactory(link=acme, clicked_at=at(2026, 3, 1, 0, 0), page=guide),
        ClickFactory(link=formula, clicked_at=at(2026, 3, 15, 12, 30), is_bot=True),
        ClickFactory(link=acme, clicked_at=at(2026, 3, 31, 23, 59, 59)),
        ClickFactory(link=acme, clicked_at=at(2026, 4, 1, 0, 0)),  # the day after
    ]


@pytest.fixture
def analyst(user_with, client):
    client.force_login(user_with("view_click_reports"))
    return client


def download(client, **params):
    response = client.get(reverse(EXPORT_URL), params)
    assert response.status_code == 200, response.content[:500]
    return response


def csv_rows(response):
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def export_in_a_job(client, **form):
    """Posts the form; the job runs at once. Returns the job's page."""
    response = client.post(reverse(EXPORT_URL), form, follow=True)
    assert response.status_code == 200, response.content[:500]
    return response


def job_file(client, job):
    response = client.get(reverse("affiliates_job_download", args=[job.pk]))
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_csv_holds_the_clicks_in_the_date_range_both_days_included(analyst):
    response = download(analyst, since="2026-03-01", until="2026-03-31", format="csv")

    assert response["Content-Disposition"] == (
        'attachment; filename="affiliate-clicks-2026-03-01-to-2026-03-31.csv"'
    )
    rows = csv_rows(response)
    assert [row["clicked_at"] for row in rows] == [
        "2026-03-01T00:00:00+00:00",
        "2026-03-15T12:30:00+00:00",
        "2026-03-31T23:59:59+01:00",
    ]
    assert rows[0] == {
        "clicked_at": "2026-03-01T00:00:00+00:00",
        "link_slug": "acme",
        "link_name": "Acme coaching",
        "page_url": "http://localhost/preparing-for-a-job-interview/ace/",
        "page_title": "Ace the interview",
        "is_bot": "false",
        "is_staff": "false",
    }
    assert (rows[1]["link_name"], rows[1]["is_bot"], rows[1]["page_url"]) == (
        "'=HYPERLINK(1)",  # text, not a formula, in a spreadsheet
        "true",
        "",
    )


def test_the_export_holds_nothing_about_the_reader(analyst, clicks):
    response = download(analyst, since="2026-01-01", format="csv")

    content = b"".join(response.streaming_content).decode()
    assert next(csv.reader(io.StringIO(content))) == list(COLUMNS)
    for click in clicks:
        assert click.visitor_key not in content
    assert "203.0.113" not in content


def test_the_export_can_be_limited_to_one_link(analyst):
    response = download(analyst, since="2026-03-01", until="2026-03-31", link="formula")

    assert [row["link_slug"] for row in csv_rows(response)] == ["formula"]
    assert response["Content-Disposition"].endswith('-to-2026-03-31-formula.csv"')


def test_without_an_end_day_the_export_runs_up_to_now(analyst):
    rows = csv_rows(download(analyst, since="2026-03-31"))

    assert [row["clicked_at"] for row in rows] == [
        "2026-03-31T23:59:59+01:00",
        "2026-04-01T00:00:00+01:00",
    ]


@pytest.fixture
def analyst_in_new_york(user_with, client):
    """An analyst whose admin account is set to New York time (Account › Preferences)."""
    user = user_with("view_click_reports")
    profile = UserProfile.get_for_user(user)
    profile.current_time_zone = "America/New_York"
    profile.save()
    client.force_login(user)
    return client


def test_an_editor_in_another_time_zone_gets_the_sites_days_and_times(analyst_in_new_york):
    # The reports count days in the site's zone; the export must cut the same days,
    # or the two disagree for anyone whose account has a zone of its own.
    since, until = "2026-03-01", "2026-03-31"

    rows = csv_rows(download(analyst_in_new_york, since=since, until=until, format="csv"))
    export_in_a_job(analyst_in_new_york, since=since, until=until, format="xlsx")
    response = job_file(analyst_in_new_york, Job.objects.get())
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active

    assert [row["clicked_at"] for row in rows] == [
        "2026-03-01T00:00:00+00:00",
        "2026-03-15T12:30:00+00:00",
        "2026-03-31T23:59:59+01:00",
    ]
    assert [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]] == [
        datetime.datetime(2026, 3, 1, 0, 0),
        datetime.datetime(2026, 3, 15, 12, 30),
        datetime.datetime(2026, 3, 31, 23, 59, 59),
    ]


def test_a_workbook_is_written_by_a_job_and_downloaded_from_its_page(analyst):
    page = export_in_a_job(analyst, since="2026-03-01", until="2026-03-31", format="xlsx")

    job = Job.objects.get()
    assert page.redirect_chain[-1][0] == reverse("affiliates_job", args=[job.pk])
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one(".affiliates-job__summary").get_text(strip=True) == "Exported 3 clicks."
    download_link = soup.select_one(
        f"a[href='{reverse('affiliates_job_download', args=[job.pk])}']"
    )
    assert "affiliate-clicks-2026-03-01-to-2026-03-31.xlsx" in download_link.get_text()
    response = job_file(analyst, job)
    assert response["Content-Disposition"].endswith(
        'filename="affiliate-clicks-2026-03-01-to-2026-03-31.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = sheet.iter_rows(values_only=True)
    assert header == COLUMNS
    assert [row[0] for row in rows] == [
        datetime.datetime(2026, 3, 1, 0, 0),
        datetime.datetime(2026, 3, 15, 12, 30),
        datetime.datetime(2026, 3, 31, 23, 59, 59),
    ]
    assert rows[1][1:] == ("formula", "=HYPERLINK(1)", None, None, True, False)
    assert sheet["C3"].data_type == "s"


def test_a_csv_over_the_streaming_limit_is_written_by_a_job(analyst, monkeypatch):
    monkeypatch.setattr("affiliates.reports.views.CLICK_EXPORT_STREAM_MAX_ROWS", 2)

    export_in_a_job(analyst, since="2026-03-01", until="2026-03-31", format="csv")

    response = job_file(analyst, Job.objects.get())
    assert [row["link_slug"] for row in csv_rows(response)] == ["acme", "formula", "acme"]


def test_a_bookmarked_workbook_address_offers_the_job_instead_of_starting_it(analyst):
    response = analyst.get(reverse(EXPORT_URL), {"since": "2026-03-01", "format": "xlsx"})

    assert response["Content-Type"].startswith("text/html")
    assert b"Prepare export" in response.content
    assert not Job.objects.exists()


def test_the_exports_file_downloads_only_for_its_owner_while_they_may_export(
    analyst, user_with, client
):
    export_in_a_job(analyst, since="2026-03-01", format="xlsx")
    job = Job.objects.get()
    download_url = reverse("affiliates_job_download", args=[job.pk])

    client.force_login(user_with("view_click_reports"))  # someone else, allowed to export
    assert client.get(download_url).status_code == 403

    job.queued_by.user_permissions.clear()  # the owner, no longer allowed to export
    job.queued_by.user_permissions.add(
        *user_with().user_permissions.all()  # admin access only
    )
    client.force_login(type(job.queued_by).objects.get(pk=job.queued_by.pk))
    denied = client.get(download_url)
    assert denied.status_code == 403
    assert b"Can view affiliate click reports" in denied.content
    page = client.get(reverse("affiliates_job", args=[job.pk]))
    assert download_url not in page.content.decode()


def test_the_form_shows_errors_instead_of_downloading(analyst):
    response = analyst.get(
        reverse(EXPORT_URL), {"since": "2026-03-31", "until": "2026-03-01", "format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"The last day can&#x27;t be before the first." in response.content


def test_the_form_starts_with_the_last_thirty_days(analyst):
    response = analyst.get(reverse(EXPORT_URL))

    soup = BeautifulSoup(response.content, "html.parser")
    since = datetime.date.fromisoformat(soup.select_one("input[name=since]")["value"])
    until = datetime.date.fromisoformat(soup.select_one("input[name=until]")["value"])
    assert until - since == datetime.timedelta(days=30)


def test_exporting_clicks_needs_the_click_report_permission(user_with, client):
    client.force_login(user_with("add_affiliatelink", "change_affiliatelink"))

    listing = client.get(reverse(LIST_URL))
    response = client.get(reverse(EXPORT_URL), {"since": "2026-03-01", "format": "csv"})

    assert b"Export clicks" not in listing.content
    assert response.status_code == 403
    assert b"Can view affiliate click reports" in response.content


def test_the_link_listing_offers_the_click_export_to_those_allowed(user_with, client):
    client.force_login(user_with("change_affiliatelink", "view_click_reports"))

    listing = client.get(reverse(LIST_URL))

    soup = BeautifulSoup(listing.content, "html.parser")
    assert soup.select_one(f"a[href='{reverse(EXPORT_URL)}']").get_text(strip=True) == (
        "Export clicks"
    )


def test_the_command_writes_the_clicks_since_a_day_as_csv():
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("export_clicks", "--since", "2026-03-31", stdout=stdout, stderr=stderr)

    rows = list(csv.DictReader(io.StringIO(stdout.getvalue())))
    assert [row["clicked_at"] for row in rows] == [
        "2026-03-31T23:59:59+01:00",
        "2026-04-01T00:00:00+01:00",
    ]
    assert stderr.getvalue() == "2 clicks written to standard output.\n"


def test_the_command_writes_a_workbook_for_one_link_and_range(tmp_path):
    output = tmp_path / "clicks.xlsx"

    call_command(
        "export_clicks",
        "--since=2026-03-01",
        "--until=2026-03-31",
        "--link=acme",
        f"-o={output}",
        stderr=io.StringIO(),
    )

    sheet = load_workbook(output).active
    header, *rows = sheet.iter_rows(values_only=True)
    assert header == COLUMNS
    assert [(row[1], row[0]) for row in rows] == [
        ("acme", datetime.datetime(2026, 3, 1, 0, 0)),
        ("acme", datetime.datetime(2026, 3, 31, 23, 59, 59)),
    ]


def test_the_command_writes_csv_to_a_file(tmp_path):
    output = tmp_path / "clicks.csv"

    call_command("export_clicks", "--since=2026-04-01", "-o", str(output), stderr=io.StringIO())

    rows = list(csv.DictReader(output.open(encoding="utf-8", newline="")))
    assert [row["link_slug"] for row in rows] == ["acme"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since=01/03/2026"], "“01/03/2026” is not a date; use YYYY-MM-DD."),
        (["--since=2026-03-02", "--until=2026-03-01"], "--until is before --since."),
        (["--since=2026-03-01", "--link=nope"], "There is no affiliate link with the slug “nope”."),
        (["--since=2026-03-01", "--format=xlsx"], "Give a file to write the workbook to"),
    ],
)
def test_the_command_refuses_bad_options_with_a_reason(args, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command("export_clicks", *args, stdout=io.StringIO(), stderr=io.StringIO())

    assert error.value.returncode == 1
