"""Production: everything deploy-specific must come from the environment.

Servers and scheduled jobs read it from one file, /etc/careersite/careersite.env
(template: deploy/careersite.env; docs/deployment.md). Settings that would leave a
deployment quietly wrong stop it from starting instead, with a message saying what to set.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

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
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Hashed static files never change, so browsers and CDNs may keep them for a year.
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")  # noqa: F405


# --- Static file caching (deploy/, docs/deployment.md) -------------------------------------
# WhiteNoise serves hashed names (site.92e00c0c1479.css) with "max-age=315360000, public,
# immutable" whatever WHITENOISE_MAX_AGE says; that setting is only for *unhashed* names
# (site.css), whose content changes on every deploy. A year there would pin old CSS in
# browsers and CDNs, so unhashed names are kept for an hour. This supersedes the value above.
WHITENOISE_MAX_AGE = 60 * 60
