"""What the earnings report shows: per link, partner, page or placement on a page,
clicks (from the roll-ups), conversions and commission (from the conversions networks
reported), per currency.

Commission is never converted between currencies. Declined sales earn nothing; a
reversal (negative commission) takes money back whatever its status. Sales whose click
we could not find are a row of their own, so the rows always add up to every sale.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from affiliates.clicks.rollup import range_totals
from affiliates.days import day_start, site_timezone
from affiliates.earnings.models import Conversion

from .queries import DESCRIBE, GROUP_FIELDS, Grouping

#: A row for the sales no click was found for; not a link, partner or page id.
UNMATCHED = "unmatched"
#: Per link or partner: the sales known only by the tracking ID of their page.
BY_TRACKING_ID = "tracking-id"
#: What the two rows are called.
ROW_NAMES = {
    UNMATCHED: "Sales with no click found",
    BY_TRACKING_ID: "Sales by tracking ID (no link known)",
}
#: Each grouping's field on a conversion.
CONVERSION_FIELDS = {
    Grouping.LINK: "link",
    Grouping.PARTNER: "link__partner",
    Grouping.PAGE: "page_key",
    Grouping.PLACEMENT: ("page_key", "placement"),
}
EARNS = ~Q(status=Conversion.Status.DECLINED) | Q(commission__lt=0)
COUNTS_AS_A_SALE = ~Q(status=Conversion.Status.DECLINED) & Q(commission__gte=0)
#: Tied to a recorded click: only those have the day of their click.
CLICKED = Q(clicked_on__isnull=False)


@dataclass
class EarningsRow:
    key: object
    name: str
    clicks: int = 0
    conversions: int = 0
    commission: dict = field(default_factory=dict)  # currency: Decimal
    partner: str = ""
    url: str | None = None
    placement: str = ""
    #: Of ``conversions``, those whose click we know. The rest (no click found, or known
    #: only by a tracking ID) have no click among ``clicks``: a rate counting them
    #: could pass 100 %.
    clicked_conversions: int = 0

    @property
    def pk(self):
        return self.key

    @property
    def conversion_rate(self):
        """Sales tied to a click per hundred clicks, or None without clicks."""
        if not self.clicks:
            return None
        return Decimal(self.clicked_conversions * 100) / self.clicks

    @property
    def earnings_per_click(self):
        if not self.clicks:
            return {}
        return {
            currency: (amount / self.clicks).quantize(Decimal("0.0001"))
            for currency, amount in self.commission.items()
        }

    @property
    def commission_label(self):
        return money(self.commission)

    @property
    def earnings_per_click_label(self):
        return money(self.earnings_per_click, places=4)

    @property
    def conversion_rate_label(self):
        rate = self.conversion_rate
        return "" if rate is None else f"{rate:.2f} %"

    def __getattr__(self, name):
        # Spreadsheet columns per currency: commission_GBP, earnings_per_click_GBP.
        for prefix, values in (("commission_", "commission"), ("epc_", "earnings_per_click")):
            if name.startswith(prefix):
                return getattr(self, values).get(name.removeprefix(prefix), Decimal(0))
        raise AttributeError(name)


def money(amounts, places=2):
    return " · ".join(
        f"{currency} {amount:,.{places}f}" for currency, amount in sorted(amounts.items())
    )


def conversions_in(first_day, last_day, basis):
    """Conversions in the range, by the day of the sale (``basis`` "conversion") or of
    the click that led to it ("click")."""
    if basis == "click":
        return Conversion.objects.filter(clicked_on__gte=first_day, clicked_on__lte=last_day)
    return Conversion.objects.filter(
        converted_at__gte=day_start(first_day),
        converted_at__lt=day_start(last_day + datetime.timedelta(days=1)),
    )


def no_sales():
    return {"conversions": 0, "clicked_conversions": 0, "commission": {}}


def earnings_rows(grouping, first_day, last_day, basis="conversion"):
    """Every link, partner or page with clicks or sales in the range (unsorted)."""
    group_field = CONVERSION_FIELDS[grouping]
    fields = group_field if isinstance(group_field, tuple) else (group_field,)
    rows = {}
    clicks = range_totals(GROUP_FIELDS[grouping], first_day, last_day)
    for key, counts in clicks.items():
        if counts["clicks"] > 0:
            rows[key] = {"clicks": counts["clicks"], **no_sales()}
    sales = (
        conversions_in(first_day, last_day, basis)
        .values(*dict.fromkeys(["link_id", "page_key", *fields, "currency"]))
        .annotate(
            sales=Count("pk", filter=COUNTS_AS_A_SALE),
            clicked_sales=Count("pk", filter=COUNTS_AS_A_SALE & CLICKED),
            earned=Sum("commission", filter=EARNS),
        )
        .order_by()
    )
    for sale in sales:
        key = tuple(sale[name] for name in fields) if len(fields) > 1 else sale[group_field]
        if sale["page_key"] is None:
            key = UNMATCHED
        elif sale["link_id"] is None and grouping in (Grouping.LINK, Grouping.PARTNER):
            key = BY_TRACKING_ID
        row = rows.setdefault(key, {"clicks": 0, **no_sales()})
        row["conversions"] += sale["sales"]
        row["clicked_conversions"] += sale["clicked_sales"]
        if sale["earned"] is not None:
            commission = row["commission"]
            commission[sale["currency"]] = commission.get(sale["currency"], 0) + sale["earned"]
    describe = DESCRIBE[grouping]([key for key in rows if key not in ROW_NAMES])
    found = []
    for key, totals in rows.items():
        details = {"name": ROW_NAMES[key]} if key in ROW_NAMES else describe(key)
        found.append(EarningsRow(key=key, **totals, **details))
    return found


def currencies_of(rows):
    return sorted({currency for row in rows for currency in row.commission})


def conversions_per_day(first_day, last_day, basis="conversion"):
    """{day: sales} for the chart (declined sales and reversals left out)."""
    sales = conversions_in(first_day, last_day, basis).filter(COUNTS_AS_A_SALE)
    if basis == "click":
        rows = sales.values("clicked_on").annotate(total=Count("pk")).order_by()
        return {row["clicked_on"]: row["total"] for row in rows}
    rows = (
        sales.annotate(day=TruncDate("converted_at", tzinfo=site_timezone()))
        .values("day")
        .annotate(total=Count("pk"))
        .order_by()
    )
    return {row["day"]: row["total"] for row in rows}


def top_earning_pages(first_day, last_day, limit=5):
    """The pages that earned most in the range, per currency, for the dashboard."""
    rows = earnings_rows(Grouping.PAGE, first_day, last_day)
    earning = [row for row in rows if row.key not in ROW_NAMES and row.commission]
    by_currency = defaultdict(list)
    for row in earning:
        for currency, amount in row.commission.items():
            by_currency[currency].append((amount, row))
    return {
        currency: [row for _, row in sorted(pairs, key=lambda pair: -pair[0])[:limit]]
        for currency, pairs in sorted(by_currency.items())
    }


SORT_KEYS = {
    "name": lambda row: (row.name.casefold(), row.placement),
    "clicks": lambda row: (row.clicks, row.conversions),
    "conversions": lambda row: (row.conversions, row.clicks),
    "commission": lambda row: (sum(row.commission.values(), Decimal(0)), row.conversions),
}


def sort_rows(rows, ordering):
    descending = ordering.startswith("-")
    key = SORT_KEYS.get(ordering.lstrip("-"), SORT_KEYS["commission"])
    rows = sorted(rows, key=lambda row: row.name.casefold())
    return sorted(rows, key=key, reverse=descending)
