"""The plan of one demo provider: its status history and its own columns (registration,
filing, capacity, premises, investment, grade, bank account, description)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from registry.models import (
    FilingAuthority,
    PremisesBasis,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    StatusReason,
)
from safeguards.identifiers import make_uscc

from .baotou import DISTRICTS, MONGOLIAN_NAMES, REINSTATED, District, Listing, landline, moved
from .histories import status_history
from .kinds import (
    DEFAULT_REGISTRANT,
    FACILITIES,
    REGISTRANTS,
    RESIDENTIAL_KINDS,
    SERVICES,
    group_of,
    plan_capacity,
)
from .people import BANKS, add_years, days, money, person_name, random_date, text_from

K = ProviderKind
S = ProviderStatus
Action = ProviderStatusChange.Action


@dataclass
class Step:
    action: str
    effective_on: datetime.date
    reason: str
    reason_category: str = ""  # what the public page says of a removal (REASON_CATEGORIES)


@dataclass
class ProviderPlan:
    """Everything about one demo provider, as plain values, ready to be written."""

    listing: Listing
    fields: dict[str, Any]
    steps: list[Step]
    opened_on: datetime.date
    ends_on: datetime.date  # closing/revocation date, or ``last_day`` while operating
    anchor: datetime.date  # the day the demo runs: nothing planned is on or after it
    licences: list[dict[str, Any]] = field(default_factory=list)
    fee_items: list[dict[str, Any]] = field(default_factory=list)
    annual_reports: list[dict[str, Any]] = field(default_factory=list)
    credit_records: list[dict[str, Any]] = field(default_factory=list)
    grades: list[dict[str, Any]] = field(default_factory=list)
    residents: list[dict[str, Any]] = field(default_factory=list)
    caregivers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uscc(self) -> str:
        return str(self.fields["uscc"])

    @property
    def last_day(self) -> datetime.date:
        """The last day of the demo's history (the day before it runs)."""
        return self.anchor - days(1)

    def moved(self, day: datetime.date) -> datetime.date:
        """A date of the plan's calendar, for the day this demo runs (``baotou.moved``)."""
        return moved(day, self.anchor)


# ------------------------------------------------------------------ lifecycle plan
# Days between one transition and the next (the lifecycle table says which follow which).
GAP_DAYS: dict[str, tuple[int, int]] = {
    Action.CERTIFY: (20, 150),
    Action.SUSPEND: (180, 900),
    Action.REINSTATE: (40, 150),
    Action.CLOSE: (90, 700),
    Action.REVOKE: (30, 200),
}
REASONS: dict[str, dict[str, tuple[str, ...]]] = {
    "elderly": {
        Action.FILE: ("提交养老机构备案材料，经审查材料齐全，予以备案。", "按《养老机构管理办法》办理备案。"),
        Action.CERTIFY: ("经现场核查，符合养老机构服务质量基本规范，予以认证。", "服务质量评估合格，予以认证。"),
        Action.SUSPEND: (
            "消防安全检查发现重大隐患，责令暂停收住老人并限期整改。",
            "责任保险过期未续保，限期整改。",
            "未按规定公示收费标准，暂停整改。",
        ),
        Action.REINSTATE: ("整改完成，经复查合格，恢复运营。",),
        Action.CLOSE: ("举办者申请停止运营，在院老人已妥善安置。", "场地调整，停止运营，服务对象已转介。"),
        Action.REVOKE: ("整改期满仍存在重大安全隐患，撤销备案。", "骗取养老服务补贴，撤销备案。"),
    },
    "childcare": {
        Action.FILE: ("提交托育机构备案材料，经审查材料齐全，予以备案。",),
        Action.CERTIFY: ("经卫生健康部门现场核查，符合托育机构设置标准，予以认证。",),
        Action.SUSPEND: ("卫生保健检查不合格，暂停收托并限期整改。",),
        Action.REINSTATE: ("整改完成，经复查合格，恢复收托。",),
        Action.CLOSE: ("生源不足，举办者申请停止运营，在托婴幼儿已妥善转托。",),
        Action.REVOKE: ("超范围收托且整改不到位，撤销备案。",),
    },
}


# The public reason category of each removal reason above (issue 19: status pages).
REASON_CATEGORIES: dict[str, str] = {
    "消防安全检查发现重大隐患，责令暂停收住老人并限期整改。": StatusReason.SAFETY,
    "责任保险过期未续保，限期整改。": StatusReason.VIOLATION,
    "未按规定公示收费标准，暂停整改。": StatusReason.VIOLATION,
    "举办者申请停止运营，在院老人已妥善安置。": StatusReason.PROVIDER_REQUEST,
    "场地调整，停止运营，服务对象已转介。": StatusReason.MERGER,
    "整改期满仍存在重大安全隐患，撤销备案。": StatusReason.RECTIFICATION,
    "骗取养老服务补贴，撤销备案。": StatusReason.SUBSIDY_FRAUD,
    "卫生保健检查不合格，暂停收托并限期整改。": StatusReason.SAFETY,
    "生源不足，举办者申请停止运营，在托婴幼儿已妥善转托。": StatusReason.PROVIDER_REQUEST,
    "超范围收托且整改不到位，撤销备案。": StatusReason.VIOLATION,
}


