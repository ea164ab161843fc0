"""``manage.py import_conversions``: sales tied to the clicks that led to them, once
each, updated as networks change them, kept when no click is found."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from affiliates.days import site_today
from affiliates.models import Click, ClickAttribution, Conversion
from tests.affiliates.earnings.reports import SAMPLES, generic
from tests.affiliates.reader_clicks import days_ago, follow
from tests.factories import AffiliateLinkFactory, GuidePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clicks(client, home):
    """Two real clicks through /go/ from the model guide: their click ids."""
    link = AffiliateLinkFactory(slug="thank-you-cards")
    guide = GuidePageFactory(parent=home, title="Follow Up Interview Tips")
    follow(client, link, page=guide, ip="198.51.100.1", at=days_ago(30))
    follow(client, link, page=guide, ip="198.51.100.2", at=days_ago(2))
    ids = list(Click.objects.order_by("clicked_at").values_list("click_id", flat=True))
    return {"link": link, "guide": guide, "ids": ids}


def run(tmp_path, data, *args):
    path = tmp_path / "report.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_conversions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1]


def test_sales_are_tied_to_the_link_page_and_day_of_their_click(tmp_path, clicks):
    first, second = clicks["ids"]
    report = generic(
        ("T-1", first, "2026-11-02", "pending", "45.00", "4.50", "GBP"),
        ("T-2", second, "2026-11-03", "approved", "20.00", "2.00", "GBP"),
        ("T-3", "not-ours", "2026-11-03", "approved", "10.00", "1.00", "GBP"),
    )

    assert run(tmp_path, report) == "matched 2, unmatched 1, updated 0, unchanged 0"

    sale = Conversion.objects.get(transaction_id="T-1")
    assert (sale.link, sale.page_key) == (clicks["link"], clicks["guide"].pk)
    assert sale.clicked_on == days_ago(30).date()
    assert (sale.status, sale.commission, sale.currency) == ("pending", Decimal("4.50"), "GBP")
    assert sale.network.name == "Other network"
    unmatched = Conversion.objects.get(transaction_id="T-3")
    assert unmatched.link is None and unmatched.click_id == "not-ours"


def test_the_same_report_twice_changes_nothing(tmp_path, clicks):
    report = generic(("T-1", clicks["ids"][0], "2026-11-02", "pending", "45.00", "4.50", "GBP"))
    run(tmp_path, report)
    before = list(Conversion.objects.values())

    assert run(tmp_path, report) == "matched 0, unmatched 0, updated 0, unchanged 1"
    assert list(Conversion.objects.values()) == before


def test_a_later_report_updates_status_and_amounts(tmp_path, clicks):
    click = clicks["ids"][0]
    run(tmp_path, generic(("T-1", click, "2026-11-02", "pending", "45.00", "4.50", "GBP")))

    later = generic(("T-1", click, "2026-11-02", "approved", "40.00", "4.00", "GBP"))

    assert run(tmp_path, later) == "matched 0, unmatched 0, updated 1, unchanged 0"
    sale = Conversion.objects.get()
    assert (sale.status, sale.sale_amount, sale.commission) == (
        "approved",
        Decimal("40.00"),
        Decimal("4.00"),
    )
    assert sale.link == clicks["link"]


def test_a_reversal_with_negative_commission_is_kept_beside_its_sale(tmp_path, clicks):
    data = SAMPLES["impact"].replace("{click}", clicks["ids"][1]).encode()

    assert run(tmp_path, data, "--format", "impact") == (
        "matched 2, unmatched 0, updated 0, unchanged 0"
    )
    commissions = sorted(Conversion.objects.values_list("commission", flat=True))
    assert commissions == [Decimal("-16.00"), Decimal("16.00")]
    assert Conversion.objects.get(commission__lt=0).network.name == "Impact"


def test_a_sale_stays_tied_to_its_click_after_the_raw_click_is_pruned(tmp_path, clicks):
    old_click = clicks["ids"][0]  # 30 days old
    call_command("prune_clicks", "--days", "7", stdout=io.StringIO())
    assert not Click.objects.filter(click_id=old_click).exists()
    kept = ClickAttribution.objects.get(click_id=old_click)
    assert not hasattr(kept, "visitor_key")

    report = generic(("T-1", old_click, "2026-11-02", "approved", "45.00", "4.50", "GBP"))

    assert run(tmp_path, report) == "matched 1, unmatched 0, updated 0, unchanged 0"
    sale = Conversion.objects.get()
    assert (sale.link, sale.page_key, sale.clicked_on) == (
        clicks["link"],
        clicks["guide"].pk,
        days_ago(30).date(),
    )


def test_what_a_click_stood_for_is_forgotten_after_the_attribution_period(
    tmp_path, clicks, settings
):
    call_command("prune_clicks", "--days", "7", stdout=io.StringIO())
    assert ClickAttribution.objects.filter(day__lt=site_today()).exists()

    settings.ATTRIBUTION_RETENTION_DAYS = 10
    call_command("prune_clicks", "--days", "7", stdout=io.StringIO())

    # The 30-day-old click is past 10 days of attribution; nothing newer was pruned.
    assert not ClickAttribution.objects.exists()


def test_a_click_already_past_the_attribution_period_is_not_kept(tmp_path, clicks, settings):
    settings.ATTRIBUTION_RETENTION_DAYS = 10

    call_command("prune_clicks", "--days", "7", stdout=io.StringIO())

    assert not Click.objects.filter(click_id=clicks["ids"][0]).exists()
    assert not ClickAttribution.objects.exists()


def test_an_unmatched_sale_is_matched_when_a_later_report_names_a_known_click(tmp_path, clicks):
    run(tmp_path, generic(("T-1", "", "2026-11-02", "pending", "45.00", "4.50", "GBP")))

    later = generic(("T-1", clicks["ids"][1], "2026-11-02", "pending", "45.00", "4.50", "GBP"))

    assert run(tmp_path, later) == "matched 0, unmatched 0, updated 1, unchanged 0"
    assert Conversion.objects.get().link == clicks["link"]


def test_a_file_with_one_bad_line_records_nothing_and_names_the_line(tmp_path, clicks):
    report = generic(
        ("T-1", clicks["ids"][0], "2026-11-02", "pending", "45.00", "4.50", "GBP"),
        ("T-2", clicks["ids"][1], "2026-11-02", "pending", "lots", "4.50", "GBP"),
    )
    path = tmp_path / "report.csv"
    path.write_bytes(report)
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 error in .*nothing was recorded"):
        call_command("import_conversions", str(path), stdout=io.StringIO(), stderr=err)

    assert "Line 3: the sale amount “lots” is not a number" in err.getvalue()
    assert not Conversion.objects.exists()


def test_each_preset_is_recorded_under_its_network(tmp_path, clicks):
    for name, network in [
        ("awin", "Awin"),
        ("cj", "CJ"),
        ("shareasale", "ShareASale"),
        ("amazon", "Amazon Associates"),
    ]:
        data = SAMPLES[name].replace("{click}", clicks["ids"][1]).encode()
        run(tmp_path, data, "--format", name)
        assert Conversion.objects.filter(network__name=network).exists(), name
    awin = Conversion.objects.get(transaction_id="AW-1")
    assert awin.link == clicks["link"]
    amazon = Conversion.objects.filter(network__name="Amazon Associates")
    assert amazon.count() == 2 and {sale.tracking_id for sale in amazon} == {"careercompass-21"}


def test_a_report_of_seventy_thousand_sales_is_recorded_and_then_unchanged(tmp_path, clicks):
    # More sales than PostgreSQL takes values in one query (65,535).
    rows = [
        (
            f"T-{n}",
            clicks["ids"][n % 2] if n < 2 else "",
            "2026-11-02",
            "approved",
            "",
            "0.10",
            "GBP",
        )
        for n in range(70_000)
    ]
    report = generic(*rows)

    assert run(tmp_path, report) == "matched 2, unmatched 69998, updated 0, unchanged 0"
    assert run(tmp_path, report) == "matched 0, unmatched 0, updated 0, unchanged 70000"
    assert Conversion.objects.count() == 70_000


def test_by_default_a_click_is_remembered_for_sales_for_400_days(tmp_path, client, home):
    link = AffiliateLinkFactory()
    guide = GuidePageFactory(parent=home)
    follow(client, link, page=guide, ip="198.51.100.1", at=days_ago(398))
    follow(client, link, page=guide, ip="198.51.100.2", at=days_ago(402))
    kept, forgotten = Click.objects.order_by("-clicked_at").values_list("click_id", flat=True)
    call_command("prune_clicks", stdout=io.StringIO())

    report = generic(
        ("T-1", kept, "2026-11-02", "approved", "45.00", "4.50", "GBP"),
        ("T-2", forgotten, "2026-11-02", "approved", "45.00", "4.50", "GBP"),
    )

    assert not Click.objects.exists()
    assert run(tmp_path, report) == "matched 1, unmatched 1, updated 0, unchanged 0"
    assert Conversion.objects.get(transaction_id="T-1").page_key == guide.pk
