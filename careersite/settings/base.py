"""Settings shared by every environment.

Safe for production on its own: no secret key, DEBUG off, and every value that
differs between deployments comes from the environment (see the README table).
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "guides",
    "affiliates",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "careersite.security_headers.PermissionsPolicyMiddleware",
    # The affiliate redirect is the hottest path and needs none of what follows.
    "affiliates.clicks.middleware.AffiliateRedirectMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early, so a cached page skips sessions, auth and page rendering entirely.
    "guides.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Wagtail's site and home page from the cache, not two queries per request.
    "guides.navigation.CachedSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle sessions end first; then the admin asks for the second factor where one is due.
    "careersite.admin_sessions.AdminIdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "careersite.two_factor.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "careersite.security_headers.ContentSecurityPolicyMiddleware",
    # An admin action the disclosure rule refused goes back with the reason, not a 500.
    "affiliates.content.publishing.DisclosureRequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes must come last so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "careersite.urls"
WSGI_APPLICATION = "careersite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL names another.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the click writer work at once; IMMEDIATE transactions
    # plus a busy timeout make concurrent writers queue instead of failing with
    # "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # SQLite connections are cheap; persistent ones only hold file locks longer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the database is unreachable, so the redirect's cached links and
    # error pages answer quickly instead of waiting on the operating system's timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory unless CACHE_URL or REDIS_URL points at a shared Redis.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "careersite"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A cache outage must degrade to uncached pages, not 500s.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # Affiliate links for /go/: the same Redis, but failures are raised, so a link change
    # that could not reach the cache is noticed and retried (affiliates/clicks/link_cache.py).
    CACHES["links"] = {
        **CACHES["default"],
        "OPTIONS": {**CACHES["default"]["OPTIONS"], "IGNORE_EXCEPTIONS": False},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "links": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "links"},
    }

# Trusted reverse proxies in front of the app. Each appends the address it saw to
# X-Forwarded-For, so the client is the entry this many places from the right.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

# Where clicks wait for the database (affiliates/clicks/queue.py, docs/affiliate-links.md):
# a Redis list that `manage.py process_clicks` empties. Defaults to the shared cache's
# Redis; with none (the embedded default) each click is written at once. Clicks neither
# can take are spooled to files in CLICK_SPOOL_DIR on the app server's own disk.
CLICK_QUEUE_URL = os.environ.get("CLICK_QUEUE_URL") or CACHE_URL or ""
CLICK_SPOOL_DIR = Path(os.environ.get("CLICK_SPOOL_DIR") or BASE_DIR / "var" / "click-spool")
# Human clicks one address can add per link per hour; more are kept but flagged as bots.
CLICK_HUMAN_LIMIT_PER_HOUR = int(os.environ.get("CLICK_HUMAN_LIMIT_PER_HOUR", "10"))

# Days raw affiliate clicks are kept before `manage.py prune_clicks` deletes them; the
# daily roll-up the click reports read is kept for good.
CLICK_RETENTION_DAYS = int(os.environ.get("CLICK_RETENTION_DAYS", "90"))
# How long a click id still finds its link, page and day after the raw click is gone:
# networks report sales weeks later and change their status for months.
ATTRIBUTION_RETENTION_DAYS = int(os.environ.get("ATTRIBUTION_RETENTION_DAYS", "400"))

# Seconds a page is kept in the anonymous page cache (0 turns the cache off).
# Publishing or changing anything a page shows replaces cached pages at once.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Seconds each app server serves a page it has just read from the page cache without
# asking again: how late, at most, another server shows a publish (0: ask every time).
PAGE_CACHE_LOCAL_SECONDS = float(os.environ.get("PAGE_CACHE_LOCAL_SECONDS", "1"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute-force protection for the admin login (careersite/sign_in.py): an account is locked
# out from one address after five failures, and an address after twenty failures across
# accounts, for a quarter of an hour. Addresses are the client's, as PROXY_COUNT proxies
# vouch for it, never the proxy's own.
AXES_HANDLER = "careersite.sign_in.SignInLockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "careersite.client_address.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"

# --- Admin sign-in: two-step verification and session length (docs/deployment.md) ---------
# Any editor may add an authenticator app under Account › Security; the admin then asks for
# its code after the password (careersite/two_factor/). Wrong codes are throttled by
# django-otp: each one doubles the wait before the next try (1 s, 2 s, 4 s, ...).
# SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS makes superusers set one up before using the admin.
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "careersite.two_factor",
]
SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS = env_bool("SECOND_FACTOR_REQUIRED_FOR_SUPERUSERS", False)
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = os.environ.get("SITE_NAME", "Career Compass")
# Signed-in sessions end after this long without a request, and this long after signing in
# however busy (careersite/admin_sessions.py). The cookie lasts no longer than a session may.
ADMIN_IDLE_TIMEOUT_MINUTES = int(os.environ.get("ADMIN_IDLE_TIMEOUT_MINUTES", "60"))
ADMIN_SESSION_MAX_HOURS = int(os.environ.get("ADMIN_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = ADMIN_SESSION_MAX_HOURS * 60 * 60

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# An empty value in the environment file means the default, never the current folder.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Uploads (images and their renditions) from the app itself, for the front cache to
# keep; off when a web server or CDN in front serves MEDIA_ROOT at MEDIA_URL.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Security headers every environment sends.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Wagtail marks its own preview views SAMEORIGIN, so everything else can refuse framing.
X_FRAME_OPTIONS = "DENY"
# Browser features no page of ours uses, refused for every page and anything it frames
# (careersite/security_headers.py). Django has no setting for this header.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Content-Security-Policy (careersite/security_headers.py). Reader pages, error pages
# and feeds run no inline script or style and are never framed, so their policy allows
# only files from this site. The Wagtail admin (and its page previews, which render
# reader templates) needs inline scripts and styles for its editor, image previews from
# data: and blob: addresses, and frames its own previews, so it gets a looser policy.
# Neither loads anything from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
    }
}
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

WAGTAIL_SITE_NAME = os.environ.get("SITE_NAME", "Career Compass")
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Avatars from an outside service would break the admin's Content-Security-Policy
# and tell that service who signs in; Wagtail shows its own default instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Outbound requests to addresses editors typed, such as the link checker's
# (careersite/outbound.py): only public addresses, only the standard web ports, on every
# redirect. Tests add their local servers here; a deployment has no reason to.
OUTBOUND_ALLOWED_NETWORKS = []  # e.g. ["127.0.0.0/8", "::1/128"]
OUTBOUND_ALLOWED_PORTS = [80, 443]
WAGTAIL_I18N_ENABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "affiliates": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Mail: error reports to ADMINS, password resets, workflow notifications ----------------
# EMAIL_URL names the mail server, e.g. smtp+tls://careersite:secret@mail.example.com:587
# (STARTTLS), smtp+ssl://…:465 (TLS from the start) or smtp://…:25, and also takes
# dj-email-url's own schemes (submission://, console://, dummy://, …). Unset, Django's
# default stands (a server on localhost:25); production refuses to start that way.
EMAIL_URL_ALIASES = {
    # Scheme: (what dj-email-url reads instead, the flag it stands for, its default port).
    "smtp+tls": ("smtp", "EMAIL_USE_TLS", 587),
    "smtp+ssl": ("smtp", "EMAIL_USE_SSL", 465),
}
# Without a timeout a mail server that stops answering holds the request that sends mail.
EMAIL_TIMEOUT_SECONDS = 10
ADMIN_ENTRY = re.compile(r"(?:(?P<name>[^<>]*?)\s*<(?P<address>[^<>]*)>|(?P<bare>[^<>\s]+))")


def env_admins(name):
    """[(name, address), …] from e.g. ADMINS="Ops <ops@example.com>,jo@example.com"."""
    admins = []
    for entry in env_list(name):
        match = ADMIN_ENTRY.fullmatch(entry)
        address = "" if match is None else match["bare"] or match["address"].strip()
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name} entry {entry!r} is not an e-mail address with an optional name. "
                f'Write it as {name}="Ops <ops@example.com>,Jo <jo@example.com>": people '
                "separated by commas, each an address or a name and <address>, with no "
                "comma inside a name."
            ) from None
        admins.append((match["name"] or address, address))
    return admins


def env_email(name):
    """The EMAIL_* settings named by the mail server URL in `name`; {} when it is unset."""
    url = os.environ.get(name, "").strip()
    if not url:
        return {}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    # Messages show the URL without its password: they end up in logs and terminals.
    shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    dj_scheme, flag, default_port = EMAIL_URL_ALIASES.get(scheme, (scheme, None, None))
    if dj_scheme not in dj_email_url.SCHEMES:
        accepted = ", ".join(f"{known}://" for known in [*EMAIL_URL_ALIASES, *dj_email_url.SCHEMES])
        raise ImproperlyConfigured(
            f"{name}={shown} is not a mail server URL this site knows. Use one of {accepted} "
            f"e.g. {name}=smtp+tls://careersite:secret@mail.example.com:587."
        )
    needs_host = dj_email_url.SCHEMES[dj_scheme].endswith(".smtp.EmailBackend")
    try:
        port = parts.port
        names_a_server = bool(parts.hostname) or not needs_host
    except ValueError:  # a port that is not a number, or out of range
        names_a_server = False
    if not names_a_server:
        raise ImproperlyConfigured(
            f"{name}={shown} must name the mail server and, optionally, a numeric port, "
            f"e.g. {name}=smtp+tls://careersite:secret@mail.example.com:587."
        )
    settings = dj_email_url.parse(parts._replace(scheme=dj_scheme).geturl())
    if flag:
        settings[flag] = True
        settings["EMAIL_PORT"] = port or default_port
    settings["EMAIL_HOST_USER"] = settings["EMAIL_HOST_USER"] or ""
    settings["EMAIL_HOST_PASSWORD"] = settings["EMAIL_HOST_PASSWORD"] or ""
    settings["EMAIL_TIMEOUT"] = settings["EMAIL_TIMEOUT"] or EMAIL_TIMEOUT_SECONDS
    return settings


# Who gets a mail for each server error (Django's AdminEmailHandler on the "django" logger).
ADMINS = env_admins("ADMINS")
_mail_server = env_email("EMAIL_URL")
if _mail_server:
    EMAIL_BACKEND = _mail_server["EMAIL_BACKEND"]
    EMAIL_HOST = _mail_server["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = _mail_server["EMAIL_PORT"] or 25
    EMAIL_HOST_USER = _mail_server["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _mail_server["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _mail_server["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _mail_server["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _mail_server["EMAIL_TIMEOUT"]
    if _mail_server["EMAIL_FILE_PATH"]:
        EMAIL_FILE_PATH = _mail_server["EMAIL_FILE_PATH"]
# The sender of mail to editors, and of error reports to ADMINS.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "webmaster@localhost"
SERVER_EMAIL = os.environ.get("SERVER_EMAIL") or DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = f"[{WAGTAIL_SITE_NAME}] "
# Error mails show the traceback and the request, but not the client's address, its
# cookies or what it typed into a form (careersite/error_reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "careersite.error_reports.PersonalDataFreeReporterFilter"


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


# --- Front cache purging (deploy/varnish/default.vcl, docs/deployment.md) ------------------
# FRONTEND_CACHE_URL: the front cache's address as the app servers reach it, e.g.
# http://127.0.0.1:6081 (comma-separated for several caches). When a page is published,
# unpublished or moved, each cache gets a PURGE for that page and the pages around it.
# Unset (the default), nothing is purged.
INSTALLED_APPS += ["wagtail.contrib.frontend_cache", "careersite.front_cache"]
WAGTAILFRONTENDCACHE = {
    f"front-cache-{number}": {
        "BACKEND": "careersite.front_cache.backends.TimeLimitedHTTPBackend",
        "LOCATION": location,
        "TIMEOUT": 2,
    }
    for number, location in enumerate(env_list("FRONTEND_CACHE_URL"), start=1)
}


# Background jobs (django-tasks): Wagtail's own work (front-cache purges, search and
# reference-index updates) and the site's imports, exports and link checks run in the
# job worker (`manage.py db_worker`, started by `make run` and deploy/systemd), queued in
# the database: no server beyond the ones the site already has.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
