"""Monthly runs (operating grants, caregiver allowances, living allowances): create or refresh a draft,
approve it. Approved runs are frozen; refreshing a draft replaces its lines. Only a clerk
whose jurisdiction contains the run's division creates or refreshes it, and none of the
people who did may approve it (maker_checker.py)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Division, User
from registry.periods import month_bounds
from safeguards.audit import audit_record

from .accident_insurance import accident_insurance_lines
from .allowances import allowance_lines, insurance_lines
from .living_allowances import living_allowance_lines
from .maker_checker import add_preparer, refuse_preparer, refuse_refresh
from .models import GrantLine, GrantRun, OccupancyRule, SchemeKind, SubsidyScheme
from .occupancy import census_date
from .operating_grants import operating_lines
from .rates import run_refusals, scheme_by_code
from .recoveries import recoveries_for_overpayments

LINE_BUILDERS: dict[str, Callable[[GrantRun], list[GrantLine]]] = {
    SchemeKind.OPERATING: operating_lines,
    SchemeKind.CAREGIVER_ALLOWANCE: allowance_lines,
    SchemeKind.INSURANCE_COFUNDING: insurance_lines,
    SchemeKind.LIVING_ALLOWANCE: living_allowance_lines,
    SchemeKind.ACCIDENT_INSURANCE: accident_insurance_lines,
}
MONTHLY_KINDS = tuple(LINE_BUILDERS)


def ready_on(scheme: SubsidyScheme, period: datetime.date) -> datetime.date:
    """The first day a run of ``scheme`` for ``period`` may be prepared (DOMAIN §7: months
    are paid after they happen): the census day under a census-day rule, else the month's
    last day."""
    if scheme.occupancy_rule == OccupancyRule.CENSUS_DAY:
        return census_date(period, scheme.census_day)
    return month_bounds(period)[1]


def check_refresh(
    *, scheme: SubsidyScheme, division: Division, user: User | None, period: datetime.date | None = None
) -> None:
    """Refuse a run of ``scheme`` for ``division`` that is not paid monthly or lies outside
    the scheme's jurisdiction (ValidationError), or that ``user`` may not create or
    refresh (PermissionDenied: see maker_checker.refuse_refresh). None: the monthly task.
    A ``period`` whose month has not happened yet (see ``ready_on``) is refused too,
    whoever asks."""
    if scheme.kind not in LINE_BUILDERS:
        raise ValidationError(_("%(code)s is not paid in monthly runs.") % {"code": scheme.code})
    if not (division.path.startswith(scheme.jurisdiction.path) or scheme.jurisdiction.path.startswith(division.path)):
        raise ValidationError(
            _("%(division)s is outside the jurisdiction of %(code)s.") % {"division": division, "code": scheme.code}
        )
    if user is not None:
        refuse_refresh(division, user)
    if period is not None and timezone.localdate() < ready_on(scheme, period):
        raise ValidationError(
            {
                "period": _("%(period)s cannot be run before %(date)s: months are paid after they happen.")
                % {"period": period.strftime("%Y-%m"), "date": ready_on(scheme, period).isoformat()}
            }
        )


@transaction.atomic
def run_refresh(
    *,
    scheme_code: str,
    period: datetime.date,
    division_code: str | None = None,
    user: User | None = None,
    actor_name: str = "",
) -> GrantRun:
    """Create or replace the draft run of a monthly scheme for ``period``. Idempotent:
    the same facts give the same lines; an approved run is refused, never changed.

    ``user`` (None: the monthly task or the command, named by ``actor_name``) must be a
    clerk whose jurisdiction contains the run's division, and becomes one of the run's
    preparers. Each refresh writes one ``run.refresh`` audit entry (the number of lines
    before and after), in the run's transaction: a refresh that did not happen has none."""
    scheme = scheme_by_code(scheme_code)
    division = Division.objects.get(code=division_code) if division_code else scheme.jurisdiction
    check_refresh(scheme=scheme, division=division, user=user, period=period)
    builder = LINE_BUILDERS[scheme.kind]
    run, created = GrantRun.objects.select_for_update().get_or_create(
        scheme=scheme, period=period.replace(day=1), division=division, defaults={"created_by": user}
    )
    if run.status != GrantRun.Status.DRAFT:
        raise ValidationError(_("This run is approved; corrections go into the next month's run."))
    before = None if created else {"lines": run.lines.count()}
    run.lines.all().delete()
    lines = GrantLine.objects.bulk_create(builder(run))
    run.save(update_fields=["refreshed_at"])
    add_preparer(run, user)
    audit_record("run.refresh", actor=user, actor_name=actor_name, obj=run, before=before, after={"lines": len(lines)})
    return run


@transaction.atomic
def run_approve(*, run: GrantRun, approver: User) -> GrantRun:
    """Approve a draft run (by none of the people who created or refreshed it); its lines
    are frozen from then on, and negative adjustments become recovery claims."""
    locked = GrantRun.objects.select_for_update().get(pk=run.pk)
    refuse_preparer(locked, approver)
    if not approver.has_perm("subsidies.approve_grantrun"):
        raise PermissionDenied(_("You do not have permission to approve grant runs."))
    if locked.status != GrantRun.Status.DRAFT:
        raise ValidationError(_("This run is already approved."))
    refusals = run_refusals(locked)  # who may receive, checked again (DOMAIN §7)
    if refusals:
        raise ValidationError(refusals)
    locked.status = GrantRun.Status.APPROVED
    locked.approved_by = approver
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record("run.approve", actor=approver, obj=locked, after={"lines": locked.lines.count()})
    recoveries_for_overpayments(locked, user=approver, on=timezone.localdate())
    return locked
