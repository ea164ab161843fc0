"""Writing clicks to the database, exactly once each.

A click is decided in the request (``tracking.click_for``) and written here, either at
once (the embedded default) or later by the click worker (``queue``), possibly
more than once: a worker killed between committing a batch and acknowledging it sends
the batch again, and a spooled click may be read twice. Each click therefore carries a
random ``click_id`` made in the request, and the INSERT skips an id already stored, so
a click that is written twice is stored, and counted in the roll-ups, once.

Nothing here looks at the request: a ``ClickEvent`` is plain data, small enough to
queue, with the click's original time.
"""

import datetime
import functools
import json
import secrets
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any, Self, cast

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Field
from wagtail.models import Page, PageViewRestriction

from affiliates.links.models import AffiliateLink

from . import rollup
from .models import Click

#: Length of a click id: 12 URL-safe characters, 72 random bits.
CLICK_ID_BYTES = 9


def new_click_id() -> str:
    """A short random identifier for one click; derived from nothing about the reader."""
    return secrets.token_urlsafe(CLICK_ID_BYTES)


@dataclass(frozen=True, slots=True)
class ClickEvent:
    """One click as the request saw it: what ``write_clicks`` stores."""

    click_id: str
    link_id: int
    page_id: int | None
    visitor_key: str
    is_bot: bool
    is_staff: bool
    clicked_at: float  # seconds since the epoch, UTC
    # Last, with a default: events queued before placements were recorded still load.
    placement: str = ""

    @property
    def when(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.clicked_at, tz=datetime.UTC)

    def to_json(self) -> str:
        return json.dumps(astuple(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Self:
        """The event ``to_json`` wrote, or ValueError for anything else."""
        try:
            values = json.loads(text)
            event = cls(*values)
        except (TypeError, json.JSONDecodeError) as error:
            raise ValueError(f"Not a click: {text[:80]!r}") from error
        if not isinstance(event.click_id, str) or not isinstance(event.link_id, int):
            raise ValueError(f"Not a click: {text[:80]!r}")
        return event


@functools.cache
def _insert_click_sql() -> str:
    # Built once: the Click and Page tables do not change while the process runs.
    # Only names from our own models go into the string; every value is a parameter.
    quote = connection.ops.quote_name
    click, page = Click._meta, Page._meta
    # Every field named here is a concrete field of ours, so it has a column.
    columns = [
        quote(cast(str, cast("Field[Any, Any]", click.get_field(name)).column))
        for name in (
            "click_id",
            "link",
            "page",
            "visitor_key",
            "is_bot",
            "is_staff",
            "clicked_at",
            "placement",
        )
    ]
    link_id = quote(cast(str, AffiliateLink._meta.pk.column))
    page_id, live, path = (quote(page.get_field(name).column) for name in ("id", "live", "path"))
    page_table, link_table = quote(page.db_table), quote(AffiliateLink._meta.db_table)
    restriction = PageViewRestriction._meta
    restricted_page = quote(restriction.get_field("page").column)
    page_column = columns[2]
    # The page is credited only if it is live and public: no view restriction on it or
    # on any page above it (an ancestor's path is a prefix of the page's).
    credited_page = (
        f"(SELECT credited.{page_id} FROM {page_table} AS credited "  # noqa: S608
        f"WHERE credited.{page_id} = %s AND credited.{live} = %s AND NOT EXISTS ("
        f"SELECT 1 FROM {quote(restriction.db_table)} AS restriction "
        f"JOIN {page_table} AS above ON above.{page_id} = restriction.{restricted_page} "
        f"WHERE SUBSTR(credited.{path}, 1, LENGTH(above.{path})) = above.{path}))"
    )
    # The link may have been deleted while the click waited in the queue: then there
    # is nothing to count it against, and the SELECT yields no row to insert.
    return (
        f"INSERT INTO {quote(click.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT %s, {link_id}, {credited_page}, %s, %s, %s, %s, %s "
        f"FROM {link_table} WHERE {link_id} = %s "
        f"ON CONFLICT ({columns[0]}) DO NOTHING "
        f"RETURNING {page_column}"
    )


def write_click(cursor: CursorWrapper, event: ClickEvent) -> bool:
    """Store ``event`` unless its click id is already stored, and count it in the
    roll-ups (staff clicks are stored, never counted). Returns whether it was new.

    The page the reader came from is kept only if it is live and public, checked
    inside the INSERT; a staff click is stored but not rolled up, so no report counts it.
    """
    when = event.when
    clicked_at = Click._meta.get_field("clicked_at").get_db_prep_save(when, connection)
    params = [
        event.click_id,
        event.page_id,
        True,
        event.visitor_key,
        event.is_bot,
        event.is_staff,
        clicked_at,
        event.placement,
        event.link_id,
    ]
    if event.is_staff:
        cursor.execute(_insert_click_sql(), params)
        return cursor.fetchone() is not None
    new: bool = rollup.insert_click(
        cursor,
        _insert_click_sql(),
        params,
        link_id=event.link_id,
        visitor_key=event.visitor_key,
        is_bot=event.is_bot,
        when=when,
        placement=event.placement,
    )
    return new


def write_clicks(events: Sequence[ClickEvent]) -> int:
    """Store a batch of clicks in one transaction; returns how many were new.

    Raises ``DatabaseError`` when the database cannot take them; then none is stored
    and the caller keeps the batch to try again.
    """
    if len(events) == 1 and connection.vendor == "postgresql":
        # One click is one statement there, atomic on its own: no BEGIN and COMMIT.
        with connection.cursor() as cursor:
            return int(write_click(cursor, events[0]))
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for event in events:
            written += write_click(cursor, event)
    return written
