"""Production: everything deploy-specific must come from the environment."""

import os

from .base import *  # noqa: F403
from .base import env_bool, env_list, require_env

DEBUG = False
SECRET_KEY = require_env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [require_env("ALLOWED_HOSTS")]

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
