"""How the admin sign-in decides someone has guessed too often (django-axes).

Failures are counted two ways, each against its own limit:

- per account *and* address (``AXES_FAILURE_LIMIT``, default 5): a stranger guessing an
  editor's password locks out only that account from the stranger's address, never the
  editor signing in from anywhere else;
- per address (``AXES_ADDRESS_FAILURE_LIMIT``, default 20): one address guessing many
  accounts is stopped, but an office full of editors behind one address is not locked out
  by a colleague's typos.

Addresses are the ones our proxies vouch for (``careersite.client_address``), so behind
Varnish or a TLS terminator each client is told apart.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings


def _limits():
    # In the order of AXES_LOCKOUT_PARAMETERS: [["username", "ip_address"], "ip_address"].
    return (settings.AXES_FAILURE_LIMIT, settings.AXES_ADDRESS_FAILURE_LIMIT)


class SignInLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a separate, higher limit per address."""

    def get_failures(self, request, credentials=None):
        # Axes compares one number against AXES_FAILURE_LIMIT. Each parameter set's
        # failures are scaled to that limit, so the result reaches it exactly when any
        # set reaches its own limit: floor(f * L / M) >= L  <=>  f >= M.
        pair_limit, _ = _limits()
        scaled = []
        for attempts, limit in zip(
            self.get_user_attempts(request, credentials), _limits(), strict=True
        ):
            failures = sum(attempts.values_list("failures_since_start", flat=True))
            scaled.append(failures * pair_limit // limit)
        return max(scaled, default=0)

    def reset_user_attempts(self, request, credentials=None):
        # A successful sign-in clears that account's failures from that address only. The
        # address-wide count stays, or anyone with an account of their own could reset it
        # between guesses at other people's.
        pair_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair_attempts.delete()
        return count
