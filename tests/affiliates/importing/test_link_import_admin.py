"""Importing links in the admin: upload, a preview of every change, then confirm to queue
the import as a job, whose page shows what it did or the lines that stopped it.

Tests run jobs at once (the immediate backend); tests/affiliates/jobs run them in the
worker."""

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from affiliates.importing.tasks import queue_link_import
from affiliates.importing.views import SESSION_KEY
from affiliates.jobs.models import Job
from affiliates.models import AffiliateLink, Partner
from tests.factories import AffiliateLinkFactory, PartnerFactory

pytestmark = pytest.mark.django_db

LIST_URL = "wagtailsnippets_affiliates_affiliatelink:list"
UPLOAD_URL = "affiliates_link_import"
PREVIEW_URL = "affiliates_link_import_preview"

FILE = (
    "name,slug,destination_url,partner,is_active\n"
    "Acme coaching,acme-coaching,https://acme.example.com/new,Acme,yes\n"
    "Salary survey,salary-survey,https://survey.example.org/pay,Newco,no\n"
    "Interview kit,interview-kit,https://kit.example.com/,,yes\n"
)


@pytest.fixture
def editor(user_with, client):
    client.force_login(
        user_with("add_affiliatelink", "change_affiliatelink", "add_partner", "change_partner")
    )
    return client


@pytest.fixture
def links():
    acme = PartnerFactory(name="Acme")
    return [
        AffiliateLinkFactory(
            name="Acme coaching",
            slug="acme-coaching",
            destination_url="https://acme.example.com/old",
            partner=acme,
        ),
        AffiliateLinkFactory(
            name="Interview kit",
            slug="interview-kit",
            destination_url="https://kit.example.com/",
            partner=None,
        ),
    ]


def upload(client, text, name="links.csv"):
    content = text if isinstance(text, bytes) else text.encode()
    return client.post(reverse(UPLOAD_URL), {"file": SimpleUploadedFile(name, content)})


def preview(client, text):
    response = upload(client, text)
    assert response.status_code == 302
    assert response["Location"] == reverse(PREVIEW_URL)
    return client.get(reverse(PREVIEW_URL))


def confirm(client, response):
    soup = BeautifulSoup(response.content, "html.parser")
    token = soup.select_one("input[name=token]")["value"]
    return client.post(reverse(PREVIEW_URL), {"token": token}, follow=True)


def text_of(response, selector):
    soup = BeautifulSoup(response.content, "html.parser")
    return [" ".join(node.get_text(" ").split()) for node in soup.select(selector)]


def messages_of(response):
    return [str(message).strip() for message in response.context["messages"]]


def test_the_listing_has_an_import_button_for_editors_who_may_add_and_change_links(editor):
    response = editor.get(reverse(LIST_URL))

    assert text_of(response, f"a.w-header-button[href='{reverse(UPLOAD_URL)}']") == ["Import links"]


def test_editors_who_may_only_change_links_see_no_import_button_and_get_a_403(user_with, client):
    client.force_login(user_with("change_affiliatelink", "add_partner"))

    listing = client.get(reverse(LIST_URL))
    upload_page = client.get(reverse(UPLOAD_URL))
    posted = upload(client, FILE)

    assert listing.status_code == 200
    assert b"Import links" not in listing.content
    assert upload_page.status_code == 403
    assert b"needs permission to add and to change them" in upload_page.content
    assert posted.status_code == 403
    assert client.get(reverse(PREVIEW_URL)).status_code == 403
    assert client.post(reverse(PREVIEW_URL), {"token": "x"}).status_code == 403
    assert not AffiliateLink.objects.exists()


def test_the_upload_page_explains_the_columns(editor):
    response = editor.get(reverse(UPLOAD_URL))

    assert response.status_code == 200
    assert "destination_url" in text_of(response, "main")[0]
    assert text_of(response, "form button[type=submit]") == ["Preview import"]


def test_the_preview_shows_what_would_be_created_updated_and_left_alone(editor, links):
    response = preview(editor, FILE)

    assert response.status_code == 200
    assert text_of(response, ".link-import-summary li") == [
        "1 to create",
        "1 to update",
        "1 unchanged",
    ]
    assert text_of(response, ".link-import-creates tbody tr") == [
        "3 Salary survey salary-survey https://survey.example.org/pay Newco new partner no"
    ]
    assert text_of(response, ".link-import-updates tbody tr") == [
        "2 Acme coaching acme-coaching destination_url : https://acme.example.com/old → "
        "https://acme.example.com/new"
    ]
    assert "1 unchanged link" in text_of(response, "details summary")[0]
    # Nothing changes until the editor confirms.
    assert AffiliateLink.objects.get(slug="acme-coaching").destination_url.endswith("/old")
    assert not AffiliateLink.objects.filter(slug="salary-survey").exists()


def test_confirming_the_preview_imports_the_file_in_a_job_that_reports_the_counts(editor, links):
    response = confirm(editor, preview(editor, FILE))

    job = Job.objects.get()
    assert response.redirect_chain[-1][0] == reverse("affiliates_job", args=[job.pk])
    assert messages_of(response) == ["Importing “links.csv” in the background."]
    assert text_of(response, ".affiliates-job__summary") == [
        "Imported “links.csv”: 1 created, 1 updated, 1 unchanged."
    ]
    assert text_of(response, ".affiliates-job__status") == ["Done"]
    assert AffiliateLink.objects.get(slug="acme-coaching").destination_url.endswith("/new")
    created = AffiliateLink.objects.get(slug="salary-survey")
    assert (created.partner.name, created.is_active) == ("Newco", False)
    assert SESSION_KEY not in editor.session