def plan_steps(rng: random.Random, listing: Listing, anchor: datetime.date) -> list[Step]:
    """The lifecycle transitions that take a new provider to the listing's status, the
    last one before ``anchor``."""
    history = status_history(listing.status, reinstated=listing.name in REINSTATED)
    if not history:
        return []
    if listing.status == S.FILED:
        first = random_date(rng, moved(datetime.date(2022, 3, 1), anchor), moved(datetime.date(2025, 10, 31), anchor))
    else:
        first = random_date(rng, moved(datetime.date(2019, 7, 1), anchor), moved(datetime.date(2024, 9, 30), anchor))
    dates = [first]
    for step in history[1:]:
        lo, hi = GAP_DAYS[step.action]
        dates.append(dates[-1] + days(rng.randint(lo, hi)))
    overflow = (dates[-1] - (anchor - days(1))).days
    if overflow > 0:
        dates = [d - days(overflow) for d in dates]
    reasons = REASONS["childcare" if listing.kind in ProviderKind.childcare() else "elderly"]
    chosen = [(s.action, d, rng.choice(reasons[s.action])) for s, d in zip(history, dates, strict=True)]
    return [Step(action, day, reason, REASON_CATEGORIES.get(reason, "")) for action, day, reason in chosen]


# -------------------------------------------------------------- provider fields


OLD_BUILDING_SHARE: dict[str, float] = {K.TOWNSHIP_HOME: 0.8, K.DAY_CARE_CENTRE: 0.3, K.ELDERLY_INSTITUTION: 0.1}


def plan_premises(
    rng: random.Random, kind: str, opened_on: datetime.date, ends_on: datetime.date, last_day: datetime.date
) -> dict[str, Any]:
    """Premises basis, build and alteration dates, lease end.

    Some township homes and day-care centres sit in buildings from before 1998 (the fire
    exemption's cut-off); half of those old buildings were never altered.
    """
    old = rng.random() < OLD_BUILDING_SHARE.get(kind, 0)
    if kind == K.HOME_CHILDCARE:
        basis = ""
    elif kind in {K.TOWNSHIP_HOME, K.HAPPINESS_HOME}:
        basis = rng.choice([PremisesBasis.NEW_BUILD, PremisesBasis.EXPANSION])
    else:
        basis = rng.choices(
            [PremisesBasis.NEW_BUILD, PremisesBasis.BOUGHT_RENOVATED, PremisesBasis.LEASED, PremisesBasis.EXPANSION],
            weights=[35, 20, 35, 10],
        )[0]
    latest_build = opened_on - days(30)
    if old:
        built = random_date(rng, datetime.date(1982, 1, 1), min(datetime.date(1997, 12, 31), latest_build))
    elif basis == PremisesBasis.NEW_BUILD:
        built = opened_on - days(rng.randint(90, 500))
    else:
        built = random_date(rng, datetime.date(1999, 1, 1), latest_build)
    built = min(built, latest_build)
    altered = None
    if basis in {PremisesBasis.EXPANSION, PremisesBasis.BOUGHT_RENOVATED} or (
        basis == PremisesBasis.LEASED and rng.random() < 0.5
    ):
        altered = max(built + days(365), opened_on - days(rng.randint(20, 300)))
        altered = min(altered, last_day)
    lease_end = None
    if basis == PremisesBasis.LEASED:
        lease_end = max(add_years(opened_on, rng.randint(5, 15)), ends_on + days(rng.randint(30, 900)))
    return {"premises_basis": basis, "built_on": built, "last_altered_on": altered, "lease_end": lease_end}


def plan_investment(rng: random.Random, kind: str, area: Decimal, basis: str) -> Decimal:
    if kind == K.SERVICE_STATION and area <= 300:
        return money(rng.randrange(80_000, 290_001, 1000))
    per_m2 = rng.uniform(1500, 4500) if basis in {PremisesBasis.NEW_BUILD, ""} else rng.uniform(800, 2200)
    return money(max(round(float(area) * per_m2, -3), 320_000))


def plan_grade(rng: random.Random, listing: Listing) -> int:
    if listing.status in {S.DRAFT, S.FILED}:
        return 0
    if listing.kind in RESIDENTIAL_KINDS:
        return rng.choices(range(6), weights=[25, 15, 25, 22, 9, 4])[0]
    if listing.kind == K.DAY_CARE_CENTRE:
        return rng.choices(range(4), weights=[40, 25, 25, 10])[0]
    return 0


