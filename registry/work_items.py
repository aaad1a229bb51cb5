"""The registry's part of the workbench (``registry.workbench``): the district clerk's
registry and roster work, the security and audit admins' accounts and sign-in.

Each count is scoped as the list its link opens is scoped, so the two agree.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import OverlappingStay, Provider, ProviderStatus, RoleGrant, RosterImport, User
from .overlaps import overlaps_undecided
from .renewals import licences_due_for_renewal, providers_with_report_overdue
from .scoping import jurisdiction_path, scope_queryset
from .staff import roles
from .staff.security_checks import (
    FAILED_LOGIN_DAYS,
    failed_logins_by_day,
    locked_out_attempts,
    personal_data_use,
    staff_password_expired,
    staff_without_second_factor,
    week_start,
)
from .workbench import WorkItem, WorkPanel

CLERK = frozenset({roles.DISTRICT_CLERK})
SECURITY = frozenset({roles.SECURITY_ADMIN})
SECURITY_AND_AUDIT = frozenset({roles.SECURITY_ADMIN, roles.AUDIT_ADMIN})
SYSTEM = frozenset({roles.SYSTEM_ADMIN})


def changelist(model: str, **params: str) -> str:
    """The admin list of ``app_label.model`` with the filters ``params``."""
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}?{query}" if query else url


def _role_requests(user: User) -> Any:
    pending = RoleGrant.objects.filter(status=RoleGrant.Status.PENDING)
    return scope_queryset(pending, user, "user__jurisdiction__path")


def _providers(user: User) -> Any:
    return scope_queryset(Provider.objects.all(), user, "division__path")


def _users(user: User) -> Any:
    """The staff accounts the user's account list shows (registry/staff/admin.py)."""
    users = scope_queryset(User.objects.all(), user, "jurisdiction__path")
    return users if jurisdiction_path(user) == "" else users.exclude(jurisdiction__isnull=True)


def _personal_data_use(user: User, today: datetime.date) -> dict[str, Any] | None:
    rows = personal_data_use(_users(user), week_start(today))
    if not rows:
        return None
    return {"rows": rows, "audit_url": changelist("safeguards.auditentry", action="personal_data.reveal")}


def _failed_logins(user: User, today: datetime.date) -> dict[str, Any] | None:
    days = failed_logins_by_day(today)
    if not any(count for _day, count in days):
        return None
    return {
        "days": days,
        "total": sum(count for _day, count in days),
        "peak": max(count for _day, count in days),
        "audit_url": changelist("safeguards.auditentry", action="login.failure"),
        "period": FAILED_LOGIN_DAYS,
    }


ITEMS = [
    WorkItem(
        key="registry.roster_imports",
        label=_("Roster imports waiting for your confirmation"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(
            RosterImport.objects.filter(status=RosterImport.Status.PREVIEWED), user, "jurisdiction__path"
        ).count(),
        url=lambda user, today: changelist("registry.rosterimport", status__exact=RosterImport.Status.PREVIEWED),
        order=10,
    ),
    WorkItem(
        key="registry.overlaps",
        label=_("Stays of one person at two providers to resolve"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(
            OverlappingStay.objects.filter(overlaps_undecided()), user, "provider__division__path"
        ).count(),
        url=lambda user, today: changelist("registry.overlappingstay"),
        order=20,
        urgent=True,
    ),
    WorkItem(
        key="registry.drafts",
        label=_("Providers in draft"),
        roles=CLERK,
        count=lambda user, today: _providers(user).filter(status=ProviderStatus.DRAFT).count(),
        url=lambda user, today: changelist("registry.provider", status__exact=ProviderStatus.DRAFT),
        order=30,
    ),
    WorkItem(
        key="registry.renewals",
        label=_("Licences, insurance and fire filings to renew"),
        roles=CLERK,
        count=lambda user, today: scope_queryset(
            licences_due_for_renewal(today), user, "provider__division__path"
        ).count(),
        url=lambda user, today: changelist("registry.licence", renewal="due"),
        hint=lambda: _("expiring within %(days)d days or already expired") % {"days": settings.LICENCE_WARNING_DAYS},
        order=40,
        urgent=True,
    ),
    WorkItem(
        key="registry.annual_reports",
        label=_("Annual financial reports overdue"),
        roles=CLERK,
        count=lambda user, today: (
            _providers(user).filter(pk__in=providers_with_report_overdue(today).values("pk")).count()
        ),
        url=lambda user, today: changelist("registry.provider", annual_report="overdue"),
        order=50,
    ),
    WorkItem(
        key="registry.role_requests",
        label=_("Role requests waiting for your decision"),
        roles=SECURITY,
        count=lambda user, today: _role_requests(user).exclude(requested_by=user).exclude(user=user).count(),
        url=lambda user, today: changelist("registry.rolegrant", status__exact=RoleGrant.Status.PENDING),
        order=600,
    ),
    WorkItem(
        key="registry.my_role_requests",
        label=_("Your role requests waiting for the security admin"),
        roles=SYSTEM,
        count=lambda user, today: _role_requests(user).filter(requested_by=user).count(),
        url=lambda user, today: changelist("registry.rolegrant", status__exact=RoleGrant.Status.PENDING),
        order=700,
    ),
    WorkItem(
        key="registry.locked_out",
        label=_("Locked-out sign-ins"),
        roles=SECURITY,
        count=lambda user, today: locked_out_attempts().count(),
        url=lambda user, today: changelist("axes.accessattempt", locked_out="yes"),
        order=610,
        urgent=True,
    ),
    WorkItem(
        key="registry.second_factor",
        label=_("Staff without a second factor"),
        roles=SECURITY,
        count=lambda user, today: staff_without_second_factor(_users(user)).count(),
        url=lambda user, today: changelist("registry.user", second_factor="none"),
        order=620,
    ),
    WorkItem(
        key="registry.password_age",
        label=_("Passwords past their maximum age"),
        roles=SECURITY,
        count=lambda user, today: staff_password_expired(_users(user)).count(),
        url=lambda user, today: changelist("registry.user", **{"stale_password": "expired"}),  # a filter, not a secret
        hint=lambda: _("older than %(days)d days") % {"days": settings.PASSWORD_MAX_AGE_DAYS},
        order=630,
    ),
]

PANELS = [
    WorkPanel(
        key="registry.personal_data_use",
        label=_("Personal data revealed and downloaded this week, per user"),
        roles=SECURITY_AND_AUDIT,
        template="admin/registry/workbench/personal_data_use.html",
        context=_personal_data_use,
        order=640,
    ),
    WorkPanel(
        key="registry.failed_logins",
        label=_("Failed sign-ins by day"),
        roles=SECURITY_AND_AUDIT,
        template="admin/registry/workbench/failed_logins.html",
        context=_failed_logins,
        order=650,
    ),
]
