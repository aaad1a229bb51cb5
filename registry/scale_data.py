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
  (``registry.crypto.encrypt_text``) goes into ``id_number`` / ``phone`` and the keyed
  hash (``registry.crypto.id_number_hash`` / ``phone_hash``) into ``id_number_hash`` /
  ``phone_hash`` (an empty phone stays empty).

Every USCC and ID number has valid check characters (``registry.identifiers``). All
randomness comes from one ``random.Random(seed)``: same seed, sizes and anchor, same data.
It refuses to run with the production settings, and on a database that already holds
providers unless ``force`` is given (then it adds to them).
"""

from __future__ import annotations

import datetime
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from . import roles
from .bulk import copy_rows
from .crypto import encrypt_text, id_number_hash, phone_hash
from .demo import (
    CARE_LEVEL_WEIGHTS,
    DEFAULT_REGISTRANT,
    FEE_RANGES,
    INSURERS,
    REGISTRANTS,
    RESIDENTIAL_KINDS,
    days,
    group_of,
    mobile,
    money,
    person_name,
    plan_capacity,
    random_date,
    resident_categories,
    words,
)
from .identifiers import make_id_number, make_uscc, validate_id_number, validate_uscc
from .models import (
    Caregiver,
    CertificateLevel,
    CreditRecord,
    Division,
    FeeItem,
    FilingAuthority,
    Licence,
    OperationMode,
    PremisesBasis,
    Provider,
    ProviderHold,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    Resident,
    User,
)
from .periods import add_months

DEFAULT_PROVIDERS = 20_000
DEFAULT_RESIDENTS = 500_000
DEFAULT_MONTHS = 24
DEFAULT_SEED = 8
PRODUCTION_SETTINGS = "config.settings.prod"
SYSTEM_USERNAME = "scale-data"
STAFF_PREFIX = "scale_"
STAFF_EMAIL_DOMAIN = "scale.invalid"  # a reserved domain: nothing is ever delivered

K = ProviderKind
S = ProviderStatus
Action = ProviderStatusChange.Action

# Shares of kinds and statuses (percent); roughly what a region's register looks like.
KIND_WEIGHTS: dict[str, int] = {
    K.ELDERLY_INSTITUTION: 24,
    K.TOWNSHIP_HOME: 9,
    K.MEDICAL_ELDERLY: 5,
    K.DAY_CARE_CENTRE: 14,
    K.SERVICE_STATION: 12,
    K.HAPPINESS_HOME: 14,
    K.INFANT_CARE: 8,
    K.NURSERY: 4,
    K.KINDERGARTEN_CLASS: 4,
    K.COMMUNITY_CHILDCARE: 3,
    K.WORKPLACE_CHILDCARE: 2,
    K.HOME_CHILDCARE: 1,
}
STATUS_WEIGHTS: dict[str, int] = {S.DRAFT: 4, S.FILED: 14, S.CERTIFIED: 66, S.SUSPENDED: 6, S.CLOSED: 8, S.REVOKED: 2}
# Lifecycle actions that take a new provider to each status.
STATUS_PATHS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (),
    S.FILED: (Action.FILE,),
    S.CERTIFIED: (Action.FILE, Action.CERTIFY),
    S.SUSPENDED: (Action.FILE, Action.CERTIFY, Action.SUSPEND),
    S.CLOSED: (Action.FILE, Action.CERTIFY, Action.CLOSE),
    S.REVOKED: (Action.FILE, Action.CERTIFY, Action.SUSPEND, Action.REVOKE),
}
GAP_DAYS: dict[str, tuple[int, int]] = {
    Action.CERTIFY: (20, 150),
    Action.SUSPEND: (60, 600),
    Action.REINSTATE: (30, 150),
    Action.CLOSE: (90, 700),
    Action.REVOKE: (30, 200),
}
TARGET: dict[str, str] = {
    Action.FILE: S.FILED,
    Action.CERTIFY: S.CERTIFIED,
    Action.SUSPEND: S.SUSPENDED,
    Action.REINSTATE: S.CERTIFIED,  # every generated suspension is of a certified provider
    Action.CLOSE: S.CLOSED,
    Action.REVOKE: S.REVOKED,
}
REASONS: dict[str, str] = {
    Action.FILE: "提交备案材料，经审查材料齐全，予以备案。",
    Action.CERTIFY: "经现场核查，符合服务质量基本规范，予以认证。",
    Action.SUSPEND: "安全检查发现重大隐患，责令暂停收住并限期整改。",
    Action.REINSTATE: "整改完成，经复查合格，恢复运营。",
    Action.CLOSE: "举办者申请停止运营，服务对象已妥善安置。",
    Action.REVOKE: "整改期满仍存在重大安全隐患，撤销备案。",
}
REINSTATED_SHARE = 0.05  # certified providers whose history shows a suspension and reinstatement
FILED_BEFORE_WINDOW_SHARE = 0.7  # the rest were filed during the K months
DUPLICATE_SHARE = 0.003  # residents also registered at a second provider in the same months
LONG_STAY_SHARE = 0.45  # residents admitted before the first month and still there at its start
DISCHARGED_SHARE = 0.35
BLACKLIST_SHARE = 0.003
HOLD_SHARE = 0.005
RESIDENTS_PER_CAREGIVER = 10

NAME_WORDS = words("阳光 康乐 福寿 松鹤 颐和 仁爱 夕阳红 金色年华 安康 慈孝 长青 乐龄 祥和 福康 温馨 童心 贝贝 启蒙")
KIND_NAMES: dict[str, str] = {
    K.ELDERLY_INSTITUTION: "养老院",
    K.TOWNSHIP_HOME: "敬老院",
    K.MEDICAL_ELDERLY: "医养中心",
    K.DAY_CARE_CENTRE: "社区老年人日间照料中心",
    K.SERVICE_STATION: "养老服务站",
    K.HAPPINESS_HOME: "互助幸福院",
    K.INFANT_CARE: "托育中心",
    K.NURSERY: "托儿所",
    K.KINDERGARTEN_CLASS: "幼儿园托班",
    K.COMMUNITY_CHILDCARE: "社区托育点",
    K.WORKPLACE_CHILDCARE: "职工托育点",
    K.HOME_CHILDCARE: "家庭托育点",
}
STREETS = words("人民路 新华大街 团结路 建设路 解放路 胜利路 和平路 文化路 民族街 幸福路 草原路 光明路")


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
    modules = {os.environ.get("DJANGO_SETTINGS_MODULE"), getattr(settings, "SETTINGS_MODULE", None)}
    if PRODUCTION_SETTINGS in modules:
        raise ScaleDataRefused(
            f"generate_scale_data refuses to run with the production settings ({PRODUCTION_SETTINGS}): "
            "synthetic providers and residents must never enter a live register."
        )


def refuse_if_populated(*, force: bool) -> None:
    if connection.vendor != "postgresql":
        raise ScaleDataRefused("generate_scale_data writes with PostgreSQL COPY: set DATABASE_URL to PostgreSQL.")
    if not force and Provider.objects.exists():
        raise ScaleDataRefused("The database already has providers; use --force to add scale data to them.")


# ----------------------------------------------------------------------- helpers


def weighted(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=count)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def analyze(models: Sequence[type[Model]]) -> None:
    """Fresh planner statistics: a table that grew from nothing in one transaction has none."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# ---------------------------------------------------------------------- providers


