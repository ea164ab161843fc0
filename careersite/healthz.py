"""``/healthz/``: can this app server reach what it depends on? For probes and alerting.

Load balancers, the front cache's probe (deploy/varnish/default.vcl) and monitoring ask
it. It answers ``200`` when every check passes and ``503`` when any fails, with the same
JSON either way, e.g.::

    {"status": "failing", "failing": ["database", "job_queue"],
     "checks": {"database": {"status": "failing", "reason": "no answer within 1.5 s"},
                "cache": {"status": "ok", "seconds": 0.001}, ...}}

The checks: ``database`` (a query on a new connection), ``cache`` and ``links_cache``
(a value written to and read back from each cache; both are the shared Redis in
production), and ``job_queue`` (django-tasks' default backend; with the database backend,
how many jobs are waiting to run and how long the oldest has waited). A long queue means
no worker is running, not that this server cannot serve readers, so it is reported but
never makes the check fail; only a queue that cannot be read does.

A dependency that hangs must not hang the probe, which would then time out without
saying what is wrong. A socket can block past any client-side timeout (a stopped
PostgreSQL accepts connections and never answers; psycopg's connect timeout is at least
2 s), so every check runs in a thread of its own, all at once, and whatever has not
answered within CHECK_SECONDS is reported as failing. A check still running when the next
probe comes is waited for again rather than started twice, so a hung dependency holds at
most one thread per check in each process; each connection's own timeouts
(``connect_timeout``, the ``statement_timeout`` below, Redis' socket timeout) free it in
the end.

Reasons name the kind of failure only: the endpoint is public, and an exception's text
can name internal addresses. The full error goes to the log.
"""

import contextlib
import functools
import logging
import threading
import time
import uuid
from concurrent.futures import Future, wait

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Count, Min
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Probes allow 2 s (the VCL's .timeout); the answer must be written well inside that.
CHECK_SECONDS = 1.5
# A query the server is slow to run (a lock held by a migration, say) is cancelled by the
# server itself, so the check's thread and connection do not linger.
STATEMENT_TIMEOUT = "1000ms"
# Seconds a check's cache entry lives; each check writes one of its own.
CACHE_PROBE_SECONDS = 10


class CheckFailed(Exception):
    """A check's own finding, safe to show as it is."""


def check_database():
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        connection.ensure_connection()
    except Exception as error:
        raise CheckFailed(f"could not connect ({type(error).__name__})") from error
    limit_statement_time(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {}


def check_cache(alias):
    cache = caches[alias]
    # A key of its own: workers and app servers checking the same Redis at once must
    # never read each other's value.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, True, CACHE_PROBE_SECONDS)
    # The default cache swallows its errors (IGNORE_EXCEPTIONS): an unreachable Redis
    # shows only as a value that does not come back.
    if cache.get(key) is not True:
        raise CheckFailed("a value written could not be read back")
    return {}


def check_job_queue():
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    details = {"backend": type(backend).__name__}
    if isinstance(backend, DatabaseBackend):
        limit_statement_time(connections[DEFAULT_DB_ALIAS])
        waiting = (
            DBTaskResult.objects.ready()
            .filter(backend_name=backend.alias)
            .aggregate(count=Count("pk"), oldest=Min("enqueued_at"))
        )
        details["waiting"] = waiting["count"]
        details["oldest_waiting_seconds"] = (
            round((timezone.now() - waiting["oldest"]).total_seconds())
            if waiting["oldest"]
            else None
        )
    return details


def limit_statement_time(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [STATEMENT_TIMEOUT])


CHECKS = {
    "database": check_database,
    "cache": functools.partial(check_cache, "default"),
    "links_cache": functools.partial(check_cache, "links"),
    "job_queue": check_job_queue,
}

_running = {}
_running_lock = threading.Lock()


def import_backends():
    """Import what the checks use now, when this module loads, not inside a check.

    Backends are imported on first use, and importing django-redis and redis-py alone can
    take longer than a check may: a fresh worker's first probe would report a healthy
    Redis as failing.
    """
    connections[DEFAULT_DB_ALIAS]
    for alias in ("default", "links"):
        caches[alias]


import_backends()


def start_check(name):
    """The future result of check ``name``: the one still running, or a new one."""
    with _running_lock:
        future = _running.get(name)
        if future is None or future.done():
            future = Future()
            _running[name] = future
            threading.Thread(
                target=run_check, args=(name, future), name=f"healthz-{name}", daemon=True
            ).start()
    return future


def run_check(name, future):
    started = time.monotonic()
    try:
        result = {"status": "ok", **CHECKS[name]()}
    except Exception as error:
        reason = str(error) if isinstance(error, CheckFailed) else type(error).__name__
        cause = error.__cause__ or error
        logger.warning("Health check %s failed: %s: %s", name, type(cause).__name__, cause)
        result = {"status": "failing", "reason": reason}
    # Connections belong to this thread, which ends here: nothing else would close them.
    # One that broke is dropped all the same, and the check has already said so.
    with contextlib.suppress(DatabaseError):
        connections.close_all()
    result["seconds"] = round(time.monotonic() - started, 3)
    future.set_result(result)


@require_safe
def healthz(request):
    futures = {name: start_check(name) for name in CHECKS}
    wait(futures.values(), timeout=CHECK_SECONDS)
    checks = {}
    for name, future in futures.items():
        if future.done():
            checks[name] = future.result()
        else:
            logger.warning("Health check %s: no answer within %s s", name, CHECK_SECONDS)
            checks[name] = {"status": "failing", "reason": f"no answer within {CHECK_SECONDS} s"}
    failing = [name for name, result in checks.items() if result["status"] != "ok"]
    response = JsonResponse(
        {"status": "failing" if failing else "ok", "failing": failing, "checks": checks},
        status=503 if failing else 200,
    )
    add_never_cache_headers(response)
    return response
