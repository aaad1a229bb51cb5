"""A clerk who has used most of their two-factor backup codes (issue 20).

``clerk_qingshan`` has an authenticator app (the demo's published key below: add it to an
app to try ``STAFF_OTP_REQUIRED=1 make run``) and the ten backup codes made with it, seven
of them used: their workbench warns that only three are left and links to the page that
makes a new set. Everything goes through ``safeguards.backup_codes``, so the audit log
has the codes made and each one used. The three codes left are printed by ``seed_demo``
the one time they are made (only their hashes are stored). Idempotent: a clerk who has an
authenticator is left as is.
"""

from __future__ import annotations

import base64
import datetime

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.models import User
from safeguards import backup_codes

USERNAME = "clerk_qingshan"
# RFC 6238's published test key ("12345678901234567890"): demo data only, never a secret.
DEMO_KEY = "3132333435363738393031323334353637383930"
USED = 7
# The codes left, as seed_demo prints them (filled by the run that makes them).
SHOWN: list[str] = []


def demo_key_base32() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_KEY)).decode("ascii")


def seed(today: datetime.date) -> dict[str, int]:
    SHOWN.clear()  # shown once: a later run has nothing to show
    user = User.objects.filter(username=USERNAME).first()
    if user is None or TOTPDevice.objects.filter(user=user).exists():
        return {"backup codes left": 0}
    with transaction.atomic():
        TOTPDevice.objects.create(user=user, name="手机", key=DEMO_KEY, confirmed=True)
        codes = backup_codes.issue_backup_codes(user=user, actor=user)
        for code in codes[:USED]:
            backup_codes.use_backup_code(user=user, code=code)
    SHOWN[:] = [backup_codes.shown(code) for code in codes[USED:]]
    return {"backup codes left": len(SHOWN)}


def notes() -> list[str]:
    """What seed_demo prints once: the key to add to an app and the codes left."""
    if not SHOWN:
        return []
    return [
        f"two-factor: {USERNAME}'s authenticator key {demo_key_base32()}; backup codes left: {', '.join(SHOWN)}",
    ]
