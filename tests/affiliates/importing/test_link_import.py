"""Importing links from CSV: every row or none, errors by line, and nothing changed twice."""

import re

import pytest
from django.db import IntegrityError
from wagtail.models import ModelLogEntry

from affiliates.importing import plan as importing
from affiliates.importing.plan import (
    ImportFileError,
    apply_import,
    check_beginning,
    decode,
    plan_import,
)
from affiliates.models import AffiliateLink, Partner
from tests.factories import AffiliateLinkFactory, PartnerFactory, browser_headers

pytestmark = pytest.mark.django_db

HEADER = (
    "name,slug,destination_url,partner,redirect_status,pass_query_parameters,is_active,"
    "fallback_url,notes\n"
)


def csv_text(*rows, header=HEADER):
    return header + "".join(f"{row}\n" for row in rows)


def test_a_file_of_new_links_creates_each_one_with_its_partner_and_settings():
    text = csv_text(
        "Acme coaching,acme-coaching,https://acme.example.com/?aff=1,Acme,307,yes,no,"
        "https://acme.example.com/,Renewed yearly",
        "Salary survey,salary-survey,https://survey.example.org/pay,,,,,,",
    )

    plan = apply_import(text)

    assert plan.applied
    assert plan.summary() == "2 created, 0 updated, 0 unchanged"
    acme = AffiliateLink.objects.get(slug="acme-coaching")
    assert acme.name == "Acme coaching"
    assert acme.destination_url == "https://acme.example.com/?aff=1"
    assert acme.partner.name == "Acme"
    assert acme.redirect_status == 307
    assert acme.pass_query_parameters is True
    assert acme.is_active is False
    assert acme.fallback_url == "https://acme.example.com/"
    assert acme.notes == "Renewed yearly"
    survey = AffiliateLink.objects.get(slug="salary-survey")
    # Empty cells give a new link the defaults.
    assert (survey.partner, survey.redirect_status) == (None, 302)
    assert (survey.pass_query_parameters, survey.is_active) == (False, True)


def test_only_name_slug_and_destination_columns_are_required():
    text = "slug,destination_url,name\nacme,https://acme.example.com/,Acme\n"

    plan = apply_import(text)

    assert plan.summary() == "1 created, 0 updated, 0 unchanged"
    assert AffiliateLink.objects.get().name == "Acme"


def test_one_bad_row_means_nothing_is_imported_and_each_error_names_its_csv_line():
    existing = AffiliateLinkFactory(slug="kept", destination_url="https://kept.example.com/")
    text = csv_text(
        "Fine,fine,https://fine.example.com/,,,,,,",
        'Kept,kept,https://changed.example.com/,,,,,,"Two-line\nnote"',
        "Script,script,javascript:alert(1),,,,,,",
        "Bad status,bad-status,https://x.example.com/,,303,maybe,,,",
    )

    plan = apply_import(text)

    assert not plan.applied
    assert [str(error) for error in plan.errors] == [
        "Line 5: destination_url: Enter a full web address starting with https:// or "
        "http:// (for example https://partner.example.com/offer).",
        "Line 6: pass_query_parameters: “maybe” is not one of true/false, yes/no or 1/0.",
        "Line 6: redirect_status: “303” is not one of 301, 302 or 307.",
    ]
    assert list(AffiliateLink.objects.values_list("slug", flat=True)) == ["kept"]
    existing.refresh_from_db()
    assert existing.destination_url == "https://kept.example.com/"


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    text = csv_text(
        "Acme coaching,acme-coaching,https://acme.example.com/,Acme,301,true,1,,Note",
        "Survey,survey,https://survey.example.org/,New partner,,,,,",
    )
    apply_import(text)
    before = list(AffiliateLink.objects.values_list("slug", "updated_at"))

    second = apply_import(text)

    assert second.summary() == "0 created, 0 updated, 2 unchanged"
    assert list(AffiliateLink.objects.values_list("slug", "updated_at")) == before
    assert Partner.objects.count() == 2


