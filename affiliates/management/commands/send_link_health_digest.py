"""E-mail the people who may change links the broken and redirected links that need
attention. Meant for a weekly timer; running it more often sends nothing new."""

from django.core.management.base import BaseCommand, CommandError

from affiliates.health.digest import RESEND_AFTER, send_digests


def people(count):
    return f"{count} {'person' if count == 1 else 'people'}"


class Command(BaseCommand):
    help = (
        "E-mail the weekly link health digest (broken and redirected affiliate links that "
        "nobody has acknowledged) to every active user with an e-mail address who may "
        "change affiliate links and has not turned it off in their account settings. "
        "Sends nothing when no link needs attention, and nothing to whoever was sent one "
        f"in the last {RESEND_AFTER.days} days unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=f"Send it even to people sent one in the last {RESEND_AFTER.days} days.",
        )

    def handle(self, *args, force, **options):
        run = send_digests(force=force)
        if not run.links:
            self.stdout.write("No link needs attention: no link health e-mail sent.")
            return
        links = "1 link needs" if run.links == 1 else f"{run.links} links need"
        self.stdout.write(f"{links} attention.")
        self.stdout.write(f"Sent the link health e-mail to {people(len(run.sent))}.")
        skipped = [
            (
                run.sent_recently,
                f"sent one in the last {RESEND_AFTER.days} days (--force sends again)",
            ),
            (run.opted_out, "turned off in their account settings"),
            (run.no_email, "no e-mail address"),
        ]
        for who, why in skipped:
            if who:
                self.stdout.write(f"Skipped {people(len(who))}: {why}.")
        if run.failed:
            names = ", ".join(person.get_username() for person in run.failed)
            # Non-zero exit, so the timer's unit shows the failure; the next run retries them.
            raise CommandError(
                f"Could not send it to {people(len(run.failed))} ({names}): see the log."
            )
