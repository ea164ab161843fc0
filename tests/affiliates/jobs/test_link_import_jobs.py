"""The admin's link import through the real job queue: the upload only queues the
check, the preview appears once a worker has run it, and confirming only queues the
import. No web request does the work, whatever the size of the file."""

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from affiliates.models import AffiliateLink

pytestmark = pytest.mark.django_db

FILE = b"name,slug,destination_url\nAcme coaching,acme-coaching,https://acme.example.com/\n"


def summary_of(page):
    soup = BeautifulSoup(page.content, "html.parser")
    return [" ".join(item.get_text(" ").split()) for item in soup.select(".link-import-summary li")]


def test_upload_and_confirmation_only_queue_work_that_the_worker_then_does(
    database_queue, user_with, client
):
    client.force_login(user_with("add_affiliatelink", "change_affiliatelink"))

    uploaded = client.post(
        reverse("affiliates_link_import"), {"file": SimpleUploadedFile("links.csv", FILE)}
    )
    preview_url = uploaded["Location"]
    waiting = client.get(preview_url)

    assert b"Checking <strong>links.csv</strong>" in waiting.content
    assert summary_of(waiting) == []

    database_queue()
    ready = client.get(preview_url)

    assert summary_of(ready) == ["1 to create", "0 to update", "0 unchanged"]

    confirmed = client.post(preview_url)

    assert confirmed.status_code == 302
    assert not AffiliateLink.objects.exists()

    database_queue()
    job_page = client.get(confirmed["Location"])

    assert "Imported “links.csv”: 1 created, 0 updated, 0 unchanged." in job_page.content.decode()
    assert AffiliateLink.objects.get().slug == "acme-coaching"
