"""manage.py import_affiliate_links: the same import as the admin, with an exit status."""

import io

import pytest
from django.core.management import CommandError, call_command

from affiliates.models import AffiliateLink
from tests.factories import AffiliateLinkFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "name,slug,destination_url,partner,is_active\n"
    "Acme coaching,acme-coaching,https://acme.example.com/new,Acme,yes\n"
    "Salary survey,salary-survey,https://survey.example.org/pay,,\n"
)
BAD = (
    "name,slug,destination_url\n"
    "Fine,fine,https://fine.example.com/\n"
    "Script,script,javascript:alert(1)\n"
)


@pytest.fixture
def csv_file(tmp_path):
    def write(text, name="links.csv"):
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    return write


def run(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_affiliate_links", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_the_command_imports_the_file_and_prints_what_it_did(csv_file):
    AffiliateLinkFactory(slug="acme-coaching", name="Acme coaching", partner__name="Acme")
    path = csv_file(GOOD)

    stdout, _ = run(str(path))

    assert "Line 2: update acme-coaching (destination_url: " in stdout
    assert "Line 3: create salary-survey" in stdout
    assert f"Imported {path}: 1 created, 1 updated, 0 unchanged." in stdout
    assert AffiliateLink.objects.get(slug="acme-coaching").destination_url == (
        "https://acme.example.com/new"
    )


def test_running_the_command_again_reports_everything_unchanged(csv_file):
    path = csv_file(GOOD)
    run(str(path))

    stdout, _ = run(str(path))

    assert "0 created, 0 updated, 2 unchanged" in stdout


def test_a_dry_run_shows_what_would_change_and_changes_nothing(csv_file):
    stdout, _ = run(str(csv_file(GOOD)), "--dry-run")

    assert "Line 2: create acme-coaching" in stdout
    assert "Dry run, nothing changed. Would be: 2 created, 0 updated, 0 unchanged." in stdout
    assert not AffiliateLink.objects.exists()


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_row_errors_are_printed_by_line_and_the_command_exits_non_zero(csv_file, dry_run):
    path, stderr = csv_file(BAD), io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(
            "import_affiliate_links",
            str(path),
            *dry_run,
            stdout=io.StringIO(),
            stderr=stderr,
        )

    assert error.value.returncode == 1
    assert str(error.value).endswith(f"1 error in {path}; nothing was imported.")
    assert stderr.getvalue().startswith("Line 3: destination_url: Enter a full web address")
    assert not AffiliateLink.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Nothing was imported. The file is empty."),
        (b"name,slug\n", "Nothing was imported. The header row (line 1) has no destination_url"),
        (b"name,slug,destination_url\n\xff\xfe,x,y\n", "isn't UTF-8 text (byte 0xff on line 2)"),
    ],
)
def test_a_file_that_cannot_be_imported_exits_non_zero_with_the_reason(csv_file, content, message):
    with pytest.raises(
        CommandError, match=message.replace("(", r"\(").replace(")", r"\)")
    ) as error:
        run(str(csv_file(content)))

    assert error.value.returncode == 1


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Can't read .*missing.csv: No such file"):
        run(str(tmp_path / "missing.csv"))
