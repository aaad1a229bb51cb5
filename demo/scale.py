"""Region-scale synthetic data for benchmarks: ``manage.py generate_scale_data``.

Builds N providers spread over all 103 GB/T 2260 county-level divisions of Inner
Mongolia, with a realistic lifecycle mix (draft, filed, certified, suspended — some
reinstated —, closed, revoked) and the ``ProviderStatusChange`` rows that the monthly
grant run reads to decide in which status a provider was during a month; M residents
whose stays (admissions and discharges) are spread over the K months before the anchor
(a few present in two providers in the same month, as the grant run must flag);
caregivers, monthly fees, liability insurance policies (expiring all year round, for
the licence reminders), a few blacklistings and payment holds, and staff users (a clerk
and an inspector per county, a reviewer and an inspector per league/city, a region
reviewer) for the admin, planning and reminders.

Fast: every table is written with PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy``), one
transaction in all, then ``ANALYZE``. Nothing goes through ``save()``, so:

- **no django-simple-history rows** are written for the generated data (the history of
  a generated row starts at its first real change);
- ID and phone numbers are encrypted here, as their fields would: the Fernet token
  (``safeguards.crypto.encrypt_text``) goes into ``id_number`` / ``phone`` and the keyed
  hash (``safeguards.crypto.id_number_hash`` / ``phone_hash``) into ``id_number_hash`` /
  ``phone_hash`` (an empty phone stays empty).

Every USCC and ID number has valid check characters (``safeguards.identifiers``). All
randomness comes from one ``random.Random(seed)``: same seed, sizes and anchor, same data.
It refuses to run with the production settings, and on a database that already holds
providers unless ``force`` is given (then it adds to them).
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from childcare.models import Child
from registry.bulk import copy_rows
from registry.models import (
    Caregiver,
    ChildcarePlaces,
    CreditRecord,
    Division,
    FeeItem,
    Licence,
    Provider,
    ProviderGrade,
    ProviderHold,
    ProviderStatusChange,
    Resident,
    User,
)
from registry.periods import add_months
from registry.staff import roles
from safeguards.identifiers import make_id_number, validate_id_number, validate_uscc

from .people import days, ensure_system_user
from .scale_childcare import child_rows, childcare_providers, place_rows
from .scale_people import IdNumbers, PeopleContext, caregiver_rows, resident_rows
from .scale_providers import (
    STAFF_EMAIL_DOMAIN,
    credit_and_hold_rows,
    fee_rows,
    grade_rows,
    licence_rows,
    plan_providers,
    status_change_rows,
    write_providers,
)
from .seed import PRODUCTION_SETTINGS, production_settings_in_use

DEFAULT_PROVIDERS = 20_000
DEFAULT_RESIDENTS = 500_000
DEFAULT_MONTHS = 24
DEFAULT_SEED = 8
SYSTEM_USERNAME = "scale-data"
STAFF_PREFIX = "scale_"


class ScaleDataRefused(Exception):
    """Raised instead of writing scale data where it must not go."""


@dataclass
class ScaleSummary:
    anchor: datetime.date
    first_month: datetime.date
    created: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        last = self.anchor - datetime.timedelta(days=1)
        return [
            f"Months {self.first_month:%Y-%m} to {last:%Y-%m} (anchor {self.anchor.isoformat()}), "
            f"written in {self.seconds:.1f} s (COPY, no history rows):",
            *(f"  {name}: {count}" for name, count in sorted(self.created.items())),
            "  providers by status: " + ", ".join(f"{s} {n}" for s, n in sorted(self.statuses.items())),
        ]


# ------------------------------------------------------------------------- guards


def refuse_in_production() -> None:
    if production_settings_in_use():
        raise ScaleDataRefused(
            f"generate_scale_data refuses to run with the production settings ({PRODUCTION_SETTINGS}): "
            "synthetic providers and residents must never enter a live register."
        )


def refuse_if_populated(*, force: bool) -> None:
    if connection.vendor != "postgresql":
        raise ScaleDataRefused("generate_scale_data writes with PostgreSQL COPY: set DATABASE_URL to PostgreSQL.")
    if not force and Provider.objects.exists():
        raise ScaleDataRefused("The database already has providers; use --force to add scale data to them.")


def analyze(models: Sequence[type[Model]]) -> None:
    """Fresh planner statistics: a table that grew from nothing in one transaction has none."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# ----------------------------------------------------------------------- staff


def staff_username(role: str, code: str) -> str:
    short = {
        roles.DISTRICT_CLERK: "clerk",
        roles.CITY_REVIEWER: "reviewer",
        roles.INSPECTOR: "inspector",
        roles.FINANCE: "finance",
        roles.SECURITY_ADMIN: "security",
    }[role]
    return f"{STAFF_PREFIX}{short}_{code}"


