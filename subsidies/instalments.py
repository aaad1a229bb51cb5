"""Construction grants: quote, prepare, edit, approve (by none of the preparers), 3:3:4
instalments, and the yearly eligibility review that releases, withholds or cancels each
instalment (a preparer of the grant never releases one).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.credit import blacklisted_providers
from registry.labels import field_label
from registry.models import Provider, ProviderHold, ProviderStatus, User
from registry.periods import end_of_day, years_later
from registry.selectors import holds_in_force
from safeguards.audit import audit_record

from .maker_checker import add_preparer, grants_prepared_by, refuse_preparer
from .models import ConstructionGrant, Instalment, Recovery, SchemeKind, SubsidyScheme
from .money import finite_number, split_exact, to_fen
from .rates import RateNotFound, rate_for, scheme_by_code, who_may_receive

CONSTRUCTION_KINDS = {SchemeKind.CONSTRUCTION_PER_BED, SchemeKind.CONSTRUCTION_FIXED}
# What a clerk may change on a draft application; the figures are computed from them.
EDITABLE_FIELDS = ("provider", "scheme", "basis", "beds_claimed", "floor_area_m2", "lease_end")


@dataclass(frozen=True)
class Quote:
    """What a construction grant would pay, computed without saving anything."""

    eligible_beds: int
    rate: Decimal
    total: Decimal
    instalments: list[tuple[int, Decimal]]
    problems: list[str] = field(default_factory=list)


def eligible_beds(*, beds: int, floor_area_m2: Decimal, area_per_bed_m2: Decimal) -> int:
    """min(beds claimed, floor(floor area / area per bed)): a bed counts 30 m² with shared space."""
    return max(0, min(int(beds), math.floor(Decimal(floor_area_m2) / Decimal(area_per_bed_m2))))


def check_quantities(
    *,
    beds: object,
    floor_area_m2: object,
    households_served: object = None,
    per_bed: bool = True,
    approved_beds: int | None = None,
) -> tuple[int, Decimal]:
    """DOMAIN §7 "Quantities": beds claimed ≥ 1 (per-bed schemes) and ≤ the provider's
    approved beds, floor area > 0, households ≥ 0, all finite numbers. Returns (beds,
    floor area); raises a ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    beds_number = floor_area = Decimal(0)
    for name, value, label in (
        ("beds_claimed", beds, _("Beds claimed")),
        ("floor_area_m2", floor_area_m2, _("Floor area")),
        ("households_served", households_served, _("Households served")),
    ):
        if value is None and name == "households_served":
            continue
        try:
            number = finite_number(value, name, str(label))
        except ValidationError as error:
            errors.update({field: " ".join(messages) for field, messages in error.message_dict.items()})
            continue
        if name == "beds_claimed":
            beds_number = number
            if number != number.to_integral_value():
                errors[name] = _("Beds claimed must be a whole number.")
            elif per_bed and number < 1:
                errors[name] = _("Beds claimed must be at least 1.")
            elif number < 0:
                errors[name] = _("Beds claimed cannot be negative.")
            elif per_bed and approved_beds is not None and number > approved_beds:
                errors[name] = _("Beds claimed (%(beds)s) cannot exceed the provider's %(approved)s approved beds.") % {
                    "beds": int(number),
                    "approved": approved_beds,
                }
        elif name == "floor_area_m2":
            floor_area = number
            if number <= 0:
                errors[name] = _("Floor area must be greater than 0 m².")
        elif number < 0:
            errors[name] = _("Households served cannot be negative.")
    if errors:
        raise ValidationError(errors)
    return int(beds_number), floor_area


