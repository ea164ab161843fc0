"""Text that survives a trip through a spreadsheet, both ways: the one formula guard.

Spreadsheet programs run a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula, so CSV we write puts an apostrophe in front of such text
(the convention spreadsheets themselves use for "this is text"). CSV we read takes that
apostrophe off again, so an exported file imports unchanged. Workbook cells are stored
as text, never as formulas. Cells are never evaluated.

Every export goes through here: admin listings and reports through
``FormulaSafeExportMixin`` (Wagtail's ``SpreadsheetExportMixin``, guarded), the raw click
export through ``spreadsheet_safe`` and ``write_xlsx``. tests/affiliates/
test_spreadsheet_exports.py finds every export in the admin and fails for one that isn't.
"""

import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, TypeVar

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from .days import site_timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_Value = TypeVar("_Value")


def spreadsheet_safe(value: _Value) -> _Value | str:
    """``value`` as a CSV cell no spreadsheet will run as a formula (non-text is left alone)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def unguarded(text: str) -> str:
    """Undo ``spreadsheet_safe``: ``'=SUM(A1)`` reads back as ``=SUM(A1)``."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def worksheet_cell(sheet: Any, value: object, number_format: str | None = None) -> Any:
    """A cell for a write-only ``sheet`` holding ``value``, never a formula.

    openpyxl stores text starting with ``=`` as a formula; it is stored as text instead.
    Control characters a workbook cannot hold (openpyxl refuses the whole file) become
    U+FFFD, so the export still opens and shows where they were.
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value)
    if cell.data_type == "f":
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def write_xlsx(
    output: IO[bytes],
    headings: Sequence[str],
    rows: Iterable[Sequence[object]],
    sheet_title: str = "Sheet1",
) -> None:
    """Write ``rows`` (sequences of cell values) under ``headings`` as a workbook.

    Aware datetimes are written in the site's time zone (spreadsheets have no time zones).
    """
    workbook = Workbook(write_only=True, iso_dates=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.append([worksheet_cell(sheet, heading) for heading in headings])

    def cell(value: object) -> Any:
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.make_naive(value, site_timezone())
            return worksheet_cell(sheet, value, number_format="yyyy-mm-dd hh:mm:ss")
        return worksheet_cell(sheet, value)

    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(output)


class FormulaSafeExportMixin(SpreadsheetExportMixin):
    """Wagtail's CSV/XLSX export for listings and reports, with every cell guarded.

    Every admin view with an export uses this instead of Wagtail's mixin.
    """

    def write_csv_row(self, writer: Any, row_dict: Mapping[str, object]) -> Any:
        return writer.writerow(
            {
                field: spreadsheet_safe(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )

    def generate_xlsx_row(
        self, worksheet: Any, row_dict: Mapping[str, object], date_format: str | None = None
    ) -> Iterator[Any]:
        for field, value in row_dict.items():
            yield worksheet_cell(
                worksheet,
                self.preprocess_field_value(field, value, self.FORMAT_XLSX),
                number_format=date_format if isinstance(value, datetime.datetime) else None,
            )