@dataclass
class PlannedProvider:
    """One generated provider as plain values, and what the other tables need of it."""

    fields: dict[str, Any]
    steps: list[tuple[str, str, str, datetime.date]]  # (action, from, to, effective_on)
    county: Division
    opened_on: datetime.date
    ends_on: datetime.date  # closing/revocation date, or the last day while operating
    pk: int | None = None

    @property
    def kind(self) -> str:
        return str(self.fields["kind"])

    @property
    def status(self) -> str:
        return str(self.fields["status"])

    @property
    def residential(self) -> bool:
        return self.kind in RESIDENTIAL_KINDS and self.status != S.DRAFT


def plan_lifecycle(
    rng: random.Random, status: str, first_month: datetime.date, last_day: datetime.date
) -> list[tuple[str, str, str, datetime.date]]:
    """The transitions that take a new provider to ``status``, dated inside or before the window."""
    actions = list(STATUS_PATHS[status])
    if status == S.CERTIFIED and rng.random() < REINSTATED_SHARE:
        actions += [Action.SUSPEND, Action.REINSTATE]
    if not actions:
        return []
    if rng.random() < FILED_BEFORE_WINDOW_SHARE:
        first = random_date(rng, first_month - days(8 * 365), first_month - days(1))
    else:
        first = random_date(rng, first_month, last_day - days(30))
    dates = [first]
    for action in actions[1:]:
        lo, hi = GAP_DAYS[action]
        dates.append(dates[-1] + days(rng.randint(lo, hi)))
    if status in {S.SUSPENDED, S.CLOSED, S.REVOKED} and dates[-1] < first_month:
        # Closings and suspensions fall inside the window, where the runs can see them.
        shift = (random_date(rng, first_month, last_day) - dates[-1]).days
        dates = [d + days(shift) for d in dates]
    overflow = (dates[-1] - last_day).days
    if overflow > 0:
        dates = [d - days(overflow) for d in dates]
    steps = []
    current: str = S.DRAFT
    for action, day in zip(actions, dates, strict=True):
        target = TARGET[action]
        steps.append((action, current, target, day))
        current = target
    return steps


