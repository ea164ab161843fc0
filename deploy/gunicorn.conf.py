"""Gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py``.

Every value can be changed from the environment without editing this file:

| Variable | Default | Meaning |
| --- | --- | --- |
| ``GUNICORN_BIND`` | ``127.0.0.1:8000`` | Address(es) to listen on, comma-separated. |
| ``WEB_CONCURRENCY`` | 2 x usable CPUs + 1 | Worker processes. |
| ``GUNICORN_WORKER_CLASS`` | ``sync`` | ``sync`` or ``gthread`` (see docs/performance.md). |
| ``GUNICORN_THREADS`` | ``2`` | Threads per worker (``gthread`` only). |
| ``GUNICORN_TIMEOUT`` | ``30`` | Seconds a request may take before its worker is restarted. |
| ``GUNICORN_KEEPALIVE`` | ``15`` | Seconds an idle keep-alive connection is kept (gthread). |
| ``GUNICORN_MAX_REQUESTS`` | ``0`` (never) | Recycle a worker after this many requests. |
| ``GUNICORN_ACCESS_LOG`` | unset: off | ``-`` for stdout, or a file path. |
| ``GUNICORN_CONTROL_SOCKET`` | unset: off | Path for ``gunicornc``'s control socket. |
| ``FORWARDED_ALLOW_IPS`` | ``127.0.0.1,::1`` | Proxies trusted for ``X-Forwarded-*``. |
"""

import os


def _usable_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "careersite.wsgi:application"
bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]

# The app is CPU-bound (template rendering) with short database waits, so two
# workers per core keep both busy while one waits; the +1 covers a slow request.
workers = _int("WEB_CONCURRENCY", 2 * _usable_cpus() + 1)
# sync: one request per process at a time. Measured against gthread here (see
# docs/performance.md), it served as many requests with far shorter tails, since a
# gthread worker keeps the connections it accepted waiting behind its busy threads.
# Behind Varnish, which buffers slow clients, sync's lack of keep-alive costs little.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 2)  # gthread only

# Load the app once in the master, so workers fork ready to serve and a recycled
# worker starts in milliseconds. Code changes need a restart, not a HUP.
preload_app = True

timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# gthread only (sync closes each connection): longer than Varnish's idle time for
# backend connections, so the proxy closes idle ones and never reuses a dead one.
keepalive = _int("GUNICORN_KEEPALIVE", 15)

max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max(max_requests // 10, 0)

# Heartbeat files in memory: a slow or full disk must not look like a hung worker.
if os.path.isdir("/dev/shm"):  # noqa: S108 - a path gunicorn writes itself, not a temp file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Access logs cost a write per request; the front cache or CDN logs requests anyway.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "careersite"

# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl),
# which two instances on one host would fight over; give each its own path to use it.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "/run/careersite/gunicorn.ctl"
