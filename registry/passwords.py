"""Password rules of MLPS 2.0 level 3 (GB/T 22239-2019 §8.1.4.1): long enough, several
character classes, changed regularly. Where OWASP ASVS 5 differs (it advises against
composition rules and forced rotation), we follow MLPS, as docs/security.md explains."""

from __future__ import annotations

import datetime
import string
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", set(string.ascii_lowercase)),
    ("upper", set(string.ascii_uppercase)),
    ("digit", set(string.digits)),
)


def character_classes(password: str) -> int:
    """How many of: lower case, upper case, digits, other characters the password uses."""
    used = sum(1 for _name, chars in CLASSES if set(password) & chars)
    others = any(not any(c in chars for _n, chars in CLASSES) for c in password)
    return used + int(others)


class CharacterClassesValidator:
    """At least ``min_classes`` of the four character classes."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("The password must mix at least %(n)d of: lower-case letters, capitals, digits, symbols."),
                code="password_character_classes",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _("Mix at least %(n)d of: lower-case letters, capitals, digits, symbols.") % {"n": self.min_classes}


def password_expired(user: Any, now: datetime.datetime | None = None) -> bool:
    """Staff passwords expire after PASSWORD_MAX_AGE_DAYS (forced change)."""
    if not user.is_authenticated or not user.is_staff or not user.has_usable_password():
        return False  # no password to expire (e.g. single sign-on, or no password set)
    changed = getattr(user, "password_changed_at", None)
    if changed is None:
        return True
    return (now or timezone.now()) - changed > datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


class PasswordExpiryMiddleware:
    """Sends a staff user whose password expired to the password change page, and nowhere else."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and password_expired(user):
            allowed = {
                reverse("admin:password_change"),
                reverse("admin:password_change_done"),
                reverse("admin:logout"),
                reverse("otp_verify"),  # two-factor comes first (registry/otp.py)
                reverse("otp_enrol"),
            }
            if request.path not in allowed and request.path.startswith(("/admin/", "/en/admin/")):
                return HttpResponseRedirect(reverse("admin:password_change"))
        response: HttpResponse = self.get_response(request)
        return response