def test_importing_the_same_file_again_has_nothing_to_apply(editor, links):
    confirm(editor, preview(editor, FILE))

    response = preview(editor, FILE)

    assert text_of(response, ".link-import-summary li") == [
        "0 to create",
        "0 to update",
        "3 unchanged",
    ]
    assert "there is nothing to import" in text_of(response, "main")[0]
    assert not text_of(response, "form button[type=submit]")


def test_a_preview_with_row_errors_lists_them_by_line_and_cannot_be_applied(editor, links):
    text = (
        FILE + "Broken,broken,javascript:alert(1),,\nAlso broken,acme-coaching,https://x.org/,,\n"
    )

    response = preview(editor, text)

    assert text_of(response, ".link-import-errors tbody tr") == [
        "5 destination_url: Enter a full web address starting with https:// or http:// "
        "(for example https://partner.example.com/offer).",
        "6 slug: “acme-coaching” is also on line 2.",
    ]
    assert "Nothing can be imported until every row is right." in text_of(response, "main")[0]
    assert not text_of(response, "form button[type=submit]")

    # Posted all the same, the job finds the same lines and fails, listing them.
    confirmed = confirm(editor, response)

    assert text_of(confirmed, ".affiliates-job__status") == ["Failed"]
    assert (
        "Nothing was imported from “links.csv”: 2 lines can't be used"
        in (text_of(confirmed, ".affiliates-job__error")[0])
    )
    assert text_of(confirmed, ".affiliates-job-errors tbody tr") == [
        "5 destination_url: Enter a full web address starting with https:// or http:// "
        "(for example https://partner.example.com/offer).",
        "6 slug: “acme-coaching” is also on line 2.",
    ]
    assert Job.objects.get().attempts == 1  # another attempt would find the same lines
    assert AffiliateLink.objects.count() == 2
    assert not Partner.objects.filter(name="Newco").exists()


def test_confirming_checks_the_file_again_against_the_links_as_they_are_now(editor, links):
    response = preview(editor, FILE)
    # Meanwhile another editor deletes a link the preview found unchanged: confirming
    # creates it again rather than trusting the preview.
    AffiliateLink.objects.filter(slug="interview-kit").delete()

    confirmed = confirm(editor, response)

    assert text_of(confirmed, ".affiliates-job__summary") == [
        "Imported “links.csv”: 2 created, 1 updated, 0 unchanged."
    ]


def test_a_confirmation_for_a_different_upload_applies_nothing(editor, links):
    first = preview(editor, FILE)
    preview(editor, FILE.replace("/new", "/newer"))

    response = confirm(editor, first)

    assert "Another file was uploaded since that preview" in messages_of(response)[0]
    assert AffiliateLink.objects.get(slug="acme-coaching").destination_url.endswith("/old")


def test_the_preview_without_an_upload_sends_the_editor_to_the_upload_form(editor):
    response = editor.get(reverse(PREVIEW_URL))

    assert response.status_code == 302
    assert response["Location"] == reverse(UPLOAD_URL)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\n", "The file is empty."),
        (b"name,slug\nAcme,acme\n", "The header row (line 1) has no destination_url column."),
        (b"name,slug,destination_url\nCaf\xe9,cafe,https://x.org/\n", "isn't UTF-8 text"),
        (b"PK\x03\x04\x14\x00", "looks like a spreadsheet workbook"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_on_the_upload_form(editor, content, message):
    response = upload(editor, content)

    assert response.status_code == 200
    assert message in text_of(response, "form")[0]
    assert SESSION_KEY not in editor.session


def test_an_upload_over_five_megabytes_is_refused(editor):
    content = FILE.encode() + b"," * (5 * 1024 * 1024)

    response = upload(editor, content)

    assert "The file is 5.0 MB; files up to 5 MB can be imported." in text_of(response, "form")[0]
    assert SESSION_KEY not in editor.session


def test_editors_who_may_not_add_partners_get_a_row_error_for_a_new_partner(
    user_with, client, links
):
    client.force_login(user_with("add_affiliatelink", "change_affiliatelink"))

    response = preview(client, FILE)

    assert text_of(response, ".link-import-errors tbody tr") == [
        "3 partner: there is no partner “Newco”, and you don't have permission to add partners."
    ]


def test_a_job_whose_file_is_corrupt_fails_with_the_reason_and_imports_nothing(user_with, client):
    editor = user_with("add_affiliatelink", "change_affiliatelink")
    client.force_login(editor)
    job = queue_link_import(
        "links.csv", "\ufeffname;slug\nx;y\n", user=editor, can_add_partners=False
    )

    page = client.get(reverse("affiliates_job", args=[job.pk]))

    assert text_of(page, ".affiliates-job__status") == ["Failed"]
    assert "“links.csv” can't be imported" in text_of(page, ".affiliates-job__error")[0]
    assert not AffiliateLink.objects.exists()
