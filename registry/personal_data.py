"""Showing a person's full ID and phone numbers: a deliberate act, permitted and audited.

Everywhere else (lists, forms, history, exports without the permission) the numbers are
masked; ``personal_data_reveal`` is the one way to see them in the back-office.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from safeguards.audit import audit_record

from .models import Caregiver, Resident, User
from .scoping import user_can_see_personal_data


def personal_data_reveal(*, person: Resident | Caregiver, user: User) -> dict[str, str]:
    """The person's full numbers, for a user with ``registry.view_personal_data`` (the
    caller has checked the person lies in the user's jurisdiction); recorded in the audit log."""
    if not user_can_see_personal_data(user):
        raise PermissionDenied
    audit_record("personal_data.reveal", actor=user, obj=person, detail="id_number, phone")
    return {"id_number": person.id_number, "phone": person.phone}
