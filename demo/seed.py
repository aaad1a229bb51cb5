"""Demo data for a believable Baotou (包头市, 150200): providers, people, licences, users.

``seed()`` is what ``manage.py seed_demo`` runs. It is deterministic and idempotent:

* all randomness comes from one ``random.Random(SEED)``, and every date is derived from
  the day the demo runs (``anchor``, today for ``seed_demo``): the history ends the day
  before, so the same day always plans the same data;
* the whole plan is built first, in memory, without touching the database; only then are
  the providers that are not there yet (keyed by name, which the catalogue fixes, and
  USCC) written, with their lifecycle transitions, licences, fees, reports, credit
  records, residents and caregivers. A run on a later day finds them all and writes none:
  ``demo.upkeep`` then brings their records up to that day;
* demo users are created once and never changed afterwards.

It refuses to run with the production settings (``config.settings.prod``).
"""

from __future__ import annotations

import datetime
import os
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Model, Q
from simple_history.utils import bulk_create_with_history

from childcare.models import ChildcareWorker
from registry import reference_data
from registry.lifecycle import provider_transition
from registry.models import (
    AnnualReport,
    Caregiver,
    CreditDisclosure,
    CreditRecord,
    Division,
    FeeItem,
    Licence,
    Provider,
    ProviderGrade,
    ProviderStatus,
    ProviderStatusChange,
    Resident,
    RoleGrant,
    User,
)
from registry.staff import roles

from .baotou import (
    BAOTOU,
    CATALOGUE,
    CHANGE_REASON,
    DEMO_DEPARTMENTS,
    DEMO_PASSWORD,
    DEMO_USERS,
    DISTRICTS,
    NEWCOMER_USERNAME,
    SEED,
    SYSTEM_USERNAME,
    Listing,
)
from .childcare import childcare_staff
from .credit import plan_grades, write_credit_disclosure
from .people import ensure_system_user
from .providers import ProviderPlan, plan_filing, plan_opening, plan_provider_fields, plan_registration, plan_steps
from .records import (
    plan_annual_reports,
    plan_credit_records,
    plan_fees,
    plan_fire_licence,
    plan_food_licences,
    plan_insurance,
    plan_medical_filing,
)
from .residents import plan_caregivers, plan_residents

S = ProviderStatus
PRODUCTION_SETTINGS = "config.settings.prod"


class DemoDataRefused(Exception):
    """Raised instead of writing demo data where it must not go."""


@dataclass
class SeedSummary:
    providers_created: int = 0
    providers_existing: int = 0
    created: Counter[str] = field(default_factory=Counter)
    users_created: list[str] = field(default_factory=list)


# --------------------------------------------------------------------- the plan


def plan_provider(
    rng: random.Random,
    listing: Listing,
    sequence: int,
    serials: set[int],
    caregiver_ids: set[str],
    anchor: datetime.date,
) -> ProviderPlan:
    """Plan one provider and everything attached to it, for a demo run on ``anchor``."""
    district = DISTRICTS[listing.division]
    steps = plan_steps(rng, listing, anchor)
    opened_on = plan_opening(rng, listing, steps, anchor)
    last_day = anchor - datetime.timedelta(days=1)
    ends_on = steps[-1].effective_on if listing.status in {S.CLOSED, S.REVOKED} else last_day
    fields = {
        **plan_registration(rng, listing, serials),
        **plan_filing(listing, steps, sequence),
        **plan_provider_fields(rng, listing, opened_on, ends_on, last_day),
    }
    plan = ProviderPlan(
        listing=listing, fields=fields, steps=steps, opened_on=opened_on, ends_on=ends_on, anchor=anchor
    )
    plan.licences = [
        *plan_fire_licence(rng, plan, district),
        *plan_food_licences(rng, plan, district),
        *plan_insurance(rng, plan),
        *plan_medical_filing(rng, plan, district),
    ]
    plan.fee_items = plan_fees(rng, plan)
    plan.annual_reports = plan_annual_reports(rng, plan)
    plan.credit_records = plan_credit_records(rng, plan)
    plan.grades = plan_grades(plan)  # a generator of its own: the rest of the plan is unchanged
    plan.residents = plan_residents(rng, plan)
    plan.caregivers = plan_caregivers(rng, plan, caregiver_ids)
    return plan


