"""What a click id stands for (link, page, placement, day), while the raw click exists and for
``ATTRIBUTION_RETENTION_DAYS`` after it is pruned, so that conversions reported weeks
later still find the page that earned them.
"""

import datetime
from dataclasses import dataclass

from affiliates.days import site_day

from .models import Click, ClickAttribution, DailyClickSummary

BATCH = 5_000


@dataclass(frozen=True)
class Attribution:
    link_id: int | None  # None for a sale known only by its tracking ID
    page_key: int
    day: datetime.date | None
    placement: str = ""


def attribution_for(click_ids):
    """``{click_id: Attribution}`` for the ids that name a click we recorded (not a
    staff click), whether or not the raw click is still stored."""
    ids = list({click_id for click_id in click_ids if click_id})
    found = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for click_id, link_id, page_id, clicked_at, placement in Click.objects.filter(
            click_id__in=chunk, is_staff=False
        ).values_list("click_id", "link_id", "page_id", "clicked_at", "placement"):
            found[click_id] = Attribution(
                link_id, page_id or DailyClickSummary.NO_PAGE, site_day(clicked_at), placement
            )
        missing = [click_id for click_id in chunk if click_id not in found]
        for kept in ClickAttribution.objects.filter(click_id__in=missing):
            found[kept.click_id] = Attribution(
                kept.link_id, kept.page_key, kept.day, kept.placement
            )
    return found


def keep_attribution(clicks):
    """Copy what ``clicks`` (a queryset about to be deleted) stand for into
    ``ClickAttribution``; returns how many were kept."""
    kept = 0
    rows = (
        clicks.filter(is_staff=False, click_id__isnull=False)
        .values_list("click_id", "link_id", "page_id", "clicked_at", "placement")
        .order_by()
        .iterator(chunk_size=BATCH)
    )
    batch = []
    for click_id, link_id, page_id, clicked_at, placement in rows:
        batch.append(
            ClickAttribution(
                click_id=click_id,
                link_id=link_id,
                page_key=page_id or DailyClickSummary.NO_PAGE,
                placement=placement,
                day=site_day(clicked_at),
            )
        )
        if len(batch) == BATCH:
            kept += len(ClickAttribution.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        kept += len(ClickAttribution.objects.bulk_create(batch, ignore_conflicts=True))
    return kept


def forget_old_attribution(keep_from):
    """Delete what clicks from before ``keep_from`` stood for; returns how many."""
    deleted, _ = ClickAttribution.objects.filter(day__lt=keep_from).delete()
    return deleted