def test_updating_an_existing_link_changes_only_what_differs():
    link = AffiliateLinkFactory(
        name="Acme coaching",
        slug="acme-coaching",
        destination_url="https://acme.example.com/old",
        partner=PartnerFactory(name="Acme"),
        redirect_status=307,
        notes="Renewed yearly",
    )
    text = csv_text(
        "Acme coaching,acme-coaching,https://acme.example.com/new,Acme,307,no,yes,,Renewed yearly"
    )

    plan = apply_import(text)

    [row] = plan.updates
    assert [(change.field, change.old, change.new) for change in row.changes] == [
        ("destination_url", "https://acme.example.com/old", "https://acme.example.com/new")
    ]
    link.refresh_from_db()
    assert link.destination_url == "https://acme.example.com/new"
    assert (link.name, link.partner.name, link.redirect_status) == ("Acme coaching", "Acme", 307)
    assert link.notes == "Renewed yearly"


def test_columns_left_out_and_empty_yes_no_or_status_cells_keep_what_the_link_has():
    link = AffiliateLinkFactory(
        slug="acme",
        partner=PartnerFactory(name="Acme"),
        is_active=False,
        redirect_status=301,
        fallback_url="https://acme.example.com/fallback",
        notes="Keep me",
    )
    text = csv_text(
        f"{link.name},acme,{link.destination_url},,,",
        header="name,slug,destination_url,is_active,redirect_status,pass_query_parameters\n",
    )

    plan = apply_import(text)

    assert plan.summary() == "0 created, 0 updated, 1 unchanged"
    link.refresh_from_db()
    assert (link.is_active, link.redirect_status, link.partner.name) == (False, 301, "Acme")
    assert (link.fallback_url, link.notes) == ("https://acme.example.com/fallback", "Keep me")


def test_an_empty_partner_fallback_or_notes_cell_clears_it():
    link = AffiliateLinkFactory(
        slug="acme", fallback_url="https://acme.example.com/fallback", notes="Old note"
    )

    plan = apply_import(csv_text(f"{link.name},acme,{link.destination_url},,,,,,"))

    [row] = plan.updates
    assert {change.field for change in row.changes} == {"partner", "fallback_url", "notes"}
    link.refresh_from_db()
    assert (link.partner, link.fallback_url, link.notes) == (None, "", "")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("true", True), ("Yes", True), ("1", True), ("FALSE", False), ("no", False), ("0", False)],
)
def test_yes_no_columns_take_true_false_yes_no_or_1_0(cell, expected):
    apply_import(csv_text(f"Acme,acme,https://acme.example.com/,,,{cell},{cell},,"))

    link = AffiliateLink.objects.get()
    assert (link.pass_query_parameters, link.is_active) == (expected, expected)


@pytest.mark.parametrize(
    "address",
    ["javascript:alert(1)", "data:text/html,hi", "/relative/path", "ftp://files.example.com/x"],
)
def test_destinations_and_fallbacks_must_be_http_or_https_addresses(address):
    text = csv_text(
        f"Bad destination,bad-destination,{address},,,,,,",
        f"Bad fallback,bad-fallback,https://ok.example.com/,,,,,{address},",
    )

    plan = plan_import(text)

    assert [(error.line, error.message.split(":")[0]) for error in plan.errors] == [
        (2, "destination_url"),
        (3, "fallback_url"),
    ]


def test_slugs_follow_the_admin_rules_and_are_unique_within_the_file():
    text = csv_text(
        "One,acme,https://one.example.com/,,,,,,",
        "Spaces,not a slug,https://two.example.com/,,,,,,",
        "Two,acme,https://three.example.com/,,,,,,",
        "No slug,,https://four.example.com/,,,,,,",
    )

    plan = plan_import(text)

    assert [str(error) for error in plan.errors] == [
        "Line 3: slug: Enter a valid “slug” consisting of letters, numbers, underscores or "
        "hyphens.",
        "Line 4: slug: “acme” is also on line 2.",
        "Line 5: slug: This field is required.",
    ]


def test_the_admin_rules_for_a_link_apply_to_each_row():
    text = csv_text(
        "Same,same,https://same.example.com/,,,,,https://same.example.com/,",
        f"{'x' * 201},long-name,https://long.example.com/,,,,,,",
    )

    plan = plan_import(text)

    assert [str(error) for error in plan.errors] == [
        "Line 2: fallback_url: The fallback must differ from the destination.",
        "Line 3: name: Ensure this value has at most 200 characters (it has 201).",
    ]


