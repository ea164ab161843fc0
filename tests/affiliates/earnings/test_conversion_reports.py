"""Each network's report is read into sales; a file with any wrong line is refused
whole, every wrong line named with what to fix."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest

from affiliates.earnings.formats import FORMATS, ReportErrors, read_report
from tests.affiliates.earnings.reports import SAMPLES, generic


def read(name, text, click="abc123"):
    return read_report(text.replace("{click}", click).encode(), FORMATS[name])


def test_an_awin_report_gives_click_refs_statuses_and_amounts():
    first, second = read("awin", SAMPLES["awin"])

    assert (first.transaction_id, first.click_id, first.status) == ("AW-1", "abc123", "pending")
    assert (first.sale_amount, first.commission, first.currency) == (
        Decimal("45.00"),
        Decimal("4.50"),
        "GBP",
    )
    # Awin writes days first; deleted transactions are declined sales.
    assert first.converted_at.date() == datetime.date(2026, 11, 2)
    assert second.status == "declined" and second.click_id == ""


def test_a_cj_report_maps_its_action_statuses():
    locked, new = read("cj", SAMPLES["cj"])

    assert (locked.click_id, locked.status, locked.commission) == (
        "abc123",
        "approved",
        Decimal("12.00"),
    )
    assert new.status == "pending"


def test_an_impact_report_keeps_a_reversal_with_its_negative_payout():
    sale, reversal = read("impact", SAMPLES["impact"])

    assert sale.commission == Decimal("16.00") and sale.currency == "EUR"
    assert reversal.commission == Decimal("-16.00") and reversal.status == "declined"


def test_a_shareasale_report_reads_us_dates_thousands_and_dollars():
    (sale,) = read("shareasale", SAMPLES["shareasale"])

    assert sale.converted_at.date() == datetime.date(2026, 11, 2)
    assert sale.converted_at.hour == 14
    assert (sale.sale_amount, sale.currency, sale.status) == (Decimal("1250.00"), "USD", "approved")


def test_an_amazon_report_gives_each_shipped_item_a_stable_id_of_its_own():
    first, second = read("amazon", SAMPLES["amazon"])
    again = read("amazon", SAMPLES["amazon"])

    assert first.tracking_id == "careercompass-21" and first.click_id == ""
    assert first.transaction_id != second.transaction_id
    assert [row.transaction_id for row in again] == [first.transaction_id, second.transaction_id]
    assert (first.commission, first.currency, first.status) == (Decimal("0.36"), "USD", "approved")


AMAZON_AS_DOWNLOADED = (
    "Fee-Earnings reports from 11-01-2026 to 11-30-2026\n"
    "Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price({mark}),Items Shipped,"
    "Returns,Revenue({mark}),Ad Fees({mark}),Device Type Group\n"
    "Office,Thank-you cards,B000TEST01,Amazon,careercompass-21,2026-11-02 00:00:00,9.00,1,0,"
    "9.00,0.36,DESKTOP\n"
)


@pytest.mark.parametrize(("mark", "currency"), [("$", "USD"), ("£", "GBP"), ("€", "EUR")])
def test_an_amazon_report_as_downloaded_reads_past_its_title_in_its_marked_currency(mark, currency):
    (row,) = read("amazon", AMAZON_AS_DOWNLOADED.format(mark=mark))

    assert (row.tracking_id, row.commission, row.currency) == (
        "careercompass-21",
        Decimal("0.36"),
        currency,
    )
    assert row.line == 3


def test_an_exact_column_wins_over_one_marked_with_a_currency():
    awin = (
        "Transaction ID,Click Ref,Transaction Date,Commission Status,Commission Amount,"
        "Commission Amount (EUR),Currency\n"
        "AW-1,a,2026-11-02,pending,4.50,5.20,GBP\n"
    )

    (row,) = read("awin", awin)

    assert (row.commission, row.currency) == (Decimal("4.50"), "GBP")


@pytest.mark.parametrize(
    "header",
    [
        # Only amounts may carry a currency mark; a date marked "(UTC)" is not the date.
        "Transaction ID,Click Ref,Transaction Date (UTC),Commission Status,Commission Amount",
        # "NET" is not a currency.
        "Transaction ID,Click Ref,Transaction Date,Commission Status,Commission Amount (NET)",
    ],
)
def test_a_mark_that_is_not_a_currency_on_an_amount_is_not_that_column(header):
    errors = errors_in(f"{header}\nAW-1,a,2026-11-02,pending,4.50\n".encode(), "awin")

    assert errors[0][0] == 1 and "Missing column(s)" in errors[0][1]


def test_a_marked_currency_is_used_when_a_currency_column_is_not_the_formats_own():
    report = AMAZON_AS_DOWNLOADED.format(mark="£").replace(
        "Device Type Group\n", "Device Type Group,Currency\n"
    )

    (row,) = read("amazon", report.replace("DESKTOP\n", "DESKTOP,USD\n"))

    assert row.currency == "GBP"


def test_a_header_below_a_title_line_that_lacks_a_column_is_named_at_its_line():
    report = AMAZON_AS_DOWNLOADED.format(mark="₹")

    ((line, message),) = errors_in(report.encode(), "amazon")

    # ₹ is not a mark we know, so only the fee column is missing, on the header's line.
    assert line == 2
    assert message.endswith("format: Ad Fees.")


def test_a_file_whose_header_never_comes_is_refused_at_line_one():
    errors = errors_in(b"Fee-Earnings reports\nnot,a,header\n" * 4, "amazon")

    assert errors[0][0] == 1 and "Missing column(s)" in errors[0][1]


def test_dates_in_each_of_a_formats_documented_layouts_mix_in_one_file():
    awin = (
        "Transaction ID,Click Ref,Transaction Date,Commission Status,Commission Amount,Currency\n"
        "AW-1,a,02/11/2026 14:30:00,pending,4.50,GBP\n"
        "AW-2,b,2026-11-03T10:00:00,pending,4.50,GBP\n"
        "AW-3,c,2026-11-04,pending,4.50,GBP\n"
    )

    days = [row.converted_at.date() for row in read("awin", awin)]

    # Days first in Awin's own layout: 02/11 is the 2nd of November.
    assert [day.isoformat() for day in days] == ["2026-11-02", "2026-11-03", "2026-11-04"]


def test_the_generic_format_reads_its_documented_columns():
    (row,) = read_report(
        generic(("T-1", "abc", "2026-11-02", "paid", "10.00", "1.00", "gbp")), FORMATS["generic"]
    )

    assert (row.transaction_id, row.status, row.currency) == ("T-1", "paid", "GBP")


def errors_in(data, name="generic"):
    with pytest.raises(ReportErrors) as refused:
        read_report(data, FORMATS[name])
    return refused.value.errors


def test_every_wrong_line_is_named_with_its_line_number_and_what_is_wrong():
    data = generic(
        ("T-1", "a", "2026-11-02", "approved", "10.00", "1.00", "GBP"),
        ("T-2", "b", "2026-11-02", "approved", "ten", "1.00", "GBP"),
        ("T-3", "c", "2026-11-02", "maybe", "10.00", "1.00", "GBP"),
        ("T-4", "d", "2 November", "approved", "10.00", "1.00", "GBP"),
        ("T-1", "e", "2026-11-03", "approved", "10.00", "1.00", "GBP"),
        ("T-6", "f", "2026-11-02", "approved", "10.00", "1.00", "pounds"),
        ("T-7", "g", "2026-11-02", "approved", "10.00", "", "GBP"),
    )

    errors = dict(errors_in(data))

    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "“ten” is not a number" in errors[3]
    assert "“maybe” is not one of: pending, approved, declined, paid" in errors[4]
    assert "“2 November” is not a date" in errors[5]
    assert "also on line 2" in errors[6]
    assert "three-letter code" in errors[7]
    assert "commission is empty" in errors[8]


def test_values_a_database_or_workbook_cannot_hold_are_named_lines_not_crashes():
    data = generic(
        ("T-1", "a", "2026-11-02", "approved", "10.00", "999999999999.999", "GBP"),
        ("T-2", "b", "0001-01-01T00:00:00+05:00", "approved", "10.00", "1.00", "GBP"),
        ("T-3", "c", "9999-12-31T23:59:59-05:00", "approved", "10.00", "1.00", "GBP"),
        ("T-4\x01", "d", "2026-11-02", "approved", "10.00", "1.00", "GBP"),
        ("T-5", "e\x0bf", "2026-11-02", "approved", "10.00", "1.00", "GBP"),
        ("T-6", "f", "2026-11-02T14:30:00+01:00", "approved", "10.00", "1.00", "GBP"),
    )

    errors = dict(errors_in(data))

    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert "out of range" in errors[2]
    assert "years 1990 to 2199" in errors[3] and "years 1990 to 2199" in errors[4]
    assert "transaction id holds a control character" in errors[5]
    assert "click id holds a control character" in errors[6]


def test_a_generic_file_with_unknown_or_missing_columns_is_refused_at_its_header():
    errors = errors_in(b"transaction_id,click_id,when,status,commission,currency,colour\n")

    ((line, message), (_, unknown)) = errors
    assert line == 1
    assert "Missing column(s)" in message and "date" in message
    assert "Unknown column(s): when, colour" in unknown


def test_a_file_not_in_utf8_is_refused_with_how_to_fix_it():
    data = generic(("T-1", "a", "2026-11-02", "approved", "10.00", "1.00", "EUR")).replace(
        b"T-1", "Café".encode("latin-1")
    )

    ((line, message),) = errors_in(data)

    assert line == 2 and "CSV UTF-8" in message


def test_a_preset_file_for_another_network_is_refused_naming_the_columns_it_lacks():
    ((line, message),) = errors_in(SAMPLES["awin"].encode(), "cj")

    assert line == 1 and "Action ID" in message and "Publisher Commission" in message


def test_an_empty_file_is_refused():
    assert errors_in(b"") == [(1, "The file is empty.")]


def test_every_example_file_in_the_earnings_docs_reads_as_its_format():
    docs = (Path(__file__).resolve().parents[3] / "docs" / "earnings.md").read_text()
    formats = docs.split("\n## Formats\n", 1)[1].split("\n## ", 1)[0]
    examples = {}
    for section in formats.split("\n### ")[1:]:
        name = section.split()[0].lower()
        examples[name] = re.search(r"```csv\n(.*?)```", section, re.S)[1]

    assert set(examples) == set(FORMATS)
    for name, example in examples.items():
        assert read_report(example.encode(), FORMATS[name]), name
