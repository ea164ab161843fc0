"""Where job files live: under ``MEDIA_ROOT/jobs/``, each in a folder named by a random
token, and only ever served through the permission-checked download view.

The token matters where ``MEDIA_ROOT`` is served as it is (a web server pointed at the
whole folder; the app's own ``/media/`` serves only images): a file nobody can name
can't be fetched there.
"""

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property

FOLDER = "jobs"


class JobFileStorage(FileSystemStorage):
    """``MEDIA_ROOT/jobs``, following ``MEDIA_ROOT`` when a test changes it."""

    @cached_property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, FOLDER)


job_files = JobFileStorage()


def job_file_name(instance, filename):
    return f"{secrets.token_urlsafe(16)}/{os.path.basename(filename)}"