def plan_grade(rng: random.Random, kind: str, status: str) -> int:
    if status in {S.DRAFT, S.FILED}:
        return 0
    if kind in RESIDENTIAL_KINDS:
        return rng.choices(range(6), weights=[25, 15, 25, 22, 9, 4])[0]
    if kind == K.DAY_CARE_CENTRE:
        return rng.choices(range(4), weights=[40, 25, 25, 10])[0]
    return 0


def plan_premises(rng: random.Random, opened_on: datetime.date, ends_on: datetime.date) -> dict[str, Any]:
    basis = rng.choices(
        [PremisesBasis.NEW_BUILD, PremisesBasis.BOUGHT_RENOVATED, PremisesBasis.LEASED, PremisesBasis.EXPANSION],
        weights=[35, 20, 35, 10],
    )[0]
    built = opened_on - days(rng.randint(90, 6000))
    lease_end = ends_on + days(rng.randint(365, 3650)) if basis == PremisesBasis.LEASED else None
    return {"premises_basis": basis, "built_on": built, "lease_end": lease_end}


def plan_providers(
    rng: random.Random,
    count: int,
    counties: list[Division],
    names: dict[str, str],
    first_month: datetime.date,
    last_day: datetime.date,
    taken_usccs: set[str],
) -> list[PlannedProvider]:
    """``count`` providers, every county getting its share (larger shares to a few)."""
    county_weights = [rng.uniform(0.3, 3.0) for _ in counties]
    chosen = rng.choices(counties, weights=county_weights, k=count)
    # Every county has providers, whatever the weights drew.
    for index, county in enumerate(counties[: min(count, len(counties))]):
        chosen[index] = county
    kinds = weighted(rng, KIND_WEIGHTS, count)
    statuses = weighted(rng, STATUS_WEIGHTS, count)
    serial = 10_000_000 + rng.randrange(10_000_000)
    planned = []
    for n, (county, kind, status) in enumerate(zip(chosen, kinds, statuses, strict=True), 1):
        registrant, mode = DEFAULT_REGISTRANT[kind]
        if rng.random() < 0.25:
            registrant, mode = rng.choice([("52", OperationMode.PRIVATE), ("91", OperationMode.PRIVATE)])
        authority, legal_form = REGISTRANTS[registrant]
        while True:
            serial = serial + 1 if serial < 99_999_999 else 10_000_000
            uscc = make_uscc(authority=registrant[0], entity_type=registrant[1], area_code=county.code, serial=serial)
            if uscc not in taken_usccs:
                taken_usccs.add(uscc)
                break
        steps = plan_lifecycle(rng, status, first_month, last_day)
        opened_on = (steps[0][3] if steps else last_day - days(rng.randint(30, 300))) - days(rng.randint(15, 400))
        ends_on = steps[-1][3] if status in {S.CLOSED, S.REVOKED} else last_day
        league = names.get(county.path.split("/")[1], "")
        name = f"{county.name}{rng.choice(NAME_WORDS)}{KIND_NAMES[kind]}（{n}）"
        childcare = kind in ProviderKind.childcare()
        fields: dict[str, Any] = {
            "uscc": uscc,
            "name": name,
            "kind": kind,
            "legal_form": legal_form,
            "operation_mode": mode,
            "status": status,
            "registration_authority": authority,
            "registration_number": uscc,
            "division_id": county.pk,
            "address": f"{league}{county.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
            "latitude": Decimal(f"{rng.uniform(37.5, 50.0):.6f}"),
            "longitude": Decimal(f"{rng.uniform(97.5, 125.5):.6f}"),
            "contact_person": person_name(rng, male=rng.random() < 0.4, elderly=False),
            "contact_phone": f"0{rng.randint(470, 479)}-{rng.randrange(10**7):07d}",
            "contact_email": f"{uscc.lower()}@{STAFF_EMAIL_DOMAIN}" if status != S.DRAFT else "",
            **plan_capacity(rng, kind),
            **plan_premises(rng, opened_on, ends_on),
            "investment_yuan": money(rng.randrange(300_000, 20_000_000, 1000)),
            "grade": plan_grade(rng, kind, status),
            "has_medical_unit": kind == K.MEDICAL_ELDERLY or (kind in RESIDENTIAL_KINDS and rng.random() < 0.2),
        }
        if steps:
            filing = steps[0][3]
            fields["filing_authority"] = (
                FilingAuthority.HEALTH_COMMISSION if childcare else FilingAuthority.CIVIL_AFFAIRS
            )
            fields["filing_number"] = f"{county.code}-{'托育' if childcare else '养老'}备-{filing.year}-{n:05d}"
            fields["filed_on"] = filing
            fields["status_changed_on"] = steps[-1][3]
            certified = [day for action, _f, _t, day in steps if action == Action.CERTIFY]
            fields["certified_on"] = certified[0] if certified else None
            fields["bank_name"] = "中国农业银行"
            fields["bank_account_name"] = name
            fields["bank_account_number"] = f"0546{rng.randrange(10**15):015d}"
        planned.append(PlannedProvider(fields, steps, county, opened_on, ends_on))
    return planned


