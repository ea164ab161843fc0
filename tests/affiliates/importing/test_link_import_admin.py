"""Importing links in the admin: upload (checked by a job), a preview of every change,
then confirm to queue the import as a job, whose page shows what it did or the lines
that stopped it.

Tests run jobs at once (the immediate backend); tests/affiliates/jobs run them in the
worker."""

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from affiliates.importing.tasks import PREVIEW_KIND, queue_link_import
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


def preview(client, text, name="links.csv"):
    response = upload(client, text, name)
    job = Job.objects.filter(kind=PREVIEW_KIND).latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse(PREVIEW_URL, args=[job.pk])
    return client.get(response["Location"])


def confirm(client, response):
    return client.post(response.wsgi_request.path, follow=True)


def import_jobs():
    return Job.objects.exclude(kind=PREVIEW_KIND)


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
    assert client.get(reverse(PREVIEW_URL, args=[1])).status_code == 403
    assert client.post(reverse(PREVIEW_URL, args=[1])).status_code == 403
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

    job = import_jobs().get()
    assert response.redirect_chain[-1][0] == reverse("affiliates_job", args=[job.pk])
    assert messages_of(response) == ["Importing “links.csv” in the background."]
    assert text_of(response, ".affiliates-job__summary") == [
        "Imported “links.csv”: 1 created, 1 updated, 1 unchanged."
    ]
    assert text_of(response, ".affiliates-job__status") == ["Done"]
    assert AffiliateLink.objects.get(slug="acme-coaching").destination_url.endswith("/new")
    created = AffiliateLink.objects.get(slug="salary-survey")
    assert (created.partner.name, created.is_active) == ("Newco", False)


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
    assert import_jobs().get().attempts == 1  # another attempt would find the same lines
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


def test_confirming_twice_queues_the_import_once(editor, links):
    response = preview(editor, FILE)

    confirm(editor, response)
    again = confirm(editor, response)

    job = import_jobs().get()
    assert again.redirect_chain[-1][0] == reverse("affiliates_job", args=[job.pk])
    page = editor.get(response.wsgi_request.path)
    assert "This file has been sent for import" in text_of(page, "main")[0]


def test_another_editor_can_neither_see_nor_confirm_someone_elses_preview(
    editor, user_with, client, links
):
    url = preview(editor, FILE).wsgi_request.path
    client.force_login(
        user_with("add_affiliatelink", "change_affiliatelink", "add_partner", "change_partner")
    )

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not import_jobs().exists()
    assert AffiliateLink.objects.get(slug="acme-coaching").destination_url.endswith("/old")


def test_a_preview_that_does_not_exist_is_a_404(editor):
    assert editor.get(reverse(PREVIEW_URL, args=[999])).status_code == 404


def test_while_the_file_is_being_checked_the_preview_page_follows_the_job(editor, links):
    user = editor.get(reverse(UPLOAD_URL)).wsgi_request.user
    job = Job.objects.create(
        kind=PREVIEW_KIND,
        title="Check “links.csv” for import",
        queued_by=user,
        task_path="affiliates.importing.tasks.preview_links",
        arguments={"filename": "links.csv", "can_add_partners": True},
        status=Job.Status.RUNNING,
        progress_done=300,
        progress_total=1200,
    )
    url = reverse(PREVIEW_URL, args=[job.pk])

    page = editor.get(url)
    posted = editor.post(url, follow=True)

    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one("meta[http-equiv=refresh]") is not None
    assert text_of(page, ".link-import-status") == ["Running"]
    assert text_of(page, ".link-import-progress") == ["300 of 1200 rows 25%"]
    assert not text_of(page, "form button[type=submit]")
    assert "The file is still being checked" in messages_of(posted)[0]
    assert not import_jobs().exists()


def test_a_file_of_more_than_five_thousand_links_is_previewed_without_a_cap(editor):
    rows = "".join(f"Link {n},link-{n},https://x.example.com/{n}\n" for n in range(6_000))

    response = preview(editor, "name,slug,destination_url\n" + rows)

    assert text_of(response, ".link-import-summary li") == [
        "6000 to create",
        "0 to update",
        "0 unchanged",
    ]
    assert len(text_of(response, ".link-import-creates tbody tr")) == 200
    assert "… and 5800 more." in text_of(response, "main")[0]
    assert text_of(response, "form button[type=submit]") == ["Import: 6000 to create, 0 to update"]


def test_a_problem_beyond_the_files_beginning_fails_the_check_with_its_line(editor):
    rows = "".join(f"Link {n},link-{n},https://x.example.com/{n}\n" for n in range(3_000))
    content = ("name,slug,destination_url\n" + rows).encode() + b"Caf\xe9,cafe,https://x.org/\n"
    assert len(content) > 64 * 1024

    response = preview(editor, content)

    assert text_of(response, ".link-import-status") == ["Failed"]
    failure = text_of(response, ".link-import-failure")[0]
    assert "isn't UTF-8 text (byte 0xe9 on line 3002)" in failure
    assert "Upload a corrected file" in text_of(response, "main a.button")
    assert not AffiliateLink.objects.exists()


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
    assert not Job.objects.exists()


def test_an_upload_over_fifty_megabytes_is_refused(editor):
    content = FILE.encode() + b"," * (50 * 1024 * 1024)

    response = upload(editor, content)

    message = "The file is 50.0 MB; files up to 50 MB can be imported."
    assert message in text_of(response, "form")[0]
    assert not Job.objects.exists()


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
