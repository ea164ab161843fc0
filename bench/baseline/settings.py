"""The least Django can do: no middleware, one template, one table, PostgreSQL."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "baseline-benchmark-only")  # noqa: S105
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
INSTALLED_APPS = ["baseline"]
MIDDLEWARE = []
ROOT_URLCONF = "baseline.urls"
WSGI_APPLICATION = "baseline.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
    }
]
# The same persistent, health-checked connections careersite uses.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/London"
