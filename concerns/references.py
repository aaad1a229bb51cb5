"""The reference number a citizen gets for a concern: ``TS-2026-7K4Q-9M2X``.

``TS`` (投诉), the year received, and eight characters drawn by ``secrets`` from an alphabet
without the look-alikes 0/O and 1/I: 32⁸ ≈ 1.1 × 10¹² numbers a year, so that guessing
one among a year's few thousand cases is hopeless at the lookup's rate limit (and would
reveal a status and a reply written for the public, never the text or the contact).
Human-typable: upper-case letters and digits in two groups of four; the lookup accepts it
in lower case, with spaces or without the dashes (``normalise_reference``).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0, O, 1, I
PREFIX = "TS"
RANDOM_LENGTH = 8
_SHAPE = re.compile(rf"{PREFIX}(\d{{4}})([{ALPHABET}]{{{RANDOM_LENGTH}}})")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def format_reference(year: int, code: str) -> str:
    return f"{PREFIX}-{year:04d}-{code[:4]}-{code[4:]}"


def new_reference(year: int) -> str:
    """A fresh random reference for a concern received in ``year`` (the caller makes sure
    it is not taken: the column is unique)."""
    return format_reference(year, "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH)))


def normalise_reference(text: str) -> str | None:
    """The canonical form of a reference as a citizen may type it (``ts 2026 7k4q9m2x``,
    fullwidth characters, dashes anywhere), or None if it cannot be one."""
    compact = _NOT_ALNUM.sub("", (text or "")[:60].upper().translate(_FULLWIDTH))
    match = _SHAPE.fullmatch(compact)
    if match is None:
        return None
    return format_reference(int(match.group(1)), match.group(2))


# Fullwidth digits and letters (typed with a Chinese input method) read as ASCII.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code - 0xFEE0).isalnum()}