def construction_quote(
    *,
    scheme_code: str,
    basis: str,
    beds: int,
    floor_area_m2: Decimal,
    first_year: int,
    households_served: int | None = None,
    on: datetime.date | None = None,
) -> Quote:
    """Eligible beds, total and [(year, amount)] for a construction grant. Saves nothing.

    ``basis`` is the rate key (premises basis such as ``new_build``, or the facility kind
    for fixed schemes). Fixed schemes check their threshold (households served or floor
    area); a quote that fails it has a zero total and says why in ``problems``.
    """
    scheme = scheme_by_code(scheme_code)
    if scheme.kind not in CONSTRUCTION_KINDS:
        raise ValidationError(_("%(code)s is not a construction subsidy.") % {"code": scheme_code})
    beds, floor_area_m2 = check_quantities(
        beds=beds,
        floor_area_m2=floor_area_m2,
        households_served=households_served,
        per_bed=scheme.kind == SchemeKind.CONSTRUCTION_PER_BED,
    )
    try:
        rate = rate_for(scheme, basis, on or timezone.localdate())
    except RateNotFound:
        raise ValidationError(
            _("%(code)s has no rate for “%(basis)s”.") % {"code": scheme_code, "basis": basis}
        ) from None
    problems: list[str] = []
    if scheme.kind == SchemeKind.CONSTRUCTION_PER_BED:
        if scheme.area_per_bed_m2 is None:
            raise ValidationError(_("%(code)s has no floor area per bed.") % {"code": scheme_code})
        beds_counted = eligible_beds(beds=beds, floor_area_m2=floor_area_m2, area_per_bed_m2=scheme.area_per_bed_m2)
        total = to_fen(rate.amount * beds_counted)
    else:
        beds_counted = 0
        value = {"floor_area_m2": floor_area_m2, "households_served": households_served}.get(rate.threshold_field)
        if rate.threshold_min is not None and (value is None or Decimal(value) < rate.threshold_min):
            problems.append(
                _("Needs %(field)s of at least %(min)s.")
                % {"field": field_label(Provider, rate.threshold_field), "min": rate.threshold_min}
            )
        total = Decimal("0.00") if problems else to_fen(rate.amount)
    ratios = scheme.instalment_ratios or [1]
    amounts = split_exact(total, ratios)
    return Quote(
        eligible_beds=beds_counted,
        rate=rate.amount,
        total=total,
        instalments=[(first_year + i, amount) for i, amount in enumerate(amounts)],
        problems=problems,
    )


def _lease_problem(scheme: SubsidyScheme, basis: str, lease_end: datetime.date | None, on: datetime.date) -> str:
    if not scheme.min_lease_years or not basis.startswith("leased"):
        return ""
    # One rule for "N years later" everywhere (periods.years_later): from 29 February the
    # period ends on 28 February, the month's last day, as the Civil Code counts periods
    # in years (民法典 art. 202: no corresponding day → the last day of that month).
    needed = years_later(on, scheme.min_lease_years)
    if lease_end is None or lease_end < needed:
        return _("The lease must run at least %(years)d years, until %(date)s or later.") % {
            "years": scheme.min_lease_years,
            "date": needed.isoformat(),
        }
    return ""


def grant_refusals(grant: ConstructionGrant, on: datetime.date) -> list[str]:
    """``who_may_receive`` for a grant: the scheme's rule and the kinds its rate (the
    application's basis, e.g. the day-care award) is for, on ``on``."""
    try:
        rate = rate_for(grant.scheme, grant.basis, on)
    except RateNotFound:
        rate = None  # construction_quote says so, naming the basis
    return who_may_receive(grant.scheme, grant.provider, rate=rate)


def grant_compute(grant: ConstructionGrant, *, on: datetime.date | None = None) -> Quote:
    """Check an unsaved (or draft) application and fill in its computed figures.

    Raises ValidationError when the provider is not eligible, the lease is too short or a
    fixed scheme's threshold is not met. Saves nothing.
    """
    on = on or timezone.localdate()
    scheme, provider = grant.scheme, grant.provider
    refusals = grant_refusals(grant, on)
    if refusals:
        raise ValidationError(refusals)
    problem = _lease_problem(scheme, grant.basis, grant.lease_end, on)
    if problem:
        raise ValidationError({"lease_end": problem})
    check_quantities(
        beds=grant.beds_claimed,
        floor_area_m2=grant.floor_area_m2,
        per_bed=scheme.kind == SchemeKind.CONSTRUCTION_PER_BED,
        approved_beds=provider.beds,
    )
    live = ConstructionGrant.objects.filter(
        provider=provider, scheme=scheme, status__in=[ConstructionGrant.Status.DRAFT, ConstructionGrant.Status.APPROVED]
    )
    if live.exclude(pk=grant.pk).exists():
        raise ValidationError(
            {"scheme": _("%(provider)s already has a grant of %(code)s.") % {"provider": provider, "code": scheme.code}}
        )
    quote = construction_quote(
        scheme_code=scheme.code,
        basis=grant.basis,
        beds=grant.beds_claimed,
        floor_area_m2=grant.floor_area_m2,
        first_year=on.year,
        households_served=provider.households_served,
        on=on,
    )
    if quote.problems:
        raise ValidationError(quote.problems)
    grant.eligible_beds, grant.rate_amount, grant.total = quote.eligible_beds, quote.rate, quote.total
    return quote