def write_providers(planned: list[PlannedProvider]) -> None:
    copy_rows(Provider, (p.fields for p in planned))
    ids = dict(Provider.objects.filter(uscc__in=[p.fields["uscc"] for p in planned]).values_list("uscc", "pk"))
    for p in planned:
        p.pk = ids[p.fields["uscc"]]


def status_change_rows(planned: list[PlannedProvider], actor: User) -> Iterator[dict[str, Any]]:
    for p in planned:
        for action, from_status, to_status, day in p.steps:
            yield {
                "provider_id": p.pk,
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "reason": REASONS[action],
                "effective_on": day,
                "actor_id": actor.pk,
                "recorded_at": noon(day),  # in the order of the transitions
            }


def fee_rows(rng: random.Random, planned: list[PlannedProvider]) -> Iterator[dict[str, Any]]:
    for p in planned:
        if p.status == S.DRAFT:
            continue
        effective_from = max(p.opened_on, p.ends_on - days(rng.randint(200, 900)))
        effective_to = p.ends_on if p.status in {S.CLOSED, S.REVOKED} else None
        for kind, name, unit, lo, hi in FEE_RANGES[group_of(p.kind)]:
            yield {
                "provider_id": p.pk,
                "kind": kind,
                "name": name,
                "amount": money(rng.randrange(lo, hi + 1, 1 if hi < 100 else 10)),
                "unit": unit,
                "effective_from": effective_from,
                "effective_to": effective_to,
            }


def licence_rows(rng: random.Random, planned: list[PlannedProvider], anchor: datetime.date) -> Iterator[dict[str, Any]]:
    """One-year liability policies of operating providers, expiring all year round."""
    for p in planned:
        if p.status in {S.DRAFT, S.CLOSED, S.REVOKED}:
            continue
        issued = random_date(rng, anchor - days(365), anchor - days(1))
        yield {
            "provider_id": p.pk,
            "kind": Licence.Kind.LIABILITY_INSURANCE,
            "number": f"PZAA{issued.year}15{rng.randrange(10**10):010d}",
            "issuer": rng.choice(INSURERS),
            "issued_on": issued,
            "expires_on": issued + days(364),
            "premium_yuan": money(max(p.fields["beds"], 10) * rng.randint(60, 120)),
        }


