"""Settings for job workers started by the tests: the database queue, quick heartbeats."""

import os
from pathlib import Path

from careersite.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if os.environ.get("MEDIA_ROOT"):
    MEDIA_ROOT = Path(os.environ["MEDIA_ROOT"])
JOBS_HEARTBEAT_SECONDS = 0.2
JOBS_STALLED_AFTER_SECONDS = 3
JOBS_RETRY_BASE_SECONDS = 0.5
