"""The security and audit admins' morning in the demo (their part of the workbench).

On the day the demo is built:
- a clerk has revealed many more residents' ID numbers this week than the others
  (flagged on the workbench as far above their peers), two others a few each;
- the city clerk downloaded the residents list with ID numbers once, giving a reason;
- sign-ins failed: someone guessed the password of ``admin`` (an account that does not
  exist) from one address until it was locked out, and a clerk mistyped theirs twice.

Everything goes through the services that record it in production (the reveal service,
the export record, the audit trail), so the times are the time the demo is built: the
audit trail's times rise with its entries and cannot be written in the past.
Idempotent: nothing is added if this week already has reveals.
"""

from __future__ import annotations

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry.exports import ExportTable, export_record
from registry.models import Resident, User
from registry.personal_data import personal_data_reveal
from registry.staff.security_checks import week_start
from safeguards.audit import audit_record
from safeguards.models import AuditEntry

# (user, how many residents of their jurisdiction they reveal this week)
REVEALS = (("clerk_kundulun", 26), ("clerk_donghe", 3), ("clerk_qingshan", 2))
GUESSED_USERNAME = "admin"
GUESSING_ADDRESS = "10.12.40.87"
MISTYPED = ("clerk_tuyou", 2)


def seed(today: datetime.date) -> dict[str, int]:
    if AuditEntry.objects.filter(action="personal_data.reveal", at__gte=week_start(today)).exists():
        return {"reveals": 0, "failed sign-ins": 0}
    with transaction.atomic():
        reveals = _reveals()
        _download()
        failures = _failed_sign_ins()
    return {"reveals": reveals, "failed sign-ins": failures}


def _reveals() -> int:
    done = 0
    for username, count in REVEALS:
        user = User.objects.get(username=username)
        path = user.jurisdiction.path if user.jurisdiction else ""
        for resident in Resident.objects.filter(provider__division__path__startswith=path).order_by("pk")[:count]:
            personal_data_reveal(person=resident, user=user)
            done += 1
    return done


def _download() -> None:
    user = User.objects.get(username="clerk_baotou")
    residents = Resident.objects.filter(provider__division__path__startswith=user.jurisdiction.path)  # type: ignore[union-attr]  # demo users have one
    export_record(
        user=user,
        table=ExportTable(
            what="residents", header=[], rows=lambda _personal: [], count=residents.count(), personal_columns=True
        ),
        file_format="csv",
        reason="核对上月运营补贴入住名单，与各机构报送名单逐人比对",
    )


def _failed_sign_ins() -> int:
    limit = settings.AXES_FAILURE_LIMIT
    for _attempt in range(limit + 1):
        audit_record("login.failure", actor_name=GUESSED_USERNAME)
    AccessAttempt.objects.create(
        username=GUESSED_USERNAME,
        ip_address=GUESSING_ADDRESS,
        user_agent="python-requests/2.31",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        http_accept="*/*",
        failures_since_start=limit + 1,
        attempt_time=timezone.now(),
    )
    username, times = MISTYPED
    for _attempt in range(times):
        audit_record("login.failure", actor_name=username)
    return limit + 1 + times
