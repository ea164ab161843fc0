"""Turn off two-step verification for an editor who lost their phone and backup codes."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from careersite.two_factor.devices import remove_second_factor


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator app and backup codes, so they sign in with their "
        "password alone and can set up a new app under Account › Security. Sessions that "
        "already gave a code stay signed in until they end."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user's username, as they sign in with it.")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
        if not remove_second_factor(user):
            self.stdout.write(f"{username} has no authenticator app; nothing to remove.")
            return
        self.stdout.write(
            f"Removed {username}'s authenticator app and backup codes. They can now sign in "
            "with their password alone and set up a new app under Account › Security."
        )