def plan_bank(rng: random.Random, name: str, district: District) -> dict[str, str]:
    bank, prefix = rng.choice(BANKS)
    return {
        "bank_name": f"{bank}包头{district.short}支行",
        "bank_account_name": name,
        "bank_account_number": prefix + "".join(str(rng.randrange(10)) for _ in range(15)),
    }


def plan_description(rng: random.Random, kind: str, capacity: dict[str, Any]) -> dict[str, str]:
    group = group_of(kind)
    services = "、".join(text_from(rng, SERVICES[group], 3, 6))
    facilities = "；".join(text_from(rng, FACILITIES[group], 3, 5))
    if group == "childcare":
        intro = f"招收{rng.choice(['6个月', '1岁', '18个月'])}至3岁婴幼儿，设托位{capacity['childcare_places']}个。"
    elif capacity["beds"]:
        intro = f"设床位{capacity['beds']}张。"
    else:
        intro = "面向辖区居家老年人提供就近便利服务。"
    return {"services": f"{intro}提供{services}等服务。", "facilities": facilities + "。"}


def plan_registration(rng: random.Random, listing: Listing, serials: set[int]) -> dict[str, Any]:
    """USCC, registration and filing data, operation mode and legal form."""
    default_registrant, default_mode = DEFAULT_REGISTRANT[listing.kind]
    registrant = listing.registrant or default_registrant
    authority, legal_form = REGISTRANTS[registrant]
    while (serial := rng.randrange(10_000_000, 99_999_999)) in serials:
        pass
    serials.add(serial)
    uscc = make_uscc(authority=registrant[0], entity_type=registrant[1], area_code=listing.division, serial=serial)
    return {
        "uscc": uscc,
        "registration_number": uscc,
        "registration_authority": authority,
        "legal_form": legal_form,
        "operation_mode": listing.mode or default_mode,
    }


def plan_filing(listing: Listing, steps: list[Step], sequence: int) -> dict[str, str]:
    if not steps:
        return {"filing_authority": "", "filing_number": ""}
    childcare = listing.kind in ProviderKind.childcare()
    year = steps[0].effective_on.year
    return {
        "filing_authority": FilingAuthority.HEALTH_COMMISSION if childcare else FilingAuthority.CIVIL_AFFAIRS,
        "filing_number": f"{listing.division}-{'托育' if childcare else '养老'}备-{year}-{sequence:03d}",
    }


def plan_opening(rng: random.Random, listing: Listing, steps: list[Step], anchor: datetime.date) -> datetime.date:
    """The day the provider started operating: before filing, or in the past year for drafts."""
    if not steps:
        return random_date(rng, moved(datetime.date(2025, 2, 1), anchor), moved(datetime.date(2025, 11, 30), anchor))
    if listing.kind == K.TOWNSHIP_HOME:  # long-standing public homes, filed when filing began
        return random_date(rng, datetime.date(1996, 1, 1), datetime.date(2016, 12, 31))
    return steps[0].effective_on - days(rng.randint(15, 700))


def plan_provider_fields(
    rng: random.Random, listing: Listing, opened_on: datetime.date, ends_on: datetime.date, last_day: datetime.date
) -> dict[str, Any]:
    """The provider's own columns except registration and filing."""
    district = DISTRICTS[listing.division]
    capacity = plan_capacity(rng, listing.kind)
    premises = plan_premises(rng, listing.kind, opened_on, ends_on, last_day)
    investment = plan_investment(rng, listing.kind, capacity["floor_area_m2"], premises["premises_basis"])
    has_medical = listing.kind == K.MEDICAL_ELDERLY or (
        listing.kind in RESIDENTIAL_KINDS and capacity["beds"] >= 100 and rng.random() < 0.6
    )
    return {
        "name": listing.name,
        "name_mn": MONGOLIAN_NAMES.get(listing.name, ""),
        "kind": listing.kind,
        "address": f"包头市{district.name}{listing.locality}{rng.randint(1, 188)}号",
        "latitude": Decimal(f"{district.lat + rng.uniform(-0.02, 0.02):.6f}"),
        "longitude": Decimal(f"{district.lon + rng.uniform(-0.025, 0.025):.6f}"),
        "contact_person": person_name(rng, male=rng.random() < 0.4, elderly=False),
        "contact_phone": landline(rng, district),
        **plan_description(rng, listing.kind, capacity),
        **capacity,
        **premises,
        "investment_yuan": investment,
        "grade": plan_grade(rng, listing),
        "has_medical_unit": has_medical,
        **(plan_bank(rng, listing.name, district) if listing.status != S.DRAFT else {}),
    }
