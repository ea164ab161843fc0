"""Reading networks' conversion reports: each format's columns, dates and statuses,
into ``ConversionRow``s, or per-line errors that say what to fix.

A file is read whole before anything is stored: one bad line means nothing is applied.
"""

import csv
import dataclasses
import datetime
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from affiliates.days import site_timezone

from .models import Conversion

PENDING, APPROVED, DECLINED, PAID = (
    Conversion.Status.PENDING,
    Conversion.Status.APPROVED,
    Conversion.Status.DECLINED,
    Conversion.Status.PAID,
)
ISO_DATES = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
#: Amounts are stored with 12 digits before the point.
LARGEST_AMOUNT = Decimal("1e12")
#: Sales dated outside these years are a report's mistake, not a sale.
EARLIEST_YEAR, LATEST_YEAR = 1990, 2199
#: Columns a report may leave out.
OPTIONAL_COLUMNS = {"sale_amount", "currency", "click_id", "asin"}
#: Title lines an export may have above its header.
MAX_TITLE_LINES = 5
#: A currency marked on an amount column's name: "Revenue($)", "Ad Fees (£)", "Fee (EUR)".
_CURRENCY_MARK = re.compile(r"(?P<name>.+?)\s*\(\s*(?P<mark>[$£€]|[A-Z]{3})\s*\)")
#: ``$`` is read as US dollars: Amazon's other dollar marketplaces need a currency column.
CURRENCY_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR"}
#: Codes a column may be marked with: the networks' usual currencies (ISO 4217).
CURRENCY_CODES = frozenset(
    "AED AUD BRL CAD CHF CNY CZK DKK EUR GBP HKD HUF INR JPY MXN NOK NZD PLN RON SAR SEK "
    "SGD TRY USD ZAR".split()
)
#: Control characters: no id has them, and a workbook cannot hold most of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ConversionRow:
    line: int
    transaction_id: str
    click_id: str
    tracking_id: str
    converted_at: datetime.datetime
    status: str
    sale_amount: Decimal | None
    commission: Decimal
    currency: str


@dataclass(frozen=True)
class ReportFormat:
    """A network's report: which column holds what, and how it writes dates and statuses."""

    name: str
    label: str
    network: str
    columns: dict[str, str]  # our field: the report's column header
    statuses: dict[str, str]  # the report's status (lower case): ours
    date_formats: tuple[str, ...] = ISO_DATES
    default_currency: str = ""
    #: Every column must be one of ``columns`` (the generic format is exact).
    strict: bool = False
    #: Reports without a transaction id (Amazon): one is made from these columns.
    transaction_from: tuple[str, ...] = field(default=())


GENERIC = ReportFormat(
    name="generic",
    label="Generic CSV",
    network="Other network",
    columns={
        "transaction_id": "transaction_id",
        "click_id": "click_id",
        "date": "date",
        "status": "status",
        "sale_amount": "sale_amount",
        "commission": "commission",
        "currency": "currency",
    },
    statuses={"pending": PENDING, "approved": APPROVED, "declined": DECLINED, "paid": PAID},
    strict=True,
)

