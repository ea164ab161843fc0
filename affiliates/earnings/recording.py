"""Storing conversions, from a report or a postback, the same way: once per network
and transaction id, tied to the click they name, or for networks that report by
tracking ID (Amazon Associates), to the page or section that ID is for.

The same report twice changes nothing; a later report updates a sale's status and
amounts; a sale whose click we cannot find is kept, unmatched, and matched if a later
report names a click we know.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from affiliates.clicks.attribution import BATCH, Attribution, attribution_for
from affiliates.clicks.models import DailyClickSummary
from affiliates.links.models import TrackingId

from .models import Conversion

#: What a later report may change about a sale.
UPDATABLE = (
    "click_id",
    "tracking_id",
    "converted_at",
    "status",
    "sale_amount",
    "commission",
    "currency",
)


@dataclass
class Outcome:
    matched: int = 0
    unmatched: int = 0
    updated: int = 0
    unchanged: int = 0
    unmatched_lines: list = field(default_factory=list)

    def __str__(self):
        return (
            f"matched {self.matched}, unmatched {self.unmatched}, "
            f"updated {self.updated}, unchanged {self.unchanged}"
        )


def record_conversions(network, rows, source, *, dry_run=False):
    """Store ``rows`` (``formats.ConversionRow``) for ``network`` in one transaction;
    with ``dry_run``, only say what storing them would do."""
    try:
        return _record(network, rows, source, dry_run)
    except IntegrityError:
        # A postback or import stored one of these sales between our look for it and
        # our insert (a lock can't hold a row that doesn't exist yet). All of ours was
        # rolled back; looked at again, that sale is found and updated, or unchanged.
        return _record(network, rows, source, dry_run)


def _record(network, rows, source, dry_run):
    outcome = Outcome()
    with transaction.atomic():
        existing = stored_sales(network, [row.transaction_id for row in rows])
        clicks = attribution_for(row.click_id for row in rows)
        tracked = _tracking_ids(row.tracking_id for row in rows if not row.click_id)
        new = []
        for row in rows:
            conversion = existing.get(row.transaction_id)
            if conversion is None:
                conversion = Conversion(network=network, transaction_id=row.transaction_id)
                _take(conversion, row, source)
                _attribute(conversion, clicks, tracked)
                new.append(conversion)
                if conversion.is_matched:
                    outcome.matched += 1
                else:
                    outcome.unmatched += 1
                    outcome.unmatched_lines.append(row.line)
                continue
            before = [getattr(conversion, name) for name in UPDATABLE]
            was_matched = conversion.is_matched
            _take(conversion, row, source)
            if not was_matched or [conversion.click_id, conversion.tracking_id] != before[:2]:
                _attribute(conversion, clicks, tracked)
            if [getattr(conversion, name) for name in UPDATABLE] == before and (
                conversion.is_matched == was_matched
            ):
                outcome.unchanged += 1
                continue
            conversion.save()
            outcome.updated += 1
        Conversion.objects.bulk_create(new, batch_size=BATCH)
        if dry_run:
            transaction.set_rollback(True)
    return outcome


def stored_sales(network, ids):
    """{transaction id: Conversion} of those already stored, locked until commit."""
    existing = {}
    # In chunks: a database takes only so many values in one query (PostgreSQL
    # 65,535), and a month's report from a big network has more sales than that.
    for start in range(0, len(ids), BATCH):
        existing.update(
            (conversion.transaction_id, conversion)
            for conversion in Conversion.objects.select_for_update().filter(
                network=network, transaction_id__in=ids[start : start + BATCH]
            )
        )
    return existing


def _take(conversion, row, source):
    for name in UPDATABLE:
        setattr(conversion, name, getattr(row, name))
    conversion.source = source[:200]


def _tracking_ids(values):
    """``{tracking ID: Attribution}``: the page (or "no page", for a partner's default)
    each known tracking ID is for; no link, click or day, which such reports lack."""
    values = list({value for value in values if value})
    found = {}
    for start in range(0, len(values), BATCH):
        for value, page_id in TrackingId.objects.filter(
            value__in=values[start : start + BATCH]
        ).values_list("value", "page_id"):
            found[value] = Attribution(None, page_id or DailyClickSummary.NO_PAGE, None)
    return found


def _attribute(conversion, clicks, tracked):
    if conversion.click_id:
        found = clicks.get(conversion.click_id)
    else:
        found = tracked.get(conversion.tracking_id)
    conversion.link_id = found.link_id if found else None
    conversion.page_key = found.page_key if found else None
    conversion.placement = found.placement if found else ""
    conversion.clicked_on = found.day if found else None
