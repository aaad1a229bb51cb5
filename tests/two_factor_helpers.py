"""What a user's authenticator app and printed backup codes give a test: the current code,
a code the app does not show, and the codes an enrolment page showed."""

from __future__ import annotations

import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def app_code(device: TOTPDevice, steps: int = 0) -> str:
    """The code the user's app shows now (``steps`` time steps later or earlier)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps):0{device.digits}d}"


def wrong_app_code(device: TOTPDevice) -> str:
    accepted = {app_code(device, steps) for steps in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 10**6)) if c not in accepted)


def codes_on_page(html: str) -> list[str]:
    """The backup codes a page shows (two groups of five characters joined by a dash, inside ``<code>``)."""
    return re.findall(r"<code>([2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5})</code>", html)
