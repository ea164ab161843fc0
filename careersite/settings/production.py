"""Production: everything deploy-specific must come from the environment.

Servers and scheduled jobs read it from one file, /etc/careersite/careersite.env
(template: deploy/careersite.env; docs/deployment.md). Settings that would leave a
deployment quietly wrong stop it from starting instead, with a message saying what to set.
"""

import os
from urllib.parse import urlsplit

import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS
from sentry_sdk.integrations.django import DjangoIntegration

from careersite.error_reports import without_personal_data

from .base import *  # noqa: F403
from .base import CACHE_URL, WAGTAILADMIN_BASE_URL, env_bool, env_list, require_env

DEBUG = False
SECRET_KEY = require_env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [require_env("ALLOWED_HOSTS")]

# Without a shared cache each process keeps its own: a publish or a link change would
# reach only the worker that made it while the others serve stale pages and destinations,
# each process would count readers with its own salt, and clicks would have no queue.
if not CACHE_URL:
    raise ImproperlyConfigured(
        "Set CACHE_URL (or REDIS_URL) to the Redis that every app server and worker "
        "shares, e.g. CACHE_URL=redis://127.0.0.1:6379/1. Production does not start "
        "without it: the page cache, the affiliate-link cache, the daily visitor salt and "
        "the click queue must be the same for every process, or a publish reaches only "
        "the worker that made it."
    )

# Wagtail puts this address in admin emails (workflow notifications, password resets),
# and absolute links (sitemap, feeds, sharing tags) fall back to it where no Site
# matches. Over plain http those links could be rewritten on the way, and the Secure
# session cookie is never sent there, so an editor following one could not sign in.
_public_address = urlsplit(WAGTAILADMIN_BASE_URL)
if _public_address.scheme != "https" or not _public_address.hostname:
    raise ImproperlyConfigured(
        "Set BASE_URL to the site's public https:// address, e.g. "
        "BASE_URL=https://careers.example.com (it is "
        f"{os.environ.get('BASE_URL') or 'unset'}). Production does not start without "
        "it: admin emails link to it, absolute links in the sitemap and feeds fall back "
        "to it, and the admin's Secure cookies work only over https."
    )

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers may ask app servers for /healthz/ over plain http, without the TLS
# terminator's X-Forwarded-Proto; a redirect would count as a failed check.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Hashed static files never change, so browsers and CDNs may keep them for a year.
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365


# --- Logs, error mail and error reports (README, docs/deployment.md) ----------------------
# One JSON object a line on stdout (time, level, logger, message and, with an exception, its
# traceback), for journald or a log shipper to collect. Django attaches the request to its
# records; its repr carries the query string, so it is left out. Axes' sign-in lines name
# the account and the address, so they say only which page was signed in to.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json_lines": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger", "exc_info": "exception"},
            "timestamp": "time",
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json_lines",
        },
        # Errors in requests and Django itself also go to ADMINS by mail, as by default.
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "affiliates": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
AXES_CLIENT_STR_CALLABLE = "careersite.logging.sign_in_attempt_description"
# Nor a line at every start: stdout is also where a command's own output goes.
AXES_VERBOSE = False

# Mail that no one set up would go to a server on localhost:25, which is usually not there:
# error reports, password resets and workflow notifications would be lost without a word.
if not os.environ.get("EMAIL_URL", "").strip():
    raise ImproperlyConfigured(
        "Set EMAIL_URL to the mail server the site sends through, e.g. "
        "EMAIL_URL=smtp+tls://careersite:secret@mail.example.com:587, or to dummy:// to "
        "send no mail at all. Production does not start without it: error reports to "
        "ADMINS, password resets and workflow notifications would go to localhost:25 "
        "and be lost."
    )
if not os.environ.get("DEFAULT_FROM_EMAIL"):
    DEFAULT_FROM_EMAIL = f"noreply@{_public_address.hostname}"
if not os.environ.get("SERVER_EMAIL"):
    SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sentry, when SENTRY_DSN is set: exceptions (and, at SENTRY_TRACES_SAMPLE_RATE, timings)
# with no personal data. Local variables are left out as well: a frame's could hold a
# reader's or an editor's details.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT") or "production",
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or "0"),
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=without_personal_data,
        before_send_transaction=without_personal_data,
    )


# --- Static file caching (deploy/, docs/deployment.md) -------------------------------------
# WhiteNoise serves hashed names (site.92e00c0c1479.css) with "max-age=315360000, public,
# immutable" whatever WHITENOISE_MAX_AGE says; that setting is only for *unhashed* names
# (site.css), whose content changes on every deploy. A year there would pin old CSS in
# browsers and CDNs, so unhashed names are kept for an hour. This supersedes the value above.
WHITENOISE_MAX_AGE = 60 * 60