def ensure_staff(counties: list[Division], leagues: list[Division], region: Division) -> int:
    """A clerk and an inspector per county, a reviewer, an inspector and a finance officer per
    league/city, a reviewer and a security admin for the region (passwords unusable:
    benchmarks log them in directly)."""
    wanted = [(roles.DISTRICT_CLERK, d) for d in counties] + [(roles.INSPECTOR, d) for d in counties]
    wanted += [(roles.CITY_REVIEWER, d) for d in leagues] + [(roles.INSPECTOR, d) for d in leagues]
    wanted += [(roles.FINANCE, d) for d in leagues]
    wanted += [(roles.CITY_REVIEWER, region), (roles.SECURITY_ADMIN, region)]
    existing = set(User.objects.filter(username__startswith=STAFF_PREFIX).values_list("username", flat=True))
    groups = {g.name: g for g in Group.objects.filter(name__in={role for role, _d in wanted})}
    created = 0
    for role, division in wanted:
        username = staff_username(role, division.code)
        if username in existing:
            continue
        user = User(username=username, email=f"{username}@{STAFF_EMAIL_DOMAIN}", is_staff=True, jurisdiction=division)
        user.set_unusable_password()
        user.save()
        user.groups.add(groups[role])
        created += 1
    return created


# ------------------------------------------------------------------------ main


def county_divisions() -> list[Division]:
    """The 103 GB/T 2260 county-level divisions (loaded by ``load_reference_data``)."""
    counties = list(Division.objects.filter(level=Division.Level.COUNTY, is_standard=True).order_by("code"))
    if not counties:
        raise ScaleDataRefused("No county-level divisions: run manage.py load_reference_data first.")
    return counties


def default_anchor() -> datetime.date:
    """The first day of the current month: the window is the K months before it."""
    return timezone.localdate().replace(day=1)


def generate(
    *,
    providers: int = DEFAULT_PROVIDERS,
    residents: int = DEFAULT_RESIDENTS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    anchor: datetime.date | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ScaleSummary:
    """Write the scale data set in one transaction (COPY), then ANALYZE the tables."""
    refuse_in_production()
    refuse_if_populated(force=force)
    if providers < 1 or residents < 0 or months < 1:
        raise ScaleDataRefused("Sizes: at least one provider and one month, no negative number of residents.")
    started = time.perf_counter()
    anchor = (anchor or default_anchor()).replace(day=1)
    first_month = add_months(anchor, -months)
    last_day = anchor - days(1)
    summary = ScaleSummary(anchor=anchor, first_month=first_month)
    # Seeded by the count too, so a second run with --force adds new rows.
    rng = random.Random(f"{seed}:{Provider.objects.count()}")
    say = progress or (lambda _message: None)

    counties = county_divisions()
    names = dict(Division.objects.filter(level__lte=Division.Level.LEAGUE_CITY).values_list("code", "name"))
    area_codes = [d.code for d in counties]
    for code in area_codes:  # every area code is one stdnum knows (validate_id_number)
        validate_id_number(make_id_number(code, datetime.date(1950, 1, 1), 1), today=anchor)

    with transaction.atomic():
        actor = ensure_system_user(SYSTEM_USERNAME, "规模测试数据")
        region = Division.objects.get(level=Division.Level.REGION)
        leagues = list(Division.objects.filter(level=Division.Level.LEAGUE_CITY, is_standard=True))
        summary.created["staff users"] = ensure_staff(counties, leagues, region)

        taken = set(Provider.objects.values_list("uscc", flat=True))
        planned = plan_providers(rng, providers, counties, names, first_month, last_day, taken)
        for p in planned[:50]:
            validate_uscc(p.fields["uscc"])
        write_providers(planned)
        summary.created["providers"] = len(planned)
        summary.statuses.update(p.status for p in planned)
        say(f"providers: {len(planned)}")

        summary.created["status changes"] = copy_rows(ProviderStatusChange, status_change_rows(planned, actor))
        summary.created["grade records"] = copy_rows(ProviderGrade, grade_rows(planned))
        summary.created["fee items"] = copy_rows(FeeItem, fee_rows(rng, planned))
        summary.created["licences"] = copy_rows(Licence, licence_rows(rng, planned, anchor))
        credit, holds = credit_and_hold_rows(rng, planned, first_month, last_day)
        summary.created["blacklistings"] = copy_rows(CreditRecord, credit)
        summary.created["payment holds"] = copy_rows(ProviderHold, holds)

        ctx = PeopleContext(rng, first_month, last_day, area_codes)
        homes = [p for p in planned if p.residential and p.fields["beds"] > 0]
        numbers = IdNumbers(datetime.date(1925, 1, 1), 35, Resident.objects.count())
        summary.created["residents"] = copy_rows(Resident, resident_rows(ctx, homes, residents, numbers))
        summary.created["residents registered at two providers"] = ctx.made["residents registered at two providers"]
        say(f"residents: {summary.created['residents']}")
        taken_caregivers = set(Caregiver.objects.values_list("id_number_hash", flat=True))
        caregiver_numbers = IdNumbers(datetime.date(1965, 1, 1), 35, len(taken_caregivers))
        summary.created["caregivers"] = copy_rows(
            Caregiver, caregiver_rows(ctx, planned, caregiver_numbers, taken_caregivers)
        )
        say(f"caregivers: {summary.created['caregivers']}")
        nurseries = childcare_providers(planned)
        summary.created["childcare places"] = copy_rows(ChildcarePlaces, place_rows(seed, nurseries))
        summary.created["children"] = copy_rows(Child, child_rows(seed, nurseries, last_day))
        say(f"children: {summary.created['children']}")
        analyze(
            [
                Provider,
                ProviderStatusChange,
                ProviderGrade,
                FeeItem,
                Licence,
                CreditRecord,
                ProviderHold,
                Resident,
                Caregiver,
                ChildcarePlaces,
                Child,
            ]
        )
    summary.seconds = time.perf_counter() - started
    return summary