def test_partners_are_found_by_name_ignoring_case_and_new_ones_are_added_once():
    acme = PartnerFactory(name="Acme")
    text = csv_text(
        "One,one,https://one.example.com/,acme,,,,,",
        "Two,two,https://two.example.com/,Newco,,,,,",
        "Three,three,https://three.example.com/,NEWCO,,,,,",
    )

    plan = apply_import(text)

    assert plan.new_partners == ["Newco"]
    assert AffiliateLink.objects.get(slug="one").partner == acme
    newco = Partner.objects.get(name="Newco")
    assert set(newco.links.values_list("slug", flat=True)) == {"two", "three"}


def test_without_permission_to_add_partners_a_new_partner_is_a_row_error():
    plan = plan_import(
        csv_text("One,one,https://one.example.com/,Newco,,,,,"), can_add_partners=False
    )

    assert [str(error) for error in plan.errors] == [
        "Line 2: partner: there is no partner “Newco”, and you don't have permission to add "
        "partners."
    ]


def test_formula_looking_cells_are_kept_as_plain_text():
    text = csv_text(
        '"=HYPERLINK(""https://evil.example"")",formula,https://ok.example.com/,@SUM(A1),,,,,'
        "'-1+1",
    )

    apply_import(text)

    link = AffiliateLink.objects.get()
    assert link.name == '=HYPERLINK("https://evil.example")'
    assert link.partner.name == "@SUM(A1)"
    # The apostrophe a CSV export puts before formula-like text is taken off again.
    assert link.notes == "-1+1"


def test_headers_are_matched_loosely_and_the_exports_read_only_columns_are_skipped():
    text = (
        "Name, Slug ,Destination URL,reader_link,Active,updated_at\n"
        "Acme,acme,https://acme.example.com/,/go/acme/,false,2026-01-01\n"
    )

    apply_import(text)

    link = AffiliateLink.objects.get()
    assert (link.slug, link.is_active) == ("acme", False)


def test_blank_lines_are_skipped_and_line_numbers_count_every_line_of_the_file():
    text = csv_text("", "Fine,fine,https://fine.example.com/,,,,,,", "", "Bad,bad,nope,,,,,,")

    plan = plan_import(text)

    assert [error.line for error in plan.errors] == [5]


def test_a_row_with_more_cells_than_the_header_is_an_error():
    plan = plan_import(csv_text("Acme,acme,https://acme.example.com/,,,,,,,surprise"))

    assert [str(error) for error in plan.errors] == [
        "Line 2: this row has 10 cells but the header has 9."
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("\n\n", "The file is empty."),
        (HEADER, "The file has a header row but no links below it."),
        (
            "name,slug\nAcme,acme\n",
            "The header row (line 1) has no destination_url column.",
        ),
        (
            "name,slug,destination_url,colour\n",
            "The header row (line 1) has unknown column “colour”.",
        ),
        (
            "name,slug,destination_url,slug\n",
            "The header row (line 1) has the slug column appears twice.",
        ),
        (
            "name;slug;destination_url\n",
            "the file seems to use semicolons; save it with commas instead",
        ),
    ],
)
def test_a_file_without_the_right_header_or_rows_is_refused_as_a_whole(text, message):
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_import(text)


def test_a_file_that_is_not_utf8_gets_a_clear_error():
    data = "name,slug,destination_url\nCafé,cafe,https://cafe.example.com/\n".encode("latin-1")

    with pytest.raises(ImportFileError) as error:
        decode(data)

    assert str(error.value) == (
        "The file isn't UTF-8 text (byte 0xe9 on line 2). Save it as “CSV UTF-8” and upload "
        "it again."
    )


def test_a_utf8_file_with_a_byte_order_mark_is_read():
    data = "\ufeffname,slug,destination_url\nCafé,cafe,https://cafe.example.com/\n".encode()

    plan = apply_import(decode(data))

    assert plan.applied
    assert AffiliateLink.objects.get().name == "Café"


def test_a_spreadsheet_workbook_is_refused_with_a_hint():
    with pytest.raises(ImportFileError, match="looks like a spreadsheet workbook"):
        decode(b"PK\x03\x04rest of the zip")


def test_files_over_fifty_megabytes_are_refused():
    with pytest.raises(ImportFileError, match="files up to 50 MB can be imported"):
        decode(b"x" * (importing.MAX_FILE_BYTES + 1))