def grant_prepare(
    *,
    provider: Provider,
    scheme_code: str,
    basis: str,
    beds_claimed: int,
    floor_area_m2: Decimal,
    prepared_by: User,
    lease_end: datetime.date | None = None,
) -> ConstructionGrant:
    """Record an application with its computed figures, as a draft awaiting approval;
    ``prepared_by`` is its first preparer."""
    grant = ConstructionGrant(
        provider=provider,
        scheme=scheme_by_code(scheme_code),
        basis=basis,
        beds_claimed=beds_claimed,
        floor_area_m2=floor_area_m2,
        lease_end=lease_end,
        prepared_by=prepared_by,
    )
    grant_compute(grant)
    try:
        with transaction.atomic():
            grant.save()
            add_preparer(grant, prepared_by)
    except IntegrityError:
        # Two clerks preparing the same grant at once: the constraint refuses the second.
        if ConstructionGrant.objects.filter(provider=provider, scheme=grant.scheme).exists():
            grant_compute(grant)  # raises the message above
        raise
    return grant


@transaction.atomic
def grant_edit(*, grant: ConstructionGrant, user: User, **changes: object) -> ConstructionGrant:
    """Change a draft application (``changes``: any of ``EDITABLE_FIELDS``) and compute its
    figures again at today's rates; ``user`` becomes one of its preparers, so may not
    approve it. Saved even without changes: the figures may have moved with the rates."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    locked = ConstructionGrant.objects.select_for_update().get(pk=grant.pk)
    if locked.status != ConstructionGrant.Status.DRAFT:
        raise ValidationError(_("Only a draft grant can be changed."))
    before = {name: str(getattr(locked, name)) for name in (*changes, "total")}
    for name, value in changes.items():
        setattr(locked, name, value)
    grant_compute(locked)
    locked.save()
    add_preparer(locked, user)
    audit_record(
        "grant.edit",
        actor=user,
        obj=locked,
        before=before,
        after={name: str(getattr(locked, name)) for name in before},
    )
    return locked


@transaction.atomic
def grant_approve(*, grant: ConstructionGrant, approver: User, on: datetime.date | None = None) -> ConstructionGrant:
    """Approve a draft grant (by none of its preparers) and schedule its instalments in
    the approval year, +1, +2."""
    on = on or timezone.localdate()
    locked = ConstructionGrant.objects.select_for_update().select_related("scheme").get(pk=grant.pk)
    refuse_preparer(locked, approver)
    if not approver.has_perm("subsidies.approve_constructiongrant"):
        raise PermissionDenied(_("You do not have permission to approve construction grants."))
    if locked.status != ConstructionGrant.Status.DRAFT:
        raise ValidationError(_("Only a draft grant can be approved."))
    refusals = grant_refusals(locked, on)  # checked again: the provider may have changed since
    if refusals:
        raise ValidationError(refusals)
    amounts = split_exact(locked.total, locked.scheme.instalment_ratios or [1])
    for i, amount in enumerate(amounts):
        Instalment.objects.create(grant=locked, number=i + 1, year=on.year + i, amount=amount)
    locked.status = ConstructionGrant.Status.APPROVED
    locked.approved_by = approver
    locked.approved_on = on
    locked.save(update_fields=["status", "approved_by", "approved_on"])
    audit_record(
        "grant.approve", actor=approver, obj=locked, after={"total": str(locked.total), "instalments": amounts}
    )
    return locked


@dataclass(frozen=True)
class BlockerFacts:
    """What the eligibility rules read, for many grants at once (three queries)."""

    recovering_grants: frozenset[int]
    blacklisted_providers: frozenset[int]
    hold_reasons: dict[int, list[str]]

    @classmethod
    def load(cls, grants: list[ConstructionGrant], on: datetime.date) -> BlockerFacts:
        provider_ids = {g.provider_id for g in grants}
        recovering = Recovery.objects.filter(grant__in=grants).exclude(status=Recovery.Status.WAIVED)
        holds: dict[int, list[str]] = defaultdict(list)
        for hold in ProviderHold.objects.filter(holds_in_force(end_of_day(on)), provider_id__in=provider_ids):
            holds[hold.provider_id].append(hold.reason)
        return cls(
            recovering_grants=frozenset(recovering.values_list("grant_id", flat=True)),
            blacklisted_providers=blacklisted_providers(provider_ids, on),
            hold_reasons=dict(holds),
        )


def instalment_blockers(
    grant: ConstructionGrant, on: datetime.date, facts: BlockerFacts | None = None
) -> tuple[str, list[str]]:
    """(reason to cancel, reasons to withhold) for paying ``grant``'s instalments on ``on``.

    Cancelled: the provider closed or was revoked, or a recovery (change of use) is open.
    Withheld: not filed/certified (suspended), blacklisted, or a hold (open major hazard).
    """
    facts = facts or BlockerFacts.load([grant], on)
    provider = grant.provider
    if provider.status in {ProviderStatus.CLOSED, ProviderStatus.REVOKED}:
        return _("Provider %(status)s.") % {"status": ProviderStatus(provider.status).label}, []
    if grant.pk in facts.recovering_grants:
        return _("Change of use: the subsidy is being recovered."), []
    withhold: list[str] = []
    if provider.status not in {ProviderStatus.FILED, ProviderStatus.CERTIFIED}:
        withhold.append(_("Provider is %(status)s.") % {"status": ProviderStatus(provider.status).label})
    if provider.pk in facts.blacklisted_providers:
        withhold.append(_("Provider is blacklisted."))
    withhold += facts.hold_reasons.get(provider.pk, [])
    return "", withhold


def instalments_review(*, year: int, on: datetime.date | None = None, user: User | None = None) -> dict[str, int]:
    """Decide every due instalment (year ≤ ``year``) not yet released, paid or cancelled.

    Idempotent: a second run with the same facts decides the same; a withheld instalment
    whose reasons have cleared is released. The facts are read in a constant number of
    queries; only instalments whose decision changes are written (with history).

    ``user`` (None: the scheduled review) is recorded as who decided. A preparer of a grant
    does not release its instalments: those are left as they are for someone else, and
    counted under ``left`` (a key only when ``user`` is given).
    """
    # Instalments are released only in their own year, never earlier, whatever the caller
    # asks (DOMAIN §7): a review dated in the future counts as today's, and a later year's
    # instalment is only ever cancelled (the provider closed, a recovery), never released.
    today = timezone.localdate()
    on = min(on or today, today)
    counts = {"released": 0, "withheld": 0, "cancelled": 0}
    due = list(
        Instalment.objects.filter(
            year__lte=year,
            status__in=[Instalment.Status.SCHEDULED, Instalment.Status.WITHHELD],
            grant__status=ConstructionGrant.Status.APPROVED,
        ).select_related("grant__provider")
    )
    facts = BlockerFacts.load(list({i.grant_id: i.grant for i in due}.values()), on)
    prepared = grants_prepared_by(user, {i.grant_id for i in due}) if user is not None else set()
    if user is not None:
        counts["left"] = 0
    for instalment in due:
        cancel, withhold = instalment_blockers(instalment.grant, on, facts)
        if instalment.year > on.year and not cancel:
            continue  # not due before its own year
        if cancel:
            status, reason = Instalment.Status.CANCELLED, cancel
        elif withhold:
            status, reason = Instalment.Status.WITHHELD, "; ".join(withhold)
        else:
            status, reason = Instalment.Status.RELEASED, ""
        if (instalment.status, instalment.withheld_reason) == (status, reason):
            continue  # nothing new: no lock, no write, no history row
        if status == Instalment.Status.RELEASED and instalment.grant_id in prepared:
            counts["left"] += 1  # a preparer of the grant does not release its money
            continue
        if _decide(instalment, status, reason, on, user):
            counts[status] += 1
    return counts


@transaction.atomic
def _decide(instalment: Instalment, status: str, reason: str, on: datetime.date, user: User | None) -> bool:
    """Record a decision (with history) unless the instalment moved meanwhile or nothing changes."""
    locked = Instalment.objects.select_for_update().get(pk=instalment.pk)
    if locked.status != instalment.status or (locked.status, locked.withheld_reason) == (status, reason):
        return False
    locked.status, locked.withheld_reason, locked.decided_on, locked.decided_by = status, reason, on, user
    locked.save(update_fields=["status", "withheld_reason", "decided_on", "decided_by"])
    return True
