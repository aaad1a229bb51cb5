"""Telling a robot from a citizen without a CAPTCHA or an account.

- **The honeypot**: a text field no person sees (moved off the screen by the stylesheet,
  ``aria-hidden`` so that screen readers skip it, out of the tab order, autocomplete off).
  Form-filling robots fill every field; whoever fills it gets the same "sent" page as a
  citizen, and nothing is stored.
- **The fill time**: the page carries the time it was shown, signed with the secret key. A
  form sent sooner than ``CONCERN_MIN_FILL_SECONDS`` after it was shown was not typed by a
  person: the same silent treatment. A missing or altered time, or one older than
  ``CONCERN_FORM_MAX_AGE``, is not silent: the form is shown again (with what was typed) to
  be sent once more, so a citizen who left the page open overnight loses nothing.
"""

from __future__ import annotations

import time
from enum import Enum

from django.conf import settings
from django.core import signing

HONEYPOT_FIELD = "website"
SALT = "concerns.form-shown-at"


class Verdict(Enum):
    PERSON = "person"
    ROBOT = "robot"  # looks sent, nothing stored
    STALE = "stale"  # shown again to be sent once more


def fill_token(shown_at: float | None = None) -> str:
    """The signed time the form was shown (now, unless ``shown_at``)."""
    return signing.dumps({"t": round(time.time() if shown_at is None else shown_at, 3)}, salt=SALT)


def judge(*, honeypot: str, token: str, now: float | None = None) -> Verdict:
    if (honeypot or "").strip():
        return Verdict.ROBOT
    try:
        shown_at = float(signing.loads(token or "", salt=SALT, max_age=settings.CONCERN_FORM_MAX_AGE)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Verdict.STALE
    now = time.time() if now is None else now
    if now - shown_at > settings.CONCERN_FORM_MAX_AGE:
        return Verdict.STALE
    if now - shown_at < settings.CONCERN_MIN_FILL_SECONDS:
        return Verdict.ROBOT
    return Verdict.PERSON
