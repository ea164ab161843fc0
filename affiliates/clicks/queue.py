"""Where a click waits between the reader's request and the database.

The redirect never waits for the database. ``submit`` hands each click on the first
way that works:

1. **The click queue** (``CLICK_QUEUE_URL``, the production Redis): one round trip
   appends the click and counts it against the reader's hourly limit. The click
   worker (``manage.py process_clicks``) writes queued clicks to the database in
   batches, with their roll-ups.
2. **The database, at once**: the embedded default (no queue configured, nothing else
   to run), and the fallback while the queue cannot be reached.
3. **The spool** (``CLICK_SPOOL_DIR``): a file per process on the app server's own
   disk, when neither can take the click. The worker, or on the embedded default the
   next click that reaches the database, writes spooled clicks back.

The worker moves a batch from the queue to a list of its own before writing it, and
empties that list only after the batch has committed. Killed in between, it finds the
batch there when it starts again and writes it again; click ids make the second write
store nothing (``recording``). Spool files are renamed before they are read, and
deleted only after their clicks have committed, for the same reason.
"""

import dataclasses
import logging
import os
import socket
import time
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, connection

from .recording import ClickEvent, write_clicks

logger = logging.getLogger(__name__)

#: Seconds the queue is left alone after failing, so an outage costs one time-out.
QUEUE_RETRY_SECONDS = 2
#: A rate counter lives for the hour it counts, and a little longer.
RATE_KEY_SECONDS = 60 * 60 + 60
#: Spool files younger than this may still be being written to.
SPOOL_SETTLE_SECONDS = 1.0
#: Seconds between spool checks on the embedded default.
SPOOL_CHECK_SECONDS = 10

# KEYS: rate counter, queue. ARGV: event, limit (0: no limit, a bot), counter lifetime.
# The click goes into the queue with a first character saying whether it was over the
# reader's limit ("1": flag it like a bot's).
_SUBMIT_SCRIPT = """
local over = '0'
if tonumber(ARGV[2]) > 0 then
  local count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
  if count > tonumber(ARGV[2]) then over = '1' end
end
redis.call('RPUSH', KEYS[2], over .. ARGV[1])
return over
"""

