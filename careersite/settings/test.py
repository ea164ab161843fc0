"""The test suite: fast hashing, isolated caches, real database from DATABASE_URL."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests need no collected, hashed static files.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405

# Serve static files straight from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Clicks are written at once unless a test asks for the queue (tests/affiliates/clicks/
# test_click_queue.py gives it a Redis database of its own), and spooled to a folder
# of the test run's own.
CLICK_QUEUE_URL = ""
CLICK_SPOOL_DIR = BASE_DIR / ".test-spool"  # noqa: F405

# Jobs run at once, inside the request or command that queues them, unless a test asks
# for the database queue and its worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
