"""Import affiliate links from CSV: read the file, check every row, compare with the site, apply.

One file is one change: ``plan_import`` reads and checks every row and works out what
would be created, updated or left alone, touching nothing; ``apply_import`` does the
same inside a transaction and saves only if no row has an error. Rows are matched to
existing links by slug, so importing the same file twice changes nothing the second
time, and a file exported from the listing imports with no changes.

The columns (header row required, in any order; only the first three are required)::

    name, slug, destination_url, partner, redirect_status, pass_query_parameters,
    is_active, fallback_url, notes

Rows are checked with the admin's own form (``AffiliateLinkForm``), so the rules are the
editor's: http(s)-only destinations and fallbacks on public websites (nothing inside a
private network, no port but 80 or 443; see ``careersite.outbound``), slug format, field
lengths, a fallback different from the destination. A column left out leaves that field
as it is on existing links (new links get the default). An empty *partner*,
*fallback_url* or *notes* cell clears the field; an empty yes/no or *redirect_status*
cell leaves it as it is.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from wagtail.admin.forms.models import formfield_for_dbfield
from wagtail.log_actions import LogContext, log

from affiliates.links.forms import AffiliateLinkForm
from affiliates.links.models import AffiliateLink, Partner
from affiliates.spreadsheets import unguarded

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: One CSV row: its line in the file and ``{column: cell}``.
Row = tuple[int, dict[str, str]]

COLUMNS = (
    "name",
    "slug",
    "destination_url",
    "partner",
    "redirect_status",
    "pass_query_parameters",
    "is_active",
    "fallback_url",
    "notes",
)
REQUIRED_COLUMNS = ("name", "slug", "destination_url")
#: Columns the listing's export adds for people reading it; an import skips them.
READ_ONLY_COLUMNS = ("reader_link", "updated_at")
#: Other spellings of column names, after lower-casing and turning spaces into ``_``.
COLUMN_ALIASES = {"active": "is_active", "destination": "destination_url"}

#: The largest file taken, uploaded or given to the command. Rows are not limited: the
#: admin checks and applies a file in the job worker, never inside a web request.
MAX_FILE_BYTES = 50 * 1024 * 1024
PROGRESS_EVERY = 100
#: How much of an upload is checked while the editor waits (the encoding and the header
#: row); the job checks the rest.
BEGINNING_BYTES = 64 * 1024

BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
BOOLEAN_COLUMNS = ("pass_query_parameters", "is_active")
REDIRECT_STATUSES = {str(status): status for status in AffiliateLink.RedirectStatus.values}
#: Fields the row form checks and the link stores as they are (the partner is found by name).
FORM_FIELDS = tuple(column for column in COLUMNS if column != "partner")
# A CharField: it always has a max_length.
PARTNER_NAME_MAX_LENGTH = cast(int, Partner._meta.get_field("name").max_length)

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


class ImportFileError(Exception):
    """The file as a whole can't be imported (unreadable, too big, wrong header)."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class RowPlan:
    """What importing one CSV row would do to the link with its slug."""

    line: int
    action: str
    link: AffiliateLink
    partner_name: str | None = None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class ImportPlan:
    """Every row's fate, the row errors, and the partners the file would add."""

    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_partners: list[str] = field(default_factory=list)
    applied: bool = False

    def _with(self, action: str) -> list[RowPlan]:
        return [row for row in self.rows if row.action == action]

    @property
    def creates(self) -> list[RowPlan]:
        return self._with(CREATE)

    @property
    def updates(self) -> list[RowPlan]:
        return self._with(UPDATE)

    @property
    def unchanged(self) -> list[RowPlan]:
        return self._with(UNCHANGED)

    @property
    def has_changes(self) -> bool:
        return any(row.action != UNCHANGED for row in self.rows)

    def summary(self) -> str:
        """``"2 created, 1 updated, 3 unchanged"`` (what did, or would, happen)."""
        return (
            f"{len(self.creates)} created, {len(self.updates)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def _row_form_field(db_field: models.Field[Any, Any], **kwargs: Any) -> Any:
    if isinstance(db_field, models.URLField):
        # Replaced by AffiliateLinkForm's WebAddressField, which requires a scheme.
        kwargs.setdefault("assume_scheme", "https")
    return formfield_for_dbfield(db_field, **kwargs)


class LinkRowForm(AffiliateLinkForm):
    """The admin's link form, for one row (the partner is matched by name, not chosen)."""

    class Meta:
        model = AffiliateLink
        fields = FORM_FIELDS
        formfield_callback = _row_form_field

    def validate_unique(self) -> None:
        # Slugs are checked once for the whole file: an existing slug is an update, and
        # the same slug twice in the file is an error. The database still refuses
        # duplicates if another editor adds the slug meanwhile (see apply_import).
        pass


def decode(data: bytes, *, final: bool = True) -> str:
    """The text of an uploaded file, or ``ImportFileError`` saying what's wrong with it.

    ``final=False``: ``data`` is the file's beginning, which may end inside a character.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; files up to "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB can be imported. Split it into smaller files."
        )
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "This looks like a spreadsheet workbook, not a CSV file. Save it as "
            "“CSV UTF-8 (comma delimited)” and upload that."
        )
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=final)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file isn't UTF-8 text (byte 0x{data[error.start]:02x} on line {line}). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None


def check_beginning(head: bytes, *, whole: bool) -> None:
    """``ImportFileError`` if the file's first ``BEGINNING_BYTES`` already show it can't
    be imported (its encoding, its header row), so the editor hears of it at once.

    ``whole``: ``head`` is the whole file, and is read through.
    """
    if whole:
        read_rows(decode(head))
        return
    text = decode(head, final=False)
    # Only whole lines: the last one may have been cut in the middle.
    reader = csv.reader(io.StringIO(text[: text.rfind("\n") + 1], newline=""))
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                _read_header(cells, reader.line_num)
                return
    except csv.Error:
        pass  # perhaps a quoted cell cut short; the job reads the whole file
    raise ImportFileError(f"The first {BEGINNING_BYTES // 1024} KB of the file hold no header row.")


def _column_name(heading: str) -> str:
    name = "_".join(heading.strip().lower().replace("-", " ").split())
    return COLUMN_ALIASES.get(name, name)


def _read_header(cells: list[str], line: int) -> dict[str, int]:
    """{column: index} from the header row, or ``ImportFileError`` listing every problem."""
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, heading in enumerate(cells):
        name = _column_name(heading)
        if not name or name in READ_ONLY_COLUMNS:
            continue
        if name not in COLUMNS:
            problems.append(f"unknown column “{heading.strip()}”")
        elif name in columns:
            problems.append(f"the {name} column appears twice")
        else:
            columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(f"no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}")
    if problems:
        if len(cells) == 1 and ";" in cells[0]:
            problems.append("the file seems to use semicolons; save it with commas instead")
        raise ImportFileError(
            f"The header row (line {line}) has {'; '.join(problems)}. The first row must name "
            f"the columns: {', '.join(COLUMNS)} (only {', '.join(REQUIRED_COLUMNS)} are "
            "required)."
        )
    return columns


def read_rows(text: str) -> tuple[dict[str, int], list[Row], list[RowError]]:
    """The header's columns, ``(line, {column: cell})`` for each non-blank row, and the
    errors of rows that can't be read as links."""
    reader = csv.reader(io.StringIO(text, newline=""))
    columns: dict[str, int] | None = None
    rows: list[Row] = []
    errors: list[RowError] = []
    try:
        while True:
            line = reader.line_num + 1  # where this record starts (a cell may span lines)
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns, width = _read_header(cells, line), len(cells)
                continue
            if any(cell.strip() for cell in cells[width:]):
                errors.append(
                    RowError(line, f"this row has {len(cells)} cells but the header has {width}.")
                )
                continue
            values = {
                name: unguarded(cells[index]).strip() if index < len(cells) else ""
                for name, index in columns.items()
            }
            rows.append((line, values))
    except csv.Error as error:
        raise ImportFileError(
            f"Line {reader.line_num} can't be read as CSV ({error}). Check its quotes."
        ) from None
    if columns is None:
        raise ImportFileError("The file is empty.")
    if not rows and not errors:
        raise ImportFileError("The file has a header row but no links below it.")
    return columns, rows, errors


def _existing_links(slugs: Iterable[str]) -> dict[str, AffiliateLink]:
    links: dict[str, AffiliateLink] = {}
    slugs = sorted(slugs)
    for start in range(0, len(slugs), 500):
        batch = AffiliateLink.objects.filter(slug__in=slugs[start : start + 500])
        links.update((link.slug, link) for link in batch.select_related("partner", "locked_by"))
    return links


def _display(value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _parse_choices(
    values: dict[str, str], link: AffiliateLink, problems: list[str]
) -> dict[str, Any]:
    """Form data for the yes/no and redirect status cells (blank: as the link has it)."""
    data: dict[str, Any] = {}
    for name in BOOLEAN_COLUMNS:
        cell = values.get(name, "")
        data[name] = getattr(link, name)
        if cell:
            if cell.lower() in BOOLEAN_WORDS:
                data[name] = BOOLEAN_WORDS[cell.lower()]
            else:
                problems.append(f"{name}: “{cell}” is not one of true/false, yes/no or 1/0.")
    cell = values.get("redirect_status", "")
    data["redirect_status"] = link.redirect_status
    if cell:
        if cell in REDIRECT_STATUSES:
            data["redirect_status"] = REDIRECT_STATUSES[cell]
        else:
            problems.append(f"redirect_status: “{cell}” is not one of 301, 302 or 307.")
    return data


class _Partners:
    """Partners by name (exact, else the one whose name matches ignoring case), and new ones."""

    def __init__(self, can_add: bool) -> None:
        self.can_add = can_add
        self.by_name = {partner.name: partner.name for partner in Partner.objects.all()}
        folded: dict[str, list[str]] = {}
        for name in self.by_name:
            folded.setdefault(name.casefold(), []).append(name)
        self.by_folded = {key: names[0] for key, names in folded.items() if len(names) == 1}
        self.new: dict[str, str] = {}

    def resolve(self, cell: str, problems: list[str]) -> str | None:
        """The partner name a cell means (None for none), noting partners to add."""
        if not cell:
            return None
        if cell in self.by_name:
            return cell
        if cell.casefold() in self.by_folded:
            return self.by_folded[cell.casefold()]
        if len(cell) > PARTNER_NAME_MAX_LENGTH:
            problems.append(
                f"partner: a partner name has at most {PARTNER_NAME_MAX_LENGTH} characters "
                f"(this one has {len(cell)})."
            )
            return None
        if not self.can_add:
            problems.append(
                f"partner: there is no partner “{cell}”, and you don't have permission to "
                "add partners."
            )
            return None
        return self.new.setdefault(cell.casefold(), cell)


def _locked_against(link: AffiliateLink | None, user: User | None) -> str | None:
    """Why ``user`` may not change ``link`` because of a lock, or None."""
    if link is None or not link.locked:
        return None
    if user is not None and link.locked_by_id == user.pk:
        return None
    who = f" by {link.locked_by.get_username()}" if link.locked_by_id else ""
    return f"the link “{link.slug}” is locked{who}; unlock it in the admin first."


def _plan_row(
    line: int,
    values: dict[str, str],
    columns: dict[str, int],
    existing: AffiliateLink | None,
    partners: _Partners,
    user: User | None = None,
) -> tuple[RowPlan | None, list[RowError]]:
    if locked := _locked_against(existing, user):
        return None, [RowError(line, locked)]
    link = existing or AffiliateLink()
    before = {name: getattr(link, name) for name in FORM_FIELDS}
    partner = link.partner if link.partner_id else None
    before_partner = partner.name if partner is not None else None
    problems: list[str] = []

    data = {
        name: values[name] if name in columns else before[name]
        for name in ("name", "slug", "destination_url", "fallback_url", "notes")
    }
    data.update(_parse_choices(values, link, problems))
    form = LinkRowForm(data=data, instance=link)
    if not form.is_valid():
        for name, messages in form.errors.items():
            prefix = "" if name == "__all__" else f"{name}: "
            problems += [f"{prefix}{message}" for message in messages]

    partner_name = before_partner
    if "partner" in columns:
        partner_name = partners.resolve(values["partner"], problems)
    if problems:
        return None, [RowError(line, problem) for problem in problems]

    if existing is None:
        return RowPlan(line, CREATE, link, partner_name), []
    after = {name: getattr(link, name) for name in FORM_FIELDS}
    before["partner"], after["partner"] = before_partner, partner_name
    changes = [
        FieldChange(name, _display(before[name]), _display(after[name]))
        for name in COLUMNS
        if after[name] != before[name]
    ]
    return RowPlan(line, UPDATE if changes else UNCHANGED, link, partner_name, changes), []


def plan_import(
    text: str,
    *,
    can_add_partners: bool = True,
    user: User | None = None,
    on_checked: Callable[[int, int], object] | None = None,
) -> ImportPlan:
    """What importing ``text`` (CSV) would do, for ``user`` (None: a command). Changes nothing.

    A row for a link locked by someone else is an error, whatever it would change.
    ``on_checked(checked, rows)`` is called every ``PROGRESS_EVERY`` rows (a job's progress).

    Raises ``ImportFileError`` if the file as a whole can't be used; problems with
    single rows are in the plan's ``errors``, each with its line in the file.
    """
    columns, rows, errors = read_rows(text)
    existing = _existing_links(values["slug"] for _, values in rows if values["slug"])
    partners = _Partners(can_add_partners)
    plan = ImportPlan(errors=errors)
    first_line_of: dict[str, int] = {}
    for checked, (line, values) in enumerate(rows):
        if on_checked and checked % PROGRESS_EVERY == 0:
            on_checked(checked, len(rows))
        slug = values["slug"]
        if slug in first_line_of:
            plan.errors.append(
                RowError(line, f"slug: “{slug}” is also on line {first_line_of[slug]}.")
            )
            continue
        if slug:
            first_line_of[slug] = line
        row, row_errors = _plan_row(line, values, columns, existing.get(slug), partners, user)
        plan.errors += row_errors
        if row:
            plan.rows.append(row)
    plan.errors.sort(key=lambda error: error.line)
    plan.new_partners = sorted(partners.new.values(), key=str.casefold)
    return plan


def apply_import(
    text: str,
    *,
    user: User | None = None,
    can_add_partners: bool = True,
    on_saved: Callable[[int, int], object] | None = None,
) -> ImportPlan:
    """Import ``text`` (CSV) in one transaction: every row, or, if any row has an error, none.

    Returns the plan as carried out (``applied`` is False if there were errors). Raises
    ``ImportFileError`` if the file can't be used, or if another change to the links
    got in the way (nothing is imported then either). ``on_saved(saved, to_save)`` is
    called after each link is saved (a job's progress).
    """
    try:
        # The log context names the importer in the history entries the links write
        # themselves (a changed destination, see affiliates.models).
        with LogContext(user=user), transaction.atomic():
            plan = plan_import(text, can_add_partners=can_add_partners, user=user)
            if plan.errors:
                return plan
            partners = {partner.name: partner for partner in Partner.objects.all()}
            for name in plan.new_partners:
                partners[name] = Partner.objects.create(name=name)
                log(instance=partners[name], action="wagtail.create", user=user)
            changes = [row for row in plan.rows if row.action != UNCHANGED]
            for saved, row in enumerate(changes, start=1):
                row.link.partner = partners[row.partner_name] if row.partner_name else None
                row.link.save()
                # A revision, as an edit in the admin makes: the link's history can
                # show and compare it.
                revision = row.link.save_revision(user=user, clean=False)
                action = "wagtail.create" if row.action == CREATE else "wagtail.edit"
                log(instance=row.link, action=action, user=user, revision=revision)
                if on_saved:
                    on_saved(saved, len(changes))
            plan.applied = True
            return plan
    except (IntegrityError, ValidationError) as error:
        raise ImportFileError(
            "Someone changed the affiliate links while the file was being imported, so "
            f"nothing was imported ({error}). Please try again."
        ) from error
