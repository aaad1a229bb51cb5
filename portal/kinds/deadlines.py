"""The provider's other deadlines (issue 18: "deadlines go to provider users"): no kind to
send, only what the provider is reminded of.

- In the portal: its licences and insurance policies expiring within
  ``LICENCE_WARNING_DAYS`` or expired (``registry.renewals.licences_due_for_renewal``).
- By email: the provider's accounts are registered as recipients of its reminders
  (``inspections.recipients.register_provider_users``), so the daily job's notifications
  about the provider — self-inspections due, rectification deadlines, the annual report,
  licences and insurance expiring — reach each of them in their one daily digest, through
  the same exactly-once machinery as the staff's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils.translation import gettext as _

from inspections.recipients import register_provider_users
from registry.models import Provider, User
from registry.renewals import licences_due_for_renewal

from ..models import ProviderAccess
from ..reminders import Reminder, register_reminder


def licence_reminders(provider: Provider, day: datetime.date) -> list[Reminder]:
    reminders = []
    for licence in licences_due_for_renewal(day).filter(provider=provider).order_by("expires_on"):
        expires_on = licence.expires_on
        if expires_on is None:  # never: an open-ended licence is never due (expires_on__lte)
            continue
        template = _("%(licence)s expired") if expires_on < day else _("%(licence)s expires")
        reminders.append(Reminder(text=template % {"licence": licence}, due_on=expires_on, overdue=expires_on < day))
    return reminders


def provider_users_by_provider() -> dict[int, list[User]]:
    """Every active provider account with live access, by provider id (one query)."""
    users: dict[int, list[User]] = defaultdict(list)
    access = ProviderAccess.objects.filter(revoked_at__isnull=True, user__is_active=True, user__is_staff=False)
    for row in access.select_related("user").order_by("provider_id", "user_id"):
        users[row.provider_id].append(row.user)
    return dict(users)


register_reminder(licence_reminders)
register_provider_users(provider_users_by_provider)
