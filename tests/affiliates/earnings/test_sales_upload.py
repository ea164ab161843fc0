"""Uploading a network's report in the admin: a job checks it and shows what it would
record, or every line that is wrong; confirming records it as a second job.

Tests run jobs at once (the immediate backend)."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.management.commands import db_worker

from affiliates.jobs.models import Job
from affiliates.models import Click, Conversion
from tests.affiliates.earnings.reports import SAMPLES, generic
from tests.affiliates.reader_clicks import follow
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("affiliates_conversion_import")


@pytest.fixture
def owner(user_with, client):
    client.force_login(user_with("view_earnings"))
    return client


@pytest.fixture
def click_id(home):
    # Clicked by a reader, not the signed-in owner (whose clicks are staff clicks).
    follow(Client(), AffiliateLinkFactory(), page=GuidePageFactory(parent=home))
    return Click.objects.get().click_id


def upload(client, data, report_format="generic"):
    return client.post(
        UPLOAD_URL,
        {
            "report_format": report_format,
            "file": SimpleUploadedFile("november.csv", data, content_type="text/csv"),
        },
        follow=True,
    )


def text_of(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def test_a_report_is_previewed_then_recorded_once_confirmed(owner, click_id):
    data = generic(
        ("T-1", click_id, "2026-11-02", "approved", "45.00", "4.50", "GBP"),
        ("T-2", "lost", "2026-11-02", "pending", "20.00", "2.00", "GBP"),
    )

    preview = upload(owner, data)

    page = text_of(preview)
    assert "1 new, tied to their click" in page
    assert "1 new, with no click found (kept)" in page
    assert not Conversion.objects.exists()

    done = owner.post(preview.redirect_chain[-1][0], follow=True)

    assert done.status_code == 200
    assert Conversion.objects.count() == 2
    assert Job.objects.get(kind="conversion_import").status == Job.Status.DONE


def test_a_report_with_wrong_lines_lists_them_and_records_nothing(owner, click_id):
    data = SAMPLES["awin"].replace("{click}", click_id).replace("4.50", "four").encode()

    preview = upload(owner, data, "awin")

    cells = [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in BeautifulSoup(preview.content, "html.parser").select("table tbody tr")
    ]
    assert cells == [["2", "the commission “four” is not a number (write it like 1234.56)."]]
    assert "Record these sales" not in text_of(preview)
    refused = owner.post(preview.redirect_chain[-1][0])
    assert refused.status_code == 302
    assert not Conversion.objects.exists()


def test_uploading_needs_the_earnings_permission(user_with, client):
    client.force_login(user_with("view_click_reports"))

    assert client.get(UPLOAD_URL).status_code in (302, 403)


def test_the_upload_request_only_stores_the_file_and_the_worker_reads_it(
    owner, click_id, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The real worker loop, in this test's transaction: its check for stale database
    # connections would close that transaction's connection (not in autocommit).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    rows = [
        (f"T-{number}", click_id, "2026-11-02", "approved", "45.00", "4.50", "GBP")
        for number in range(20_000)
    ]

    response = upload(owner, generic(*rows))

    # The request answered with the job waiting for the worker: nothing read yet.
    job = Job.objects.get(kind="conversion_import_preview")
    assert (job.status, job.result) == (Job.Status.QUEUED, {})
    assert "waiting" in text_of(response).lower() or "queued" in text_of(response).lower()

    call_command("db_worker", "--batch", stdout=io.StringIO(), stderr=io.StringIO())

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert "20,000 new, tied to their click" in text_of(owner.get(response.redirect_chain[-1][0]))
    assert not Conversion.objects.exists()
