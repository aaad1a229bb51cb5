"""One-time backup codes for two-factor login (issue 20): for the day the phone is lost.

- **Made** when the authenticator app is confirmed (``issue_backup_codes``): ten codes,
  shown once, on the page that answers the confirming code, with the advice to print them
  or write them down. The user makes a new set on their backup-codes page (the old ones stop
  working at once); the security admin's reset of the authenticator removes them too
  (``remove_backup_codes``). Codes exist only beside a confirmed authenticator.
- **A code** is ten characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown
  as two groups of five; it may be typed in either case, with or without spaces or a dash.
- **Stored** in django-otp's static device (one per user) as one ``StaticToken`` per code
  whose ``token`` is the code's keyed hash (``crypto.short_keyed_hash``: HMAC-SHA256 with
  ``PERSONAL_DATA_HASH_KEY``, 80 bits), never the code: a database dump or a backup alone
  does not reveal one (docs/security.md). ``StaticDevice.verify_token`` is therefore never
  called: it would compare the typed code with the hash.
- **Used** by deleting its row (``use_backup_code``): a single DELETE whose row count says
  whether this request took the code. Two requests with the same code cannot both take it:
  the second waits for the first's row lock and deletes nothing. The verify page calls it
  under its lock on the authenticator, whose throttle counts a wrong backup code exactly
  as a wrong app code (the two cannot be alternated to guess twice as fast).
- **Audited**: ``otp.backup_codes_generate``, ``otp.backup_codes_regenerate``,
  ``otp.backup_code_use`` (the device and how many are left, never the code) and
  ``otp.backup_codes_remove``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .crypto import short_keyed_hash

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0, 1, I, L or O: nothing to misread
CODE_LENGTH = 10  # 31^10, about 2^49.5 codes
CODE_COUNT = 10
FEW_LEFT = 3  # the workbench and the portal warn from this many left
DEVICE_NAME = "backup codes"
HASH_PURPOSE = "otp-backup-code"
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """A code as the page shows it: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


def normalised(typed: str) -> str:
    """What the user typed, without spaces or dashes, in capitals."""
    return re.sub(r"[\s\-]", "", typed).upper()


def is_code_shaped(typed: str) -> bool:
    return bool(_CODE.fullmatch(normalised(typed)))


def code_hash(code: str) -> str:
    return short_keyed_hash(HASH_PURPOSE, normalised(code))


def codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@dataclass(frozen=True)
class BackupCodeStatus:
    """What the workbench and the portal say about a user's backup codes."""

    enrolled: bool  # a confirmed authenticator app, so backup codes are for them
    left: int

    @property
    def few_left(self) -> bool:
        return self.enrolled and self.left <= FEW_LEFT


def backup_code_status(user: Any) -> BackupCodeStatus:
    """Two queries, whatever the user has."""
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return BackupCodeStatus(enrolled=enrolled, left=codes_left(user) if enrolled else 0)


def _locked_authenticator(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator, locked: what serialises their backup codes."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise ValidationError(_("Set up the authenticator app first: backup codes come with it."), code="no_device")
    return device


@transaction.atomic
def issue_backup_codes(*, user: Any, actor: Any = None) -> list[str]:
    """A new set of codes for ``user``; whatever codes they had stop working. Returns the
    codes in clear, to be shown once (only their hashes are stored); audited."""
    _locked_authenticator(user)
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    first = device is None
    if device is None:
        device = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    before = device.token_set.count()
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < CODE_COUNT:
        codes.add(new_code())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code_hash(code)) for code in codes)
    audit_record(
        "otp.backup_codes_generate" if first else "otp.backup_codes_regenerate",
        actor=actor,
        obj=device,
        before=None if first else {"codes_left": before},
        after={"codes_left": CODE_COUNT},
        detail=f"{CODE_COUNT} backup codes for {user.get_username()}",
    )
    return sorted(codes)


def use_backup_code(*, user: Any, code: str) -> StaticDevice | None:
    """Take ``code`` from ``user``'s backup codes; the device it was on, or None when it
    is not one of them (any more). Atomic by itself: one DELETE; audited when taken."""
    if not is_code_shaped(code):
        return None
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        return None
    taken, _counts = StaticToken.objects.filter(device=device, token=code_hash(code)).delete()
    if not taken:
        return None
    device.set_last_used_timestamp(commit=True)
    left = device.token_set.count()
    audit_record(
        "otp.backup_code_use", actor=user, obj=device, after={"codes_left": left}, detail=f"{left} backup codes left"
    )
    return device


@transaction.atomic
def remove_backup_codes(*, user: Any, actor: Any = None) -> int:
    """Delete ``user``'s backup codes (the authenticator was reset); the number removed.
    Audited on the account when there was a set."""
    devices = list(StaticDevice.objects.select_for_update().filter(user=user))
    if not devices:
        return 0
    removed = StaticToken.objects.filter(device__in=devices).count()
    StaticDevice.objects.filter(pk__in=[d.pk for d in devices]).delete()  # their tokens go with them
    audit_record(
        "otp.backup_codes_remove",
        actor=actor,
        obj=user,
        before={"codes_left": removed},
        after={"codes_left": 0},
        detail=f"backup codes of {user.get_username()} removed",
    )
    return removed
