"""Who is told about what: the recipients of reminders and the notifications of one
finding's rectification deadline.

Shared by the daily job (``reminders.py``) and by recording an inspection
(``records.py``): a major hazard's deadline reminder is created with the finding, under the
same unique key (recipient, kind, ``finding:<id>``, deadline) the daily job uses, so the
job creates nothing twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.models import Division, Provider, User
from registry.scoping import department_sees_kind
from registry.staff import roles

from .models import Finding, Inspection, Notification
from .planning import _ancestor_path

RECTIFICATION_WARNING_DAYS = 3


@dataclass(frozen=True)
class Recipient:
    user: User | None = None
    email: str = ""

    @property
    def key(self) -> str:
        return f"user:{self.user.pk}" if self.user else f"email:{self.email.lower()}"


ProviderUsers = Callable[[], dict[int, list[User]]]
_PROVIDER_USERS: list[ProviderUsers] = []


def register_provider_users(source: ProviderUsers) -> None:
    """Called once by the provider portal: ``source()`` gives, by provider id, the accounts
    that act for each provider, so that a provider's reminders reach its people too (issue
    18) without this app importing the portal."""
    _PROVIDER_USERS[:] = [source]


def provider_users() -> dict[int, list[User]]:
    return _PROVIDER_USERS[0]() if _PROVIDER_USERS else {}


class StaffDirectory:
    """Staff by role and jurisdiction path, and each provider's own accounts, loaded once
    per run (constant queries). Who is told about a provider sees it: inside their
    jurisdiction and of a kind their department sees (``registry.scoping``: a
    health-commission clerk is not told about elderly homes)."""

    def __init__(self) -> None:
        self.providers_users = provider_users()
        self.by_role_path: dict[tuple[str, str], list[User]] = defaultdict(list)
        for group in Group.objects.filter(name__in=[roles.DISTRICT_CLERK, roles.CITY_REVIEWER]):
            for user in group.user_set.filter(is_active=True, jurisdiction__isnull=False).select_related(
                "jurisdiction"
            ):
                self.by_role_path[(group.name, user.jurisdiction.path)].append(user)  # type: ignore[union-attr]  # isnull=False

    def at(self, role: str, provider: Provider, level: int) -> list[User]:
        """Users of ``role`` working at ``level`` above the provider (its county, its city)."""
        users = self.by_role_path.get((role, _ancestor_path(provider.division.path, level)), [])
        return [u for u in users if department_sees_kind(u.department, provider.kind)]

    def provider_contacts(self, provider: Provider) -> list[Recipient]:
        """Who is told about a provider's own deadlines: each account acting for it in the
        portal (its own inbox key, so one digest per person whatever the number of their
        providers) and its contact address, unless one of those accounts has that address
        (one person, one digest)."""
        users = self.providers_users.get(provider.pk, [])
        addresses = {user.email.lower() for user in users if user.email}
        contact = provider.contact_email
        by_email = [Recipient(email=contact)] if contact and contact.lower() not in addresses else []
        return by_email + [Recipient(user=user) for user in users]

    def covering(self, role: str, provider: Provider) -> list[User]:
        """Users of ``role`` whose jurisdiction contains the provider's division."""
        return [
            u
            for (r, path), users in self.by_role_path.items()
            if r == role and provider.division.path.startswith(path)
            for u in users
            if department_sees_kind(u.department, provider.kind)
        ]


def _notification(
    recipient: Recipient, kind: str, key: str, due_on: datetime.date, message: str, link: str
) -> Notification:
    return Notification(
        recipient=recipient.user,
        email="" if recipient.user else recipient.email,
        recipient_key=recipient.key,
        kind=kind,
        object_key=key,
        due_on=due_on,
        message=message,
        link=link,
    )


def rectification_notifications(finding: Finding, on: datetime.date, staff: StaffDirectory) -> list[Notification]:
    """The notifications of one open finding's deadline: its inspectors, the county's
    clerks and the provider (its address and its portal accounts); once overdue, also the
    reviewers of the city."""
    notifications = []
    provider = finding.inspection.provider
    overdue = finding.deadline < on
    kind = Notification.Kind.RECTIFICATION_OVERDUE if overdue else Notification.Kind.RECTIFICATION_DUE
    message = (
        _("Rectification at %(provider)s was due on %(date)s: %(finding)s")
        if overdue
        else _("Rectification at %(provider)s is due on %(date)s: %(finding)s")
    ) % {"provider": provider, "date": finding.deadline, "finding": finding}
    users = list(finding.inspection.inspectors.all()) + staff.at(roles.DISTRICT_CLERK, provider, Division.Level.COUNTY)
    if overdue:
        users += staff.covering(roles.CITY_REVIEWER, provider)
    recipients = [Recipient(user=u) for u in dict.fromkeys(users)] + staff.provider_contacts(provider)
    for recipient in recipients:
        notifications.append(
            _notification(
                recipient,
                kind,
                f"finding:{finding.pk}",
                finding.deadline,
                message,
                f"/admin/inspections/finding/{finding.pk}/change/",
            )
        )
    return notifications


def major_hazard_reminders_create(*, inspection: Inspection) -> int:
    """With a recorded inspection: the deadline reminder of each open major hazard, now
    rather than at the next daily run (in the bureau's language, as the daily job writes
    them). Returns the number created; a second call creates none."""
    majors = list(
        inspection.findings.filter(severity=Finding.Severity.MAJOR)
        .exclude(status=Finding.Status.VERIFIED)
        .select_related("inspection__provider__division")
        .prefetch_related("inspection__inspectors")
    )
    if not majors:
        return 0
    staff = StaffDirectory()
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        notifications = [n for finding in majors for n in rectification_notifications(finding, today, staff)]
    about = Notification.objects.filter(object_key__in={n.object_key for n in notifications})
    before = about.count()
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return about.count() - before