def credit_and_hold_rows(
    rng: random.Random, planned: list[PlannedProvider], first_month: datetime.date, last_day: datetime.date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    credit, holds = [], []
    for p in planned:
        if p.status not in {S.CERTIFIED, S.SUSPENDED} or not p.residential:
            continue
        if rng.random() < BLACKLIST_SHARE:
            start = random_date(rng, first_month, last_day)
            credit.append(
                {
                    "provider_id": p.pk,
                    "kind": CreditRecord.Kind.BLACKLIST,
                    "start_on": start,
                    "end_on": start + days(3 * 365),
                    "source": "自治区民政厅",
                    "description": "以虚报入住人数方式骗取运营补贴，列入严重失信主体名单。",
                }
            )
        if rng.random() < HOLD_SHARE:
            holds.append(
                {
                    "provider_id": p.pk,
                    "reason": "检查发现重大火灾隐患，整改完成前暂停拨付补贴。",
                    "source": f"scale-data:{p.pk}",
                    "started_at": noon(random_date(rng, first_month, last_day)),
                    "ended_at": None,
                }
            )
    return credit, holds


# ----------------------------------------------------------------------- people


class IdNumbers:
    """Distinct valid ID numbers: the n-th number has its own (birth date, sequence) pair."""

    def __init__(self, first_birth: datetime.date, years: int, start: int) -> None:
        self.first_birth = first_birth
        self.span = years * 365
        self.next = start

    def make(self, area_code: str) -> str:
        n = self.next
        self.next += 1
        birth = self.first_birth + days(n % self.span)
        return make_id_number(area_code, birth, (n // self.span) % 1000)


def allocate(rng: random.Random, total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (the remainder drawn at random)."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    counts = [total * w // whole for w in weights]
    for index in rng.choices(range(len(weights)), weights=weights, k=total - sum(counts)):
        counts[index] += 1
    return counts


@dataclass
class PeopleContext:
    rng: random.Random
    first_month: datetime.date
    last_day: datetime.date
    area_codes: list[str]
    made: Counter[str] = field(default_factory=Counter)
    per_home: Counter[int] = field(default_factory=Counter)  # residents written per provider


def plan_stay(ctx: PeopleContext, p: PlannedProvider) -> tuple[datetime.date, datetime.date | None]:
    """Admission and discharge: some long stays from before the window, the others inside it."""
    rng = ctx.rng
    start = max(p.opened_on, p.fields.get("filed_on") or p.opened_on)
    if rng.random() < LONG_STAY_SHARE and start < ctx.first_month:
        admitted = random_date(rng, max(start, ctx.first_month - days(5 * 365)), ctx.first_month - days(1))
    else:
        admitted = random_date(rng, max(start, ctx.first_month), p.ends_on)
    discharged = None
    if p.ends_on < ctx.last_day or rng.random() < DISCHARGED_SHARE:
        discharged = min(admitted + days(rng.randint(10, 600)), p.ends_on)
        if discharged > ctx.last_day:
            discharged = None
    return admitted, discharged


def phone_columns(phone: str) -> dict[str, str]:
    """A phone number as the model stores it: its token and keyed hash, or empty."""
    return {"phone": encrypt_text(phone), "phone_hash": phone_hash(phone)} if phone else {"phone": "", "phone_hash": ""}


def resident_row(
    ctx: PeopleContext, p: PlannedProvider, number: str, stay: tuple[datetime.date, datetime.date | None]
) -> dict[str, Any]:
    rng = ctx.rng
    beds = max(p.fields["beds"], 1)
    bed = rng.randrange(beds)
    weights = CARE_LEVEL_WEIGHTS.get(p.kind, [40, 30, 20, 10])
    return {
        "provider_id": p.pk,
        "name": person_name(rng, male=int(number[16]) % 2 == 1, elderly=True),
        "id_number": encrypt_text(number),
        "id_number_hash": id_number_hash(number),
        **phone_columns(mobile(rng) if rng.random() < 0.35 else ""),
        "bed_number": f"{bed // 20 + 1}{(bed % 20) // 2 + 1:02d}-{bed % 2 + 1}",
        "admitted_on": stay[0],
        "discharged_on": stay[1],
        "care_level": rng.choices(["self_care", "partly_disabled", "disabled", "cognitively_impaired"], weights)[0],
        "categories": resident_categories(rng, p.kind, int(number[6:10])),
    }


def resident_rows(
    ctx: PeopleContext, homes: list[PlannedProvider], total: int, numbers: IdNumbers
) -> Iterator[dict[str, Any]]:
    """``total`` residents over the residential providers, in proportion to their beds.

    A few people are registered at two providers with overlapping stays (the grant run
    flags them and counts them for neither).
    """
    rng = ctx.rng
    duplicates = int(total * DUPLICATE_SHARE) if len(homes) > 1 else 0
    counts = allocate(rng, total - duplicates, [p.fields["beds"] for p in homes])
    remembered: list[tuple[str, PlannedProvider]] = []
    keep_every = max(1, (total - duplicates) // max(duplicates, 1))
    for p, count in zip(homes, counts, strict=True):
        local = p.county.code
        for _ in range(count):
            area = local if rng.random() < 0.8 else rng.choice(ctx.area_codes)
            number = numbers.make(area)
            if len(remembered) < duplicates and rng.randrange(keep_every) == 0:
                remembered.append((number, p))
            ctx.per_home[p.pk or 0] += 1
            yield resident_row(ctx, p, number, plan_stay(ctx, p))
    open_homes = [p for p in homes if p.ends_on >= ctx.last_day]
    for number, first_home in remembered:
        other = rng.choice(open_homes or homes)
        if other is first_home:
            continue
        admitted = random_date(rng, ctx.first_month, ctx.last_day)
        ctx.made["residents registered at two providers"] += 1
        ctx.per_home[other.pk or 0] += 1
        yield resident_row(ctx, other, number, (admitted, None))


def caregiver_rows(
    ctx: PeopleContext, planned: list[PlannedProvider], numbers: IdNumbers, taken: set[str]
) -> Iterator[dict[str, Any]]:
    """Caregivers of every operating provider; ID numbers are unique region-wide (``taken``
    holds the keyed hashes already in the database)."""
    rng = ctx.rng
    for p in planned:
        if p.status == S.DRAFT:
            continue
        if p.kind in ProviderKind.childcare():
            count = max(2, p.fields["childcare_places"] // 7)
        elif p.kind in RESIDENTIAL_KINDS:
            count = max(2, ctx.per_home[p.pk or 0] // RESIDENTS_PER_CAREGIVER)
        else:
            count = 2
        for _ in range(count):
            while True:
                number = numbers.make(p.county.code if rng.random() < 0.7 else rng.choice(ctx.area_codes))
                digest = id_number_hash(number)
                if digest not in taken:
                    taken.add(digest)
                    break
            employed_from = random_date(rng, p.opened_on, p.ends_on)
            nursing_since = employed_from - days(rng.randint(0, 3000))
            level = rng.choices(CertificateLevel.values, weights=[20, 45, 25, 10])[0]
            issued = min(nursing_since + days(rng.randint(90, 1500)), ctx.last_day) if level != "none" else None
            employed_to = p.ends_on if p.ends_on < ctx.last_day else None
            ctx.made["caregivers"] += 1
            yield {
                "provider_id": p.pk,
                "name": person_name(rng, male=rng.random() < 0.15, elderly=False),
                "id_number": encrypt_text(number),
                "id_number_hash": digest,
                **phone_columns(mobile(rng)),
                "certificate_level": level,
                "certificate_number": f"YL15{issued.year}{rng.randrange(10**7):07d}" if issued else "",
                "certificate_issued_on": issued,
                "nursing_since": nursing_since,
                "employed_from": employed_from,
                "employed_to": employed_to,
            }


# ----------------------------------------------------------------------- staff


def ensure_system_user() -> User:
    """The non-login actor recorded on the generated lifecycle transitions."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, first_name="规模测试数据", is_staff=False, is_active=True)
        user.set_unusable_password()
        user.save()
    return user


def staff_username(role: str, code: str) -> str:
    short = {
        roles.DISTRICT_CLERK: "clerk",
        roles.CITY_REVIEWER: "reviewer",
        roles.INSPECTOR: "inspector",
    }[role]
    return f"{STAFF_PREFIX}{short}_{code}"


def ensure_staff(counties: list[Division], leagues: list[Division], region: Division) -> int:
    """A clerk and an inspector per county, a reviewer and an inspector per league/city and
    a reviewer for the region (passwords unusable: benchmarks log them in directly)."""
    wanted = [(roles.DISTRICT_CLERK, d) for d in counties] + [(roles.INSPECTOR, d) for d in counties]
    wanted += [(roles.CITY_REVIEWER, d) for d in leagues] + [(roles.INSPECTOR, d) for d in leagues]
    wanted += [(roles.CITY_REVIEWER, region)]
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
    # Not for secrets (S311); seeded by the count too, so a second run with --force adds new rows.
    rng = random.Random(f"{seed}:{Provider.objects.count()}")  # noqa: S311
    say = progress or (lambda _message: None)

    counties = county_divisions()
    names = dict(Division.objects.filter(level__lte=Division.Level.LEAGUE_CITY).values_list("code", "name"))
    area_codes = [d.code for d in counties]
    for code in area_codes:  # every area code is one stdnum knows (validate_id_number)
        validate_id_number(make_id_number(code, datetime.date(1950, 1, 1), 1), today=anchor)

    with transaction.atomic():
        actor = ensure_system_user()
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
        analyze([Provider, ProviderStatusChange, FeeItem, Licence, CreditRecord, ProviderHold, Resident, Caregiver])
    summary.seconds = time.perf_counter() - started
    return summary