def build_plan(anchor: datetime.date, seed: int = SEED) -> list[ProviderPlan]:
    """The complete demo data set as plain values, for a demo run on ``anchor``. Same seed
    and day, same plan; no database access."""
    rng = random.Random(seed)
    serials: set[int] = set()
    caregiver_ids: set[str] = set()
    return [plan_provider(rng, listing, n, serials, caregiver_ids, anchor) for n, listing in enumerate(CATALOGUE, 1)]


# ------------------------------------------------------------------- writing


def production_settings_in_use() -> bool:
    """Whether the production settings are configured, by the environment or by Django."""
    modules = {os.environ.get("DJANGO_SETTINGS_MODULE"), getattr(settings, "SETTINGS_MODULE", None)}
    return PRODUCTION_SETTINGS in modules


def refuse_in_production() -> None:
    """Demo data and a published password must never reach the live register."""
    if production_settings_in_use():
        raise DemoDataRefused(
            f"seed_demo refuses to run with the production settings ({PRODUCTION_SETTINGS}): "
            "demo providers, residents and users with a published password must never enter a live register."
        )


def ensure_reference_data() -> dict[str, Division]:
    """Baotou's county-level units (and the Rare Earth zone), loading reference data if missing."""
    codes = [BAOTOU, *DISTRICTS]
    if Division.objects.filter(code__in=codes).count() < len(codes):
        reference_data.load()
    return {d.code: d for d in Division.objects.filter(code__in=codes)}


def ensure_demo_users(divisions: dict[str, Division], summary: SeedSummary) -> None:
    """Create the demo staff users once; existing users are left exactly as they are."""
    for demo in DEMO_USERS:
        if User.objects.filter(username=demo.username).exists():
            continue
        user = User.objects.create_user(
            username=demo.username,
            password=DEMO_PASSWORD,
            email=f"{demo.username}@demo.invalid",
            is_staff=True,
            jurisdiction=divisions[demo.jurisdiction],
            department=DEMO_DEPARTMENTS.get(demo.username, ""),
        )
        user.groups.add(Group.objects.get(name=demo.role))
        summary.users_created.append(demo.username)


def ensure_demo_role_request(divisions: dict[str, Division], summary: SeedSummary) -> None:
    """A new Shiguai clerk's account, opened by the system admin, whose role waits for the
    security admin's confirmation (三员分立: the second person confirms)."""
    if User.objects.filter(username=NEWCOMER_USERNAME).exists():
        return
    newcomer = User(
        username=NEWCOMER_USERNAME,
        first_name="晓东",
        last_name="李",
        email="",
        is_staff=True,
        jurisdiction=divisions["150205"],
    )
    newcomer.set_unusable_password()  # sets their own password from a one-time link
    newcomer.save()
    RoleGrant.objects.create(
        user=newcomer,
        group=Group.objects.get(name=roles.DISTRICT_CLERK),
        reason="石拐区民政局新入职经办人员，任命文件石民发〔2026〕31号",
        requested_by=User.objects.get(username="sysadmin"),
    )
    summary.users_created.append(NEWCOMER_USERNAME)


def create_provider(plan: ProviderPlan, division: Division, actor: User) -> Provider:
    """Save the provider as a draft, then walk it through its lifecycle transitions."""
    provider = Provider(division=division, **plan.fields)
    # Reminder digests for self-inspections go to the institution (a reserved domain).
    provider.contact_email = f"{provider.uscc.lower()}@demo.invalid"
    provider.full_clean()
    provider._history_user = actor
    provider._change_reason = CHANGE_REASON
    provider.save()
    for step in plan.steps:
        provider_transition(
            provider=provider,
            action=step.action,
            reason=step.reason,
            reason_category=step.reason_category,
            effective_on=step.effective_on,
            actor=actor,
            check_permission=False,
        )
    return provider


