"""Password rules of MLPS 2.0 level 3 (GB/T 22239-2019 §8.1.4.1): long enough, several
character classes, changed regularly. Where OWASP ASVS 5 differs (it advises against
composition rules and forced rotation), we follow MLPS, as docs/security.md explains."""

from __future__ import annotations

import datetime
import string
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordHistory

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


class MinimumLengthValidator:
    """At least ``min_length`` characters. (Django's own message for this changed in 5.2 and
    its Chinese catalogue still has the old one, so the Chinese interface showed English.)"""

    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "The password is too short: it needs at least %(n)d character.",
                    "The password is too short: it needs at least %(n)d characters.",
                    self.min_length,
                )
                % {"n": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return ngettext("At least %(n)d character.", "At least %(n)d characters.", self.min_length) % {
            "n": self.min_length
        }


class PasswordHistoryValidator:
    """Not one of the account's last ``remember`` passwords (``PasswordHistory``, kept when
    a password changes), nor the current one."""

    def __init__(self, remember: int = 5) -> None:
        self.remember = remember

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        stored = get_user_model()._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [stored or "", *PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)]
        if any(encoded and check_password(password, encoded) for encoded in hashes[: self.remember]):
            raise ValidationError(
                _("Choose a password you have not used for your last %(n)d passwords.") % {"n": self.remember},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return _("Not one of your last %(n)d passwords.") % {"n": self.remember}


def password_history_record(user: Any, old_hash: str, *, remember: int) -> None:
    """Keep the hash a user just replaced; only the newest ``remember`` are kept."""
    if not old_hash or old_hash.startswith("!"):  # unusable: nothing to remember
        return
    PasswordHistory.objects.create(user=user, password=old_hash)
    keep = PasswordHistory.objects.filter(user=user).order_by("-id").values_list("id", flat=True)[:remember]
    PasswordHistory.objects.filter(user=user).exclude(id__in=list(keep)).delete()


def password_expired(user: Any, now: datetime.datetime | None = None) -> bool:
    """Passwords expire after PASSWORD_MAX_AGE_DAYS (forced change): staff's in the back
    office (``PasswordExpiryMiddleware``), provider users' in the portal (``portal.auth``)."""
    if not user.is_authenticated or not user.has_usable_password():
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
                reverse("otp_verify"),  # two-factor comes first (safeguards/otp.py)
                reverse("otp_enrol"),
            }
            if request.path not in allowed and request.path.startswith(("/admin/", "/en/admin/")):
                return HttpResponseRedirect(reverse("admin:password_change"))
        response: HttpResponse = self.get_response(request)
        return response
