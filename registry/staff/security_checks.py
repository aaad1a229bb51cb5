"""What the security and audit admins look at each morning (the workbench's "Accounts and
sign-in" and "Personal data and sign-in" sections).

- Locked out: a user name or address whose failures in the cool-off period reach
  ``AXES_FAILURE_LIMIT`` (the same rule as the failed-logins list's "locked out" filter).
- Without a second factor: active staff with no confirmed TOTP device.
- Password past its age: active staff whose password changed more than
  ``PASSWORD_MAX_AGE_DAYS`` ago (or never): they are sent to change it at their next sign-in.
- Personal-data use this week: reveals (``personal_data.reveal`` audit entries) and
  downloads with personal data (``DataExport``) per user since Monday. A user is flagged
  when their total reaches ``PERSONAL_DATA_USE_FLAG_MIN`` and is more than
  ``PERSONAL_DATA_USE_FLAG_RATIO`` times the median of the other users with any use.
- Failed sign-ins by day: ``login.failure`` audit entries of the last 14 days.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguards.models import AuditEntry

from ..models import DataExport, User

PERSONAL_DATA_USE_FLAG_MIN = 20
PERSONAL_DATA_USE_FLAG_RATIO = 3
FAILED_LOGIN_DAYS = 14


def _failures(field: str, since: datetime.datetime) -> Subquery:
    """Failures of the row's user name (or address) since ``since``, over every row."""
    rows = AccessAttempt.objects.filter(**{field: OuterRef(field), "attempt_time__gte": since})
    return Subquery(
        rows.order_by().values(field).annotate(total=Sum("failures_since_start")).values("total")[:1],
        output_field=IntegerField(),
    )


def attempts_with_failures(queryset: QuerySet[AccessAttempt], since: datetime.datetime) -> QuerySet[AccessAttempt]:
    """Each failed-login row with the failures of its user name and of its address since ``since``."""
    return queryset.annotate(user_failures=_failures("username", since), ip_failures=_failures("ip_address", since))


def locked_out() -> Q:
    limit = settings.AXES_FAILURE_LIMIT
    return Q(user_failures__gte=limit) | Q(ip_failures__gte=limit)


def locked_out_attempts(now: datetime.datetime | None = None) -> QuerySet[AccessAttempt]:
    since = (now or timezone.now()) - settings.AXES_COOLOFF_TIME
    return attempts_with_failures(AccessAttempt.objects.filter(attempt_time__gte=since), since).filter(locked_out())


def staff_without_second_factor(users: QuerySet[User]) -> QuerySet[User]:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return users.filter(is_active=True, is_staff=True).exclude(Exists(confirmed))


def staff_password_expired(users: QuerySet[User], now: datetime.datetime | None = None) -> QuerySet[User]:
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    return (
        users.filter(is_active=True, is_staff=True)
        .filter(Q(password_changed_at__isnull=True) | Q(password_changed_at__lt=cutoff))
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )  # an unusable password has nothing to expire


def start_of(day: datetime.date) -> datetime.datetime:
    """``day`` at 00:00 in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def week_start(day: datetime.date) -> datetime.datetime:
    """Monday 00:00 of ``day``'s week."""
    return start_of(day - datetime.timedelta(days=day.weekday()))


@dataclass
class PersonalDataUse:
    user: str
    reveals: int
    exports: int
    flagged: bool = False

    @property
    def total(self) -> int:
        return self.reveals + self.exports


def personal_data_use(users: QuerySet[User], since: datetime.datetime) -> list[PersonalDataUse]:
    """Reveals and personal-data downloads per user since ``since``, the unusual ones flagged."""
    ids = users.values("pk")
    reveals = dict(
        AuditEntry.objects.filter(action="personal_data.reveal", at__gte=since, actor__in=ids)
        .order_by()
        .values_list("actor__username")
        .annotate(n=Count("pk"))
        .values_list("actor__username", "n")
    )
    exports = dict(
        DataExport.objects.filter(personal_data=True, exported_at__gte=since, exported_by__in=ids)
        .order_by()
        .values_list("exported_by__username")
        .annotate(n=Count("pk"))
        .values_list("exported_by__username", "n")
    )
    rows = [PersonalDataUse(name, reveals.get(name, 0), exports.get(name, 0)) for name in {*reveals, *exports}]
    for row in rows:
        row.flagged = use_is_unusual(row.total, [other.total for other in rows if other is not row])
    return sorted(rows, key=lambda r: (-r.total, r.user))


def use_is_unusual(total: int, peers: list[int]) -> bool:
    """Far above the peers: at least the minimum, and more than the ratio times their median."""
    if total < PERSONAL_DATA_USE_FLAG_MIN:
        return False
    return total > PERSONAL_DATA_USE_FLAG_RATIO * (statistics.median(peers) if peers else 1)


def failed_logins_by_day(today: datetime.date) -> list[tuple[datetime.date, int]]:
    """Failed sign-ins per day over the last ``FAILED_LOGIN_DAYS`` days, oldest first, with zeros."""
    first = today - datetime.timedelta(days=FAILED_LOGIN_DAYS - 1)
    counts = dict(
        AuditEntry.objects.filter(action="login.failure", at__gte=start_of(first))
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = [first + datetime.timedelta(days=i) for i in range(FAILED_LOGIN_DAYS)]
    return [(day, counts.get(day, 0)) for day in days]