def related_objects(plan: ProviderPlan, provider: Provider) -> dict[type[Model], list[Model]]:
    """Unsaved, validated rows attached to ``provider``, by model."""
    rows: dict[type[Model], Iterable[dict[str, Any]]] = {
        Licence: plan.licences,
        FeeItem: plan.fee_items,
        AnnualReport: plan.annual_reports,
        CreditRecord: plan.credit_records,
        ProviderGrade: plan.grades,
        Resident: plan.residents,
        Caregiver: plan.caregivers,
    }
    if provider.is_childcare:  # childcare staff are not elderly caregivers (issue 17)
        rows[ChildcareWorker] = childcare_staff(plan.caregivers)
        rows[Caregiver] = []
    objects: dict[type[Model], list[Model]] = {}
    for model, values in rows.items():
        objects[model] = [model(provider=provider, **v) for v in values]
        for obj in objects[model]:
            obj.full_clean(validate_unique=False, validate_constraints=False)
    return objects


def drop_known_caregivers(pending: list[Model]) -> list[Model]:
    """Caregiver ID numbers are unique across providers: skip any already in the database."""
    caregivers = cast(list[Caregiver], pending)
    numbers = [c.id_number for c in caregivers]
    known = set(Caregiver.objects.filter(id_number__in=numbers).values_list("id_number", flat=True))
    return [c for c in caregivers if c.id_number not in known]


def write_plan(plans: list[ProviderPlan], divisions: dict[str, Division], actor: User, summary: SeedSummary) -> None:
    """Create the providers that are not there yet (by name or USCC), then their rows in bulk."""
    names = [p.listing.name for p in plans]
    existing = {
        key
        for pair in Provider.objects.filter(Q(uscc__in=[p.uscc for p in plans]) | Q(name__in=names)).values_list(
            "uscc", "name"
        )
        for key in pair
    }
    pending: dict[type[Model], list[Model]] = {}
    for plan in plans:
        if plan.uscc in existing or plan.listing.name in existing:
            summary.providers_existing += 1
            continue
        provider = create_provider(plan, divisions[plan.listing.division], actor)
        summary.providers_created += 1
        summary.created[ProviderStatusChange.__name__] += len(plan.steps)
        for model, objects in related_objects(plan, provider).items():
            pending.setdefault(model, []).extend(objects)
    if Caregiver in pending:
        pending[Caregiver] = drop_known_caregivers(pending[Caregiver])
    for model, objects in pending.items():
        bulk_create_with_history(
            objects, model, batch_size=500, default_user=actor, default_change_reason=CHANGE_REASON
        )
        summary.created[model.__name__] += len(objects)


def seed(today: datetime.date) -> SeedSummary:
    """Write the demo data set as of ``today`` (idempotent); refuses to run with production settings."""
    refuse_in_production()
    summary = SeedSummary()
    plans = build_plan(today)
    with transaction.atomic():
        divisions = ensure_reference_data()
        actor = ensure_system_user(SYSTEM_USERNAME, "演示数据", today)
        ensure_demo_users(divisions, summary)
        ensure_demo_role_request(divisions, summary)
        write_plan(plans, divisions, actor, summary)
        summary.created[CreditDisclosure.__name__] += write_credit_disclosure(today, actor)
    return summary


def analyze_tables() -> None:
    """Refresh PostgreSQL's statistics after the bulk load, as after any bulk import: on
    tables it still believes empty the planner picks plans that scan a table once per row
    (an admin list of the demo took minutes). Rows written by the caller's own open
    transaction count too, so a test's demo is analysed as well. SQLite keeps no statistics."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def format_summary(summary: SeedSummary) -> str:
    """A few lines for the console: what was created and who can log in."""
    lines = [
        f"Providers: {summary.providers_created} created, {summary.providers_existing} already present.",
        *(f"  {name}: {count} created" for name, count in sorted(summary.created.items())),
        f"Demo users created: {', '.join(summary.users_created) or 'none (all present)'}",
        f"Demo staff users (password {DEMO_PASSWORD}):",
    ]
    names = dict(Division.objects.filter(code__in={u.jurisdiction for u in DEMO_USERS}).values_list("code", "name"))
    lines += [f"  {u.username:<20} {u.jurisdiction}  {u.role} · {names.get(u.jurisdiction, '')}" for u in DEMO_USERS]
    return "\n".join(lines)
