"""What a public reply may not contain.

The reply is shown to whoever types the reference number, and the reference may have been
seen by someone else (a relative, a member of staff): it must carry no personal data. A
clerk writes it, so the check is a safety net, not a filter of every possible name: a run of
seven digits or more (a phone, an ID or bank number), an email address, or the name the
citizen left as contact is refused with a message saying why.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

LONG_NUMBER = re.compile(r"\d[\d\s\-]{5,}\d")
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_FULLWIDTH_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}


def public_reply_errors(text: str, *, contact_name: str = "") -> list[str]:
    """Why ``text`` may not be published as a concern's public reply (empty: it may)."""
    plain = (text or "").translate(_FULLWIDTH_DIGITS)
    errors = []
    if any(sum(ch.isdigit() for ch in match) >= 7 for match in LONG_NUMBER.findall(plain)):
        errors.append(_("The public reply may not contain a phone, ID or account number."))
    if EMAIL.search(plain):
        errors.append(_("The public reply may not contain an email address."))
    name = contact_name.strip()
    if len(name) >= 2 and name in plain:
        errors.append(_("The public reply may not name the citizen who raised the concern."))
    return errors
