"""The listing's CSV export is the import's format: exported links import with no changes."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from affiliates.importing.plan import COLUMNS, apply_import, decode, plan_import
from affiliates.models import AffiliateLink
from tests.factories import AffiliateLinkFactory, PartnerFactory

pytestmark = pytest.mark.django_db

LIST_URL = "wagtailsnippets_affiliates_affiliatelink:list"


@pytest.fixture
def links():
    return [
        AffiliateLinkFactory(
            name="Acme coaching, premium",
            slug="acme-coaching",
            destination_url="https://acme.example.com/offer?aff=1&utm=cc",
            partner=PartnerFactory(name="Acme"),
            redirect_status=307,
            pass_query_parameters=True,
        ),
        AffiliateLinkFactory(
            name="Café survey",
            slug="cafe-survey",
            destination_url="https://survey.example.org/",
            partner=None,
            is_active=False,
            fallback_url="https://survey.example.org/closed",
            redirect_status=301,
            notes="Typed in the admin:\r\nsecond line, “quoted”",
        ),
        AffiliateLinkFactory(
            name='=HYPERLINK("https://evil.example")',
            slug="formula",
            destination_url="https://formula.example.com/",
            partner=PartnerFactory(name="@SUM(A1)"),
            notes="- a bullet that looks like a formula",
        ),
    ]


def exported_csv(client, **filters):
    response = client.get(reverse(LIST_URL), {"export": "csv", **filters})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_export_has_the_import_columns_first_then_the_ones_it_ignores(editor, links):
    header = next(csv.reader(io.StringIO(exported_csv(editor).decode())))

    assert header == [*COLUMNS, "reader_link", "updated_at"]


def test_an_exported_file_imports_with_every_link_unchanged(editor, links):
    before = list(AffiliateLink.objects.order_by("slug").values())

    plan = apply_import(decode(exported_csv(editor)))

    assert plan.errors == []
    assert plan.summary() == "0 created, 0 updated, 3 unchanged"
    assert list(AffiliateLink.objects.order_by("slug").values()) == before


def test_an_exported_file_uploaded_in_the_admin_has_nothing_to_import(editor, links):
    content = exported_csv(editor)

    response = editor.post(
        reverse("affiliates_link_import"),
        {"file": SimpleUploadedFile("affiliate-links.csv", content)},
        follow=True,
    )

    assert response.context["counts"] == {"creates": 0, "updates": 0, "unchanged": 3, "errors": 0}
    assert b"there is nothing to import" in response.content


def test_an_export_edited_in_one_cell_imports_as_that_one_change(editor, links):
    text = decode(exported_csv(editor)).replace("https://survey.example.org/closed", "")

    plan = plan_import(text)

    [row] = plan.updates
    assert [(c.field, c.old, c.new) for c in row.changes] == [
        ("fallback_url", "https://survey.example.org/closed", "(empty)")
    ]
    assert plan.summary() == "0 created, 1 updated, 2 unchanged"


def test_an_export_imports_into_an_empty_site_as_the_same_links(editor, links):
    text = decode(exported_csv(editor))
    fields = [column for column in COLUMNS if column != "partner"]
    before = {link.slug: [getattr(link, name) for name in fields] for link in links}
    AffiliateLink.objects.all().delete()

    plan = apply_import(text)

    assert plan.summary() == "3 created, 0 updated, 0 unchanged"
    after = {
        link.slug: [getattr(link, name) for name in fields] for link in AffiliateLink.objects.all()
    }
    assert after == before