FORMATS = {
    report.name: report
    for report in (
        GENERIC,
        ReportFormat(
            name="awin",
            label="Awin transactions",
            network="Awin",
            columns={
                "transaction_id": "Transaction ID",
                "click_id": "Click Ref",
                "date": "Transaction Date",
                "status": "Commission Status",
                "sale_amount": "Sale Amount",
                "commission": "Commission Amount",
                "currency": "Currency",
            },
            statuses={
                "pending": PENDING,
                "approved": APPROVED,
                "declined": DECLINED,
                "deleted": DECLINED,
                "paid": PAID,
            },
            date_formats=(*ISO_DATES, "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
        ),
        ReportFormat(
            name="cj",
            label="CJ commission detail",
            network="CJ",
            columns={
                "transaction_id": "Action ID",
                "click_id": "SID",
                "date": "Event Date",
                "status": "Action Status",
                "sale_amount": "Sale Amount",
                "commission": "Publisher Commission",
                "currency": "Currency",
            },
            statuses={
                "new": PENDING,
                "extended": PENDING,
                "locked": APPROVED,
                "closed": PAID,
                "corrected": APPROVED,
                "declined": DECLINED,
            },
        ),
        ReportFormat(
            name="impact",
            label="Impact actions",
            network="Impact",
            columns={
                "transaction_id": "Action Id",
                "click_id": "SubId1",
                "date": "Event Date",
                "status": "Status",
                "sale_amount": "Sale Amount",
                "commission": "Payout",
                "currency": "Currency",
            },
            statuses={
                "pending": PENDING,
                "approved": APPROVED,
                "reversed": DECLINED,
                "paid": PAID,
            },
        ),
        ReportFormat(
            name="shareasale",
            label="ShareASale transactions",
            network="ShareASale",
            columns={
                "transaction_id": "Trans ID",
                "click_id": "Afftrack",
                "date": "Trans Date",
                "status": "Status",
                "sale_amount": "Sale Amount",
                "commission": "Commission",
            },
            statuses={
                "pending": PENDING,
                "locked": APPROVED,
                "paid": PAID,
                "voided": DECLINED,
            },
            date_formats=(*ISO_DATES, "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"),
            # ShareASale pays and reports in US dollars.
            default_currency="USD",
        ),
        ReportFormat(
            name="amazon",
            label="Amazon Associates earnings (by tracking ID)",
            network="Amazon Associates",
            columns={
                "tracking_id": "Tracking ID",
                "date": "Date Shipped",
                "sale_amount": "Revenue",
                "commission": "Ad Fees",
                "asin": "ASIN",
            },
            # Shipped items have earned their fee; returns come as negative fees.
            statuses={},
            date_formats=(*ISO_DATES, "%m/%d/%Y"),
            default_currency="USD",
            transaction_from=("tracking_id", "date", "asin"),
        ),
    )
}


class ReportErrors(Exception):
    """The file cannot be applied: ``errors`` are ``(line, message)`` pairs."""

    def __init__(self, errors):
        super().__init__("; ".join(f"line {line}: {message}" for line, message in errors))
        self.errors = errors


def decode(data: bytes) -> str:
    """The file as text: UTF-8, with or without a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReportErrors(
            [(line, "This is not UTF-8 text: save the report as “CSV UTF-8” and upload it again.")]
        ) from error


def _amount(text, what, required=True):
    text = text.strip().replace(" ", "")
    if not text:
        if required:
            raise ValueError(f"{what} is empty.")
        return None
    if "," in text and "." in text:
        text = text.replace(",", "")  # thousands separators, as in 1,234.56
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(f"{what} “{text}” is not a number (write it like 1234.56).") from error
    # Checked before rounding, which fails on huge exponents, and after, which can
    # carry 999999999999.999 up to 13 digits before the point.
    if not value.is_finite() or abs(value) >= LARGEST_AMOUNT:
        raise ValueError(f"{what} “{text}” is out of range.")
    value = value.quantize(Decimal("0.01"))
    if abs(value) >= LARGEST_AMOUNT:
        raise ValueError(f"{what} “{text}” is out of range.")
    return value


def _date(text, formats):
    text = text.strip()
    parsed = None
    for date_format in formats:
        try:
            parsed = datetime.datetime.strptime(text, date_format)  # noqa: DTZ007
        except ValueError:
            continue
        break
    if parsed is None:
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    if parsed is not None:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, site_timezone())
        # Year 1 or 9999 with an offset is past what a database can store in UTC.
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            raise ValueError(
                f"date “{text}” is out of range (years {EARLIEST_YEAR} to {LATEST_YEAR})."
            )
        return parsed
    sample = datetime.datetime(2026, 11, 2, 14, 30)
    examples = " or ".join(dict.fromkeys(sample.strftime(f) for f in (formats[0], formats[-1])))
    raise ValueError(f"date “{text}” is not a date this report uses (for example {examples}).")


def read_report(data: bytes, report: ReportFormat) -> list[ConversionRow]:
    """Every row of the file, or ReportErrors listing every line that is wrong."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ReportErrors([(1, "The file is empty.")]) from None
    except csv.Error as error:
        raise ReportErrors([(1, f"This is not a CSV file ({error}).")]) from error
    wanted = {ours: theirs.lower() for ours, theirs in report.columns.items()}
    header_line, (found, currency, missing) = 1, _columns(header, report)
    if missing and not report.strict:
        # Some exports open with a title line or two ("Fee-Earnings reports from ...",
        # as Amazon's do) above the header. Unfound, the line nearest to being one is
        # named with what it lacks.
        closest = (len(missing), header_line, header, found, currency, missing)
        for _ in range(MAX_TITLE_LINES):
            try:
                candidate = [name.strip() for name in next(reader)]
            except (StopIteration, csv.Error):
                break
            columns = _columns(candidate, report)
            if len(columns[2]) < closest[0]:
                closest = (len(columns[2]), reader.line_num, candidate, *columns)
            if not columns[2]:
                break
        _, header_line, header, found, currency, missing = closest
    if currency and "currency" not in found:
        report = dataclasses.replace(report, default_currency=currency)
    errors = []
    if missing:
        errors.append(
            (
                header_line,
                f"Missing column(s) for the {report.label} format: {', '.join(missing)}.",
            )
        )
    if report.strict:
        unknown = [name for name in header if name.lower() not in wanted.values()]
        if unknown:
            errors.append(
                (
                    1,
                    f"Unknown column(s): {', '.join(unknown)}. The columns are: "
                    f"{', '.join(report.columns.values())}.",
                )
            )
    if errors:
        raise ReportErrors(errors)

    rows, first_line_of = [], {}
    occurrences: dict[tuple[str, ...], int] = {}
    for values in _records(reader, errors):
        line, cells = values
        if not any(cell.strip() for cell in cells):
            continue

        def cell(ours, cells=cells):
            index = found.get(ours)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            row = _row(line, cell, report, occurrences)
        except ValueError as error:
            errors.append((line, str(error)))
            continue
        if row.transaction_id in first_line_of:
            errors.append(
                (
                    line,
                    f"transaction {row.transaction_id} is also on line "
                    f"{first_line_of[row.transaction_id]}: a file lists each sale once.",
                )
            )
            continue
        first_line_of[row.transaction_id] = line
        rows.append(row)
    if errors:
        raise ReportErrors(errors)
    return rows


def _columns(header: list[str], report: ReportFormat):
    """``(found, currency, missing)`` for a header line: {our field: column index} for
    each column found by its exact name (any case), or for an amount, by that name
    marked with a currency ("Ad Fees(£)"); the currency so marked, or ""; and the
    names of required columns not found."""
    exact: dict[str, int] = {}
    for index, name in enumerate(header):
        exact.setdefault(name.strip().lower(), index)
    found, currency = {}, ""
    for ours, theirs in report.columns.items():
        if theirs.lower() in exact:
            found[ours] = exact[theirs.lower()]
            continue
        if ours not in ("sale_amount", "commission"):
            continue
        for index, name in enumerate(header):
            mark = _CURRENCY_MARK.fullmatch(name.strip())
            if mark and mark["name"].strip().lower() == theirs.lower():
                code = CURRENCY_SYMBOLS.get(mark["mark"], mark["mark"])
                if code in CURRENCY_CODES:
                    found[ours] = index
                    currency = currency or code
                    break
    missing = [
        theirs
        for ours, theirs in report.columns.items()
        if ours not in found and ours not in OPTIONAL_COLUMNS
    ]
    return found, currency, missing


def read_row(fields: dict[str, str], report: ReportFormat) -> ConversionRow:
    """One sale from named fields (a postback), or ReportErrors saying what is wrong."""
    try:
        return _row(1, lambda ours: str(fields.get(ours, "")).strip(), report, {})
    except ValueError as error:
        raise ReportErrors([(1, str(error))]) from error


def _records(reader, errors):
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append((reader.line_num, f"This line is not valid CSV ({error})."))
            continue
        yield reader.line_num, cells


def _row(line, cell: Callable[[str], str], report: ReportFormat, occurrences) -> ConversionRow:
    converted_at = _date(cell("date"), report.date_formats) if cell("date") else None
    if converted_at is None:
        raise ValueError("the date is empty.")
    if report.statuses:
        status = report.statuses.get(cell("status").lower())
        if status is None:
            known = ", ".join(report.statuses)
            raise ValueError(f"status “{cell('status')}” is not one of: {known}.")
    else:
        status = APPROVED
    currency = (cell("currency") or report.default_currency).upper()
    if not _CURRENCY.match(currency):
        raise ValueError(f"currency “{currency}” is not a three-letter code such as GBP.")
    commission = _amount(cell("commission"), "the commission")
    sale_amount = _amount(cell("sale_amount"), "the sale amount", required=False)
    if report.transaction_from:
        # One row per item shipped and no id of its own: the same row gets the same id
        # in every copy of the report (a repeat of it on the same file, the next one).
        key = tuple(cell(name) for name in report.transaction_from)
        occurrences[key] = occurrences.get(key, 0) + 1
        digest = hashlib.sha256("\0".join((*key, str(occurrences[key]))).encode()).hexdigest()
        transaction_id = f"{report.name}-{digest[:24]}"
    else:
        transaction_id = cell("transaction_id")
        if not transaction_id:
            raise ValueError("the transaction id is empty.")
        if len(transaction_id) > 120:
            raise ValueError("the transaction id is longer than 120 characters.")
    click_id = cell("click_id")
    if len(click_id) > 64:
        raise ValueError("the click id is longer than 64 characters.")
    tracking_id = cell("tracking_id")[:120]
    for what, value in (
        ("transaction id", transaction_id),
        ("click id", click_id),
        ("tracking ID", tracking_id),
    ):
        if _CONTROL.search(value):
            raise ValueError(f"the {what} holds a control character.")
    return ConversionRow(
        line=line,
        transaction_id=transaction_id,
        click_id=click_id,
        tracking_id=tracking_id,
        converted_at=converted_at,
        status=status,
        sale_amount=sale_amount,
        commission=commission,
        currency=currency,
    )