# KEYS: queue, the worker's own list. ARGV: batch size.
_RESERVE_SCRIPT = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[2], unpack(items))
end
return items
"""


def _prefix():
    return getattr(settings, "CACHE_KEY_PREFIX", "careersite")


def queue_key():
    return f"{_prefix()}:clicks:queue"


def processing_key(worker_name):
    return f"{_prefix()}:clicks:processing:{worker_name}"


def rate_key(event):
    """The counter of the reader's human clicks on this link in this hour."""
    hour = int(event.clicked_at // 3600)
    return f"{_prefix()}:clicks:rate:{event.link_id}:{hour}:{event.visitor_key[:32]}"


class _Queue:
    """The Redis connection of this process, opened on first use."""

    def __init__(self):
        self.url = None
        self.client = None
        self.submit_script = None
        self.reserve_script = None
        self.down_until = 0.0

    def get(self):
        url = settings.CLICK_QUEUE_URL
        if not url:
            return None
        if self.client is None or url != self.url:
            self.url = url
            self.client = redis.Redis.from_url(
                url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30
            )
            self.submit_script = self.client.register_script(_SUBMIT_SCRIPT)
            self.reserve_script = self.client.register_script(_RESERVE_SCRIPT)
        return self


_queue = _Queue()


def queue():
    """This process's connection to the click queue, or None when none is configured."""
    return _queue.get()


def limit_for(event):
    return 0 if event.is_bot or event.is_staff else settings.CLICK_HUMAN_LIMIT_PER_HOUR


def submit(event):
    """Record ``event`` one way or another: queued, written or spooled (True), or lost
    and logged (False). Never raises."""
    try:
        found = queue()
        if found is not None and time.monotonic() >= found.down_until:
            try:
                found.submit_script(
                    keys=[rate_key(event), queue_key()],
                    args=[event.to_json(), limit_for(event), RATE_KEY_SECONDS],
                )
                return True
            except redis.RedisError:
                found.down_until = time.monotonic() + QUEUE_RETRY_SECONDS
                logger.exception("The click queue is unreachable; writing clicks directly")
        record_now(event)
    except Exception:
        logger.exception("Could not record a click on affiliate link %s", event.link_id)
        return False
    return True


def over_limit(event):
    """Whether this human click is past the reader's hourly limit on the link, counted
    in the shared cache (on the embedded default, the process's own)."""
    limit = limit_for(event)
    if not limit:
        return False
    key = rate_key(event)
    try:
        cache.add(key, 0, RATE_KEY_SECONDS)
        count = cache.incr(key)
    except Exception:  # evicted between add and incr, or the cache is unreachable
        return False
    # An unreachable Redis answers None (IGNORE_EXCEPTIONS): then nobody is limited.
    return isinstance(count, int) and count > limit


def record_now(event):
    """Write ``event`` to the database now; spool it if the database will not take it."""
    if over_limit(event):
        event = dataclasses.replace(event, is_bot=True)
    try:
        write_clicks([event])
    except DatabaseError:
        logger.exception(
            "The database did not take a click on affiliate link %s; spooled it", event.link_id
        )
        spool(event)
        return
    _drain_spool_now_and_then()


# The spool: one append-only file per process.


def spool_dir():
    return Path(settings.CLICK_SPOOL_DIR)


def spool(event):
    """Append ``event`` to this process's spool file (one line, one write call)."""
    folder = spool_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{socket.gethostname()}-{os.getpid()}.clicks"
    line = (event.to_json() + "\n").encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read_spooled(path):
    events = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(ClickEvent.from_json(line))
        except ValueError:
            # A torn last line from a crash mid-write: the click it held is lost, and said so.
            logger.error("Skipped line %s of %s: not a click", number, path.name)
    return events


def drain_spool():
    """Write every settled spool file's clicks to the database; returns how many were new.

    Raises ``DatabaseError`` if the database will not take them (they stay spooled).
    """
    folder = spool_dir()
    if not folder.is_dir():
        return 0
    written = 0
    now = time.time()
    for path in sorted(folder.iterdir()):
        if path.suffix == ".clicks":
            # Rename first: the process writing it starts a new file at its next click.
            draining = path.with_name(f"{path.stem}-{time.time_ns()}.draining")
            try:
                path.rename(draining)
            except FileNotFoundError:
                continue  # another drainer took it
            path = draining
        elif path.suffix != ".draining":
            continue
        if now - path.stat().st_mtime < SPOOL_SETTLE_SECONDS:
            continue  # a write that opened the old name may still land
        events = _read_spooled(path)
        if events:
            written += write_clicks(events)
        path.unlink()
    if written:
        logger.info("Wrote %s spooled clicks", written)
    return written


_last_spool_check = 0.0


def _drain_spool_now_and_then():
    global _last_spool_check
    if time.monotonic() - _last_spool_check < SPOOL_CHECK_SECONDS:
        return
    _last_spool_check = time.monotonic()
    try:
        drain_spool()
    except DatabaseError:
        logger.exception("Could not write spooled clicks; they stay spooled")


# The worker.


def _decode(items):
    events = []
    for item in items:
        text = item.decode() if isinstance(item, bytes) else item
        try:
            event = ClickEvent.from_json(text[1:])
        except ValueError:
            logger.error("Dropped a queued item that is not a click: %r", text[:80])
            continue
        if text[0] == "1":
            event = dataclasses.replace(event, is_bot=True)
        events.append(event)
    return events


class Worker:
    """Moves queued and spooled clicks into the database until ``stop()``."""

    def __init__(self, name=None, batch_size=500, wait_seconds=1.0):
        self.name = name or socket.gethostname()
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.stopping = False
        self.written = 0

    def stop(self):
        self.stopping = True

    def _write(self, events):
        """Write ``events``, retrying with backoff until the database takes them."""
        delay = 0.5
        while True:
            try:
                if not connection.in_atomic_block:
                    # A connection the outage broke is replaced, not reused.
                    close_old_connections()
                self.written += write_clicks(events)
                return True
            except DatabaseError:
                logger.exception("The database did not take %s clicks; retrying", len(events))
            if self.stopping:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 10)

    def run_once(self, block=True):
        """Write one batch: first any left from a previous run, then new ones.

        Returns how many clicks the batch held (0: the queue was empty).
        """
        found = queue()
        mine = processing_key(self.name)
        items = found.client.lrange(mine, 0, -1)
        if not items:
            items = found.reserve_script(keys=[queue_key(), mine], args=[self.batch_size])
        if not items and block:
            first = found.client.blmove(
                queue_key(), mine, self.wait_seconds, src="LEFT", dest="RIGHT"
            )
            if first is None:
                return 0
            more = found.reserve_script(keys=[queue_key(), mine], args=[self.batch_size - 1])
            items = [first, *more]
        if not items:
            return 0
        if self._write(_decode(items)):
            found.client.delete(mine)
        return len(items)

    def run(self, until_empty=False):
        """Work until stopped (or, with ``until_empty``, until the queue is empty)."""
        last_spool_check = 0.0
        while not self.stopping:
            if time.monotonic() - last_spool_check >= 5:
                last_spool_check = time.monotonic()
                try:
                    drain_spool()
                except DatabaseError:
                    logger.exception("Could not write spooled clicks; they stay spooled")
            if queue() is None:
                if until_empty:
                    return
                time.sleep(self.wait_seconds)
                continue
            try:
                count = self.run_once(block=not until_empty)
            except redis.RedisError:
                logger.exception("The click queue is unreachable; trying again")
                time.sleep(self.wait_seconds)
                continue
            if count == 0 and until_empty:
                return


def waiting():
    """How many clicks wait in the queue (None if there is no queue or it is unreachable)."""
    found = queue()
    if found is None:
        return None
    try:
        return found.client.llen(queue_key())
    except redis.RedisError:
        return None
