"""A task that takes longer than anyone waits for `make run` to stop, for its tests."""

import time

from django_tasks import task


@task()
def take_five_minutes():
    time.sleep(300)
