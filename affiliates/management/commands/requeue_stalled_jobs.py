"""Take back jobs whose worker died mid-attempt. Run every few minutes (a systemd timer)."""

from django.core.management.base import BaseCommand

from affiliates.jobs.models import Job
from affiliates.jobs.running import requeue_stalled_jobs


class Command(BaseCommand):
    help = (
        "Queue the next attempt of every running job whose worker has not been heard from "
        "for JOBS_STALLED_AFTER_SECONDS (or fail it after its last attempt). Safe to repeat."
    )

    def handle(self, *args, **options):
        running = Job.objects.filter(status=Job.Status.RUNNING).values_list("pk", flat=True)
        running_before = set(running)
        requeue_stalled_jobs()
        still_running = set(running.all())
        taken_back = len(running_before - still_running)
        self.stdout.write(f"Took back {taken_back} stalled job{'s' if taken_back != 1 else ''}.")
