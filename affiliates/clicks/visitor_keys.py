"""Telling one reader's clicks on one day from another's, without knowing who they are.

A click keeps only a *visitor key*: an HMAC of the reader's address and the day under
that day's salt. The user agent is left out on purpose: anyone can send a new one with
every request, so counting browsers would let one address pose as any number of
unique visitors. (Readers behind one shared address count as one visitor a day.)

Where the salt lives, and what a backup therefore contains:

- the day's salt is ``HMAC(SECRET_KEY, nonce)``, and the random nonce is kept only in
  the shared cache (Redis in production), expiring shortly after the day ends; it is
  never written to the database, so a database backup holds keys but nothing to test a
  guessed address against;
- a copy of Redis holds today's nonce at most, useless without ``SECRET_KEY``, which
  lives in the environment;
- ``prune_clicks`` also deletes past days' nonces, in case a cache keeps keys longer.

Each process remembers the day's salt for a minute at a time. If the cache lost the
nonce meanwhile (a Redis restart), the process puts the one it knows back, so every
app server keeps using the same salt all day.
"""

import datetime
import hashlib
import hmac
import logging
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

#: Seconds a process trusts the salt it has before checking the shared cache again.
RECHECK_SECONDS = 60
#: How long after its day a nonce is kept, for clicks made just before midnight.
NONCE_MARGIN = datetime.timedelta(minutes=10)

_lock = threading.Lock()
# (day, nonce, monotonic time it was last confirmed in the shared cache)
_known: tuple[datetime.date | None, str, float] = (None, "", 0.0)


def nonce_key(day: datetime.date) -> str:
    return f"affiliates:visitor-nonce:{day.isoformat()}"


def _seconds_to_keep(day: datetime.date) -> int:
    zone = timezone.get_default_timezone()
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, zone)
    return max(int((end + NONCE_MARGIN - timezone.now()).total_seconds()), 60)


def _shared_nonce(day: datetime.date, known: str | None = None) -> str | None:
    """The day's nonce from the shared cache, putting ``known`` (or a new one) there
    first if it has none. None if the cache cannot be reached."""
    key = nonce_key(day)
    nonce: str | None = cache.get(key)
    if nonce is None:
        cache.add(key, known or secrets.token_hex(32), _seconds_to_keep(day))
        nonce = cache.get(key)
    return nonce


def nonce_for(day: datetime.date) -> str:
    global _known
    known_day, nonce, confirmed = _known
    now = time.monotonic()
    if known_day == day and now - confirmed < RECHECK_SECONDS:
        return nonce
    # One thread per process asks: at midnight every request wants the new nonce.
    with _lock:
        known_day, nonce, confirmed = _known
        if known_day == day and now - confirmed < RECHECK_SECONDS:
            return nonce
        shared = _shared_nonce(day, nonce if known_day == day else None)
        if shared is not None:
            _known = (day, shared, now)
            return shared
        if known_day != day or not nonce:
            nonce = secrets.token_hex(32)
            logger.warning(
                "The shared cache is unreachable: visitor keys from this process will "
                "not match other processes' until it is back."
            )
        # Try the shared cache again on the next click rather than in a minute.
        _known = (day, nonce, now - RECHECK_SECONDS)
        return nonce


def forget() -> None:
    """Make the next click ask the shared cache again (tests reset it)."""
    global _known
    _known = (None, "", 0.0)


def salt_for(day: datetime.date) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"visitor-salt\n{nonce_for(day)}".encode(), hashlib.sha256
    ).digest()


def visitor_key(ip: str, day: datetime.date) -> str:
    """A hex key that is the same for one address on one day, and cannot be tied back to
    the address once the day's nonce is gone."""
    message = f"{ip}\n{day.isoformat()}".encode()
    return hmac.new(salt_for(day), message, hashlib.sha256).hexdigest()


def prune_nonces(today: datetime.date, days: int = 7) -> None:
    """Delete the nonces of the ``days`` days before ``today`` from the shared cache."""
    cache.delete_many([nonce_key(today - datetime.timedelta(days=n)) for n in range(1, days + 1)])
