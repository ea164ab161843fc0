"""The click worker: writes queued and spooled clicks to the database (affiliates.clicks.queue)."""

import signal

from django.core.management.base import BaseCommand

from affiliates.clicks import queue as click_queue


class Command(BaseCommand):
    help = (
        "Write affiliate clicks waiting in the click queue (CLICK_QUEUE_URL) and in this "
        "machine's spool (CLICK_SPOOL_DIR) to the database, with their roll-ups. Runs until "
        "stopped; stopping (SIGTERM, Ctrl-C) finishes the batch in hand. Killed, it writes "
        "that batch again on its next start, and nothing is counted twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--name",
            help="This worker's name, unique among workers (default: the host name). A "
            "restarted worker takes up the batch its earlier run left under the same name.",
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--until-empty",
            action="store_true",
            help="Stop once the queue and the spool are empty (for a one-off catch-up).",
        )

    def handle(self, *args, name, batch_size, until_empty, **options):
        worker = click_queue.Worker(name=name, batch_size=batch_size)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        if click_queue.queue() is None:
            self.stdout.write("No click queue configured (CLICK_QUEUE_URL): only the spool.")
        worker.run(until_empty=until_empty)
        self.stdout.write(f"Wrote {worker.written} clicks.")
