import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from careersite.settings.base import env_admins, env_email

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "careers.example.com",
    # Settings only: nothing here connects to it.
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "BASE_URL": "https://careers.example.com",
    # Settings only: no mail is sent.
    "EMAIL_URL": "smtp+tls://careersite:secret@mail.example.com:587",
}
# What the caller's environment must not decide for these tests.
CONTROLLED = {
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "CACHE_URL",
    "REDIS_URL",
    "BASE_URL",
    "EMAIL_URL",
    "ADMINS",
    "DEFAULT_FROM_EMAIL",
    "SERVER_EMAIL",
    "LOG_LEVEL",
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
    "SENTRY_TRACES_SAMPLE_RATE",
}


def run_manage(settings_module, *args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        # The browser tests relax Django's async-safety check for their own process only.
        if key not in CONTROLLED | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_setting(settings_module, name, **env):
    result = run_manage(
        settings_module,
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print(settings.{name})",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("module", ["dev", "test", "production"])
def test_each_settings_module_loads_and_passes_system_checks(module):
    env = PRODUCTION_ENV if module == "production" else {}
    result = run_manage(f"careersite.settings.{module}", "check", **env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_is_on_in_development_and_off_in_production():
    assert read_setting("careersite.settings.dev", "DEBUG") == "True"
    assert read_setting("careersite.settings.production", "DEBUG", **PRODUCTION_ENV) == "False"


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("careersite.settings.production", "check", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "REDIS_URL"}

    result = run_manage("careersite.settings.production", "check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set CACHE_URL (or REDIS_URL) to the Redis" in result.stderr
    assert "the page cache, the affiliate-link cache" in result.stderr


def test_production_takes_the_shared_cache_from_cache_url_or_redis_url():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "REDIS_URL"}

    location = read_setting(
        "careersite.settings.production",
        "CACHES['default']['LOCATION']",
        CACHE_URL="redis://127.0.0.1:6379/7",
        **env,
    )

    assert location == "redis://127.0.0.1:6379/7"


@pytest.mark.parametrize(
    ("base_url", "shown"),
    [
        (None, "unset"),
        ("http://careers.example.com", "http://careers.example.com"),
        ("https://", "https://"),
    ],
)
def test_production_refuses_to_start_without_an_https_base_url(base_url, shown):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "BASE_URL"}
    if base_url is not None:
        env["BASE_URL"] = base_url

    result = run_manage("careersite.settings.production", "check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set BASE_URL to the site's public https:// address" in (
        result.stderr
    )
    assert f"(it is {shown})" in result.stderr


def test_production_passes_the_deployment_checklist_with_no_warnings():
    result = run_manage(
        "careersite.settings.production",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_database_url_selects_the_database_and_sqlite_runs_in_wal_mode():
    engine = read_setting(
        "careersite.settings.dev", "DATABASES['default']['ENGINE']", DATABASE_URL=""
    )
    assert engine == "django.db.backends.sqlite3"
    options = read_setting(
        "careersite.settings.dev", "DATABASES['default']['OPTIONS']", DATABASE_URL=""
    )
    assert "journal_mode=WAL" in options
    assert "'timeout': 20" in options
    postgres = read_setting(
        "careersite.settings.dev",
        "DATABASES['default']",
        DATABASE_URL="postgres://someone@db.example.com:5432/careers",
    )
    assert "postgresql" in postgres
    assert "'CONN_HEALTH_CHECKS': True" in postgres
    assert "'CONN_MAX_AGE': 600" in postgres


def test_cache_defaults_to_local_memory_and_uses_redis_when_configured():
    default = read_setting(
        "careersite.settings.dev", "CACHES['default']['BACKEND']", REDIS_URL="", CACHE_URL=""
    )
    assert default.endswith("LocMemCache")
    redis = read_setting(
        "careersite.settings.dev",
        "CACHES['default']['BACKEND']",
        REDIS_URL="redis://127.0.0.1:6379/1",
        CACHE_URL="",
    )
    assert redis == "django_redis.cache.RedisCache"


def test_production_refuses_to_start_without_a_mail_server():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "EMAIL_URL"}

    result = run_manage("careersite.settings.production", "check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set EMAIL_URL to the mail server" in result.stderr
    assert "or to dummy:// to send no mail at all" in result.stderr


def test_production_may_be_told_explicitly_to_send_no_mail():
    backend = read_setting(
        "careersite.settings.production",
        "EMAIL_BACKEND",
        **{**PRODUCTION_ENV, "EMAIL_URL": "dummy://"},
    )

    assert backend == "django.core.mail.backends.dummy.EmailBackend"


def test_production_sends_mail_from_the_sites_own_host_unless_told_otherwise():
    senders = read_setting(
        "careersite.settings.production",
        "DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL",
        **PRODUCTION_ENV,
    )

    assert senders == "noreply@careers.example.com noreply@careers.example.com"


def test_admins_are_read_as_names_and_addresses(monkeypatch):
    monkeypatch.setenv("ADMINS", "Ops <ops@example.com>, Jo Bloggs<jo@example.com>,al@example.org")

    assert env_admins("ADMINS") == [
        ("Ops", "ops@example.com"),
        ("Jo Bloggs", "jo@example.com"),
        ("al@example.org", "al@example.org"),
    ]


def test_no_admins_means_no_error_mail(monkeypatch):
    monkeypatch.setenv("ADMINS", "")

    assert env_admins("ADMINS") == []


@pytest.mark.parametrize(
    "entry",
    [
        "Ops",
        "Ops <ops>",
        "Ops <ops@example.com",
        "Ops ops@example.com",
        "<>",
        "Ops <ops@example.com> <jo@example.com>",
    ],
)
def test_a_malformed_admin_stops_the_settings_and_shows_how_to_write_it(monkeypatch, entry):
    monkeypatch.setenv("ADMINS", f"Jo <jo@example.com>,{entry}")

    with pytest.raises(ImproperlyConfigured) as refusal:
        env_admins("ADMINS")

    assert f"ADMINS entry {entry!r} is not an e-mail address with an optional name" in str(
        refusal.value
    )
    assert 'ADMINS="Ops <ops@example.com>,Jo <jo@example.com>"' in str(refusal.value)


def test_a_malformed_admin_stops_production_from_starting():
    result = run_manage(
        "careersite.settings.production", "check", ADMINS="ops at example.com", **PRODUCTION_ENV
    )

    assert result.returncode != 0
    assert "ADMINS entry 'ops at example.com' is not an e-mail address" in result.stderr


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "ssl"),
    [
        ("smtp+tls://careersite:s%24cret@mail.example.com:2587", "mail.example.com", 2587, 1, 0),
        ("smtp+tls://careersite:s%24cret@mail.example.com", "mail.example.com", 587, 1, 0),
        ("smtp+ssl://careersite:s%24cret@mail.example.com", "mail.example.com", 465, 0, 1),
        ("smtp://careersite:s%24cret@relay.internal", "relay.internal", 25, 0, 0),
        ("submission://careersite:s%24cret@mail.example.com", "mail.example.com", 587, 1, 0),
    ],
)
def test_the_mail_server_url_sets_host_port_encryption_and_credentials(
    monkeypatch, url, host, port, tls, ssl
):
    monkeypatch.setenv("EMAIL_URL", url)

    mail = env_email("EMAIL_URL")

    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"]) == (host, port)
    assert (mail["EMAIL_USE_TLS"], mail["EMAIL_USE_SSL"]) == (bool(tls), bool(ssl))
    assert (mail["EMAIL_HOST_USER"], mail["EMAIL_HOST_PASSWORD"]) == ("careersite", "s$cret")
    # A mail server that stops answering must not hold a request for ever.
    assert mail["EMAIL_TIMEOUT"] == 10


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("smtps+tls://careersite:hunter2@mail.example.com", "is not a mail server URL"),
        ("mail.example.com:587", "is not a mail server URL"),
        ("smtp+tls://careersite:hunter2@:587", "must name the mail server"),
        ("smtp+tls://careersite:hunter2@mail.example.com:port", "must name the mail server"),
    ],
)
def test_a_malformed_mail_server_url_is_refused_without_showing_its_password(
    monkeypatch, url, complaint
):
    monkeypatch.setenv("EMAIL_URL", url)

    with pytest.raises(ImproperlyConfigured) as refusal:
        env_email("EMAIL_URL")

    assert complaint in str(refusal.value)
    assert "smtp+tls://careersite:secret@mail.example.com:587" in str(refusal.value)
    assert "hunter2" not in str(refusal.value)
