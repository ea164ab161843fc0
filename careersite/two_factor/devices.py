"""An editor's second factor: one authenticator app (a TOTP device) and its backup codes.

Every device is created, confirmed, checked and deleted here, so the rules live in one
place: an app counts only once a code from it has been accepted; a user has at most one;
backup codes are single use and replaced as a set; and every check goes through
django-otp's throttling, which doubles the wait after each wrong code (1 s, 2 s, 4 s, ...).
"""

import math
import re
from base64 import b32encode

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10

WRONG_CODE = "That code is not right. Check the app shows the account for this site and try again."

# What people paste: "123 456", "abcd-efgh", "ABCDEFGH".
_SEPARATORS = re.compile(r"[\s-]+")


class CodeRefused(Exception):
    """A code was not accepted; the message says why, in words an editor can act on."""


def has_second_factor(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def pending_authenticator_for(user):
    """The app being set up. It is kept across reloads, so a code already scanned stays good."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def readable_secret(device):
    """The key as people type it into an app by hand: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


@transaction.atomic
def confirm_authenticator(device):
    """Makes ``device`` the user's second factor and returns new backup codes, shown once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    return replace_backup_codes(device.user)


@transaction.atomic
def replace_backup_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def remove_second_factor(user):
    """Deletes the user's app and backup codes; returns whether there was anything to delete."""
    apps, _ = TOTPDevice.objects.filter(user=user).delete()
    codes, _ = StaticDevice.objects.filter(user=user).delete()
    return bool(apps or codes)


def verify_code(user, code, *, setting_up=False):
    """The device that accepts ``code`` for ``user``; raises ``CodeRefused`` otherwise.

    Six digits are checked against the authenticator app (the one being set up when
    ``setting_up``), anything else against the backup codes, so a mistyped code only slows
    down the device it was meant for.
    """
    code = _SEPARATORS.sub("", code).lower()
    if setting_up:
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=False)
    elif len(code) == 6 and code.isdigit():
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=True)
    else:
        devices = StaticDevice.objects.devices_for_user(user, confirmed=True)

    # Locked while checking, so two requests at once cannot both try a code before either
    # failure is counted. The refusal is raised only after the transaction commits, or the
    # failure count would be rolled back with it.
    with transaction.atomic():
        device = devices.select_for_update().first()
        if device is None:
            refusal = WRONG_CODE
        else:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                refusal = _wait_message(details["locked_until"])
            elif device.verify_token(code):
                return device
            else:
                refusal = WRONG_CODE
    raise CodeRefused(refusal)


def _wait_message(locked_until):
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes. Wait {seconds} {unit}, then try again."