def test_a_file_of_more_links_than_the_old_five_thousand_cap_is_planned_in_full():
    text = csv_text(*(f"Link {n},link-{n},https://x.example.com/{n},,,,,," for n in range(6_000)))
    checked = []

    plan = plan_import(text, on_checked=lambda done, rows: checked.append((done, rows)))

    assert plan.errors == []
    assert len(plan.creates) == 6_000
    assert checked[0] == (0, 6_000) and checked[-1] == (5_900, 6_000)
    assert not AffiliateLink.objects.exists()


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"name,slug\nAcme,acme\n", "The header row (line 1) has no destination_url column."),
        (b"\n\n" + b"x" * 100, "hold no header row"),
        (b"name,slug,destination_url\nCaf\xe9,cafe,https://x.org/\n", "isn't UTF-8 text"),
        (b"PK\x03\x04\x14\x00", "looks like a spreadsheet workbook"),
    ],
)
def test_the_beginning_of_a_large_file_is_enough_to_refuse_it(head, message):
    with pytest.raises(ImportFileError, match=re.escape(message)):
        check_beginning(head, whole=False)


def test_a_beginning_cut_inside_a_character_or_a_row_is_not_an_error():
    head = "name,slug,destination_url\nCafé,cafe,https://x.org/\nCafé,ca".encode()[:-4]
    assert head.endswith(b"Caf\xc3")

    check_beginning(head, whole=False)


def test_a_failure_while_saving_rolls_back_the_rows_already_saved(monkeypatch):
    real_save = AffiliateLink.save

    def save(link, *args, **kwargs):
        if link.slug == "second":
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_save(link, *args, **kwargs)

    monkeypatch.setattr(AffiliateLink, "save", save)
    text = csv_text(
        "First,first,https://one.example.com/,Newco,,,,,",
        "Second,second,https://two.example.com/,,,,,,",
    )

    with pytest.raises(ImportFileError, match="nothing was imported"):
        apply_import(text)

    assert not AffiliateLink.objects.exists()
    assert not Partner.objects.exists()


def test_imported_changes_appear_in_each_links_history():
    link = AffiliateLinkFactory(slug="acme")

    apply_import(
        csv_text(
            f"{link.name},acme,https://new.example.com/,,,,,,",
            "Fresh,fresh,https://fresh.example.com/,,,,,,",
        )
    )

    actions = set(ModelLogEntry.objects.values_list("object_id", "action"))
    fresh = AffiliateLink.objects.get(slug="fresh")
    assert {(str(link.pk), "wagtail.edit"), (str(fresh.pk), "wagtail.create")} <= actions


def test_readers_follow_the_imported_destination_straight_away(client):
    link = AffiliateLinkFactory(slug="acme", destination_url="https://old.example.com/")
    assert client.get("/go/acme/", **browser_headers())["Location"] == "https://old.example.com/"

    apply_import(csv_text(f"{link.name},acme,https://new.example.com/,,,,,,"))

    assert client.get("/go/acme/", **browser_headers())["Location"] == "https://new.example.com/"


def test_destinations_and_fallbacks_inside_a_private_network_or_on_odd_ports_are_row_errors():
    text = csv_text(
        "Metadata,metadata,http://169.254.169.254/latest/meta-data/,,,,,,",
        "Redis,redis,http://localhost:6379/,,,,,,",
        "Office,office,http://10.0.0.5:8080/,,,,,,",
        "Mapped,mapped,http://[::ffff:127.0.0.1]/,,,,,,",
        "Odd port,odd-port,https://partner.example.com:8443/offer,,,,,,",
        "Bad fallback,bad-fallback,https://ok.example.com/,,,,,http://192.168.1.1/,",
        "Fine,fine,https://partner.example.com/offer,,,,,,",
    )

    plan = apply_import(text)

    private = "This address points inside a private network; links must lead to a public website."
    assert [str(error) for error in plan.errors] == [
        f"Line 2: destination_url: {private}",
        f"Line 3: destination_url: {private}",
        f"Line 4: destination_url: {private}",
        f"Line 5: destination_url: {private}",
        "Line 6: destination_url: This address uses port 8443, not a standard web port "
        "(80 or 443); links must lead to a public website.",
        f"Line 7: fallback_url: {private}",
    ]
    assert not plan.applied
    assert not AffiliateLink.objects.exists()
