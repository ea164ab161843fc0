"""Text that survives a trip through a spreadsheet, both ways.

Spreadsheet programs run a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula, so CSV we write puts an apostrophe in front of such text
(the convention spreadsheets themselves use for "this is text"). CSV we read takes that
apostrophe off again, so an exported file imports unchanged. Cells are never evaluated.
"""

import datetime

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text):
    """``text`` as a CSV cell no spreadsheet will run as a formula."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def unguarded(text):
    """Undo ``spreadsheet_safe``: ``'=SUM(A1)`` reads back as ``=SUM(A1)``."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def write_xlsx(output, headings, rows, sheet_title="Sheet1"):
    """Write ``rows`` (sequences of cell values) under ``headings`` as a workbook.

    Strings are always stored as text, never formulas; aware datetimes are written in
    the site's time zone (spreadsheets have no time zones).
    """
    from django.utils import timezone
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True, iso_dates=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.append(list(headings))

    def cell(value):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.make_naive(value)
        result = WriteOnlyCell(sheet, value)
        if result.data_type == "f":
            result.data_type = "s"
        if isinstance(value, datetime.datetime):
            result.number_format = "yyyy-mm-dd hh:mm:ss"
        return result

    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(output)
