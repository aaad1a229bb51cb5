"""Validation and masking of identifiers: USCC, resident ID numbers, phone numbers.

The check-digit arithmetic comes from python-stdnum. For resident ID numbers we do not
use ``stdnum.cn.ric.is_valid``: it rejects an area code that did not exist in the
holder's birth year, but the area code is where the household was registered when the
card was first issued (1984 on), so a resident born in 1940 in Kundulun district
(150203, created 1983) holds a perfectly valid ``150203194…`` number (DOMAIN §2).
"""

from __future__ import annotations

import datetime
import re
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

ID_NUMBER_LENGTH = 18
ID_NUMBER_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
# Fullwidth digits and X, as a Chinese input method types them, read as ASCII (only
# these: a superscript "²" is no digit anyone meant).
FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


_CANONICAL_USCC = re.compile(r"[0-9A-Z]{18}")


def normalise_uscc(value: str) -> str:
    if _CANONICAL_USCC.fullmatch(value or ""):
        return value  # already compact and upper-case (the common case: rosters name one per row)
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """Raise a ValidationError naming the unified social credit code and what is wrong."""
    try:
        uscc.validate(value)
    except InvalidLength:
        raise ValidationError(
            _("Unified social credit code: must have 18 characters, got %(count)d."),
            code="uscc_length",
            params={"count": len(uscc.compact(value or ""))},
        ) from None
    except InvalidFormat:
        raise ValidationError(
            _(
                "Unified social credit code: the first 8 characters must be digits and the "
                "rest digits or capital letters other than I, O, S, V and Z."
            ),
            code="uscc_format",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("Unified social credit code: the check character is wrong (expected %(digit)s)."),
            code="uscc_checksum",
            params={"digit": uscc.calc_check_digit(uscc.compact(value))},
        ) from None


def normalise_id_number(value: str) -> str:
    """Canonical form: ASCII digits and a capital X (a Chinese input method may type the
    fullwidth "１２…Ｘ"), no spaces."""
    if ID_NUMBER_FORMAT.fullmatch(value or ""):
        return value  # already canonical: the common case, and a roster checks 100,000 of them
    return ric.compact((value or "").translate(FULLWIDTH))


@cache
def _is_known_area_code(code: str) -> bool:
    """True when the six digits are a current or historical GB/T 2260 county-level code."""
    info = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in info)


def validate_id_number(value: str, *, today: datetime.date | None = None) -> None:
    """Validate an 18-digit resident identity card number (GB 11643).

    Checks length, digits, the MOD 11-2 check character, a real birth date that is not in
    the future, and that the area code is a known current or historical GB/T 2260 code
    — whatever the holder's birth year.
    """
    number = normalise_id_number(value)
    if len(number) != ID_NUMBER_LENGTH:
        raise ValidationError(
            _("ID number: must have 18 characters, got %(count)d."),
            code="id_length",
            params={"count": len(number)},
        )
    # ASCII digits (fullwidth ones are made ASCII above): isdigit() also takes "²", which
    # int() then refuses with Python's own message — a server error in a form.
    if not ID_NUMBER_FORMAT.fullmatch(number):
        raise ValidationError(
            _("ID number: the first 17 characters must be digits and the last a digit or X."),
            code="id_format",
        )
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise ValidationError(
            _("ID number: the check character is wrong (expected %(digit)s)."),
            code="id_checksum",
            params={"digit": expected},
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("ID number: characters 7 to 14 are not a real birth date."), code="id_birth_date"
        ) from None
    if today is None and birth < datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1):
        future = False  # past in every time zone: spares a 100,000-row roster the local-date lookups
    else:
        future = birth > (today or timezone.localdate())
    if future or birth.year < 1880:
        raise ValidationError(
            _("ID number: the birth date %(date)s is not possible."),
            code="id_birth_date",
            params={"date": birth.isoformat()},
        )
    if not _is_known_area_code(number[:6]):
        raise ValidationError(
            _("ID number: %(code)s is not a known administrative division code."),
            code="id_area",
            params={"code": number[:6]},
        )


def id_number_birth_date(value: str) -> datetime.date:
    number = normalise_id_number(value)
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def make_id_number(area_code: str, birth: datetime.date, sequence: int) -> str:
    """Build a valid ID number (used by demo and scale data generators)."""
    body = f"{area_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def make_uscc(*, authority: str, entity_type: str, area_code: str, serial: int) -> str:
    """Build a valid USCC with a GB 11714 organisation code (demo and scale data)."""
    org = f"{serial % 10**8:08d}"
    total = sum(_ORG_CODE_ALPHABET.index(c) * w for c, w in zip(org, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    body = f"{authority}{entity_type}{area_code}{org}"
    return body + uscc.calc_check_digit(body)


def mask_id_number(value: str) -> str:
    """``150203194001011234`` → ``150203********1234``: area code and last four kept.

    Any other shape (a child's birth-certificate number ``M510123456``) keeps its first
    character and last two only: six and four of ten would hide nothing."""
    number = normalise_id_number(value)
    if len(number) in (15, 18):
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) < 10:
        return "*" * len(number)
    return number[:1] + "*" * (len(number) - 3) + number[-2:]


_PHONE_SEPARATORS = re.compile(r"[\s\-－()（）.]+")


def normalise_phone(value: str) -> str:
    """A phone number as it is compared (hashed): fullwidth digits read as ASCII, spaces,
    dashes, brackets and dots dropped (``0472-5123456`` = ``0472 5123456``)."""
    return _PHONE_SEPARATORS.sub("", (value or "").translate(FULLWIDTH))


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``; short numbers keep only their last two digits."""
    digits = (value or "").strip()
    if not digits:
        return ""
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]
