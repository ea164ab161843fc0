import pytest
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker

from tests.factories import UserFactory

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings, tmp_path, monkeypatch):
    """Jobs queued in the database, as in production; ``run_worker()`` runs the real
    db_worker loop in this process until nothing is ready to run."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The loop closes connections outside autocommit, as a worker should; here the one
    # connection is inside the test's transaction, which must outlive the loop.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    with override_settings(TASKS=DATABASE_QUEUE):

        def run_worker():
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="test-worker",
                excluded_queue_names=[],
            ).run()

        yield run_worker


@pytest.fixture
def attempts_log(tmp_path):
    return tmp_path / "attempts.log"


def attempts_in(log):
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def staff_user(db):
    def make(**kwargs):
        return UserFactory(is_staff=True, **kwargs)

    return make
