"""The providers of the scale data and their rows: lifecycle histories (from the
lifecycle's transition table), fees, liability policies, blacklistings and payment holds."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from registry.bulk import copy_rows
from registry.models import (
    DEFAULT_GRADE_STANDARD,
    CreditRecord,
    Division,
    FilingAuthority,
    Licence,
    OperationMode,
    PremisesBasis,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    User,
)
from safeguards.identifiers import make_uscc

from .histories import status_history
from .kinds import DEFAULT_REGISTRANT, FEE_RANGES, REGISTRANTS, RESIDENTIAL_KINDS, group_of, plan_capacity
from .people import INSURERS, days, money, person_name, random_date, words

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
# Days between one transition and the next (the lifecycle table says which follow which).
GAP_DAYS: dict[str, tuple[int, int]] = {
    Action.CERTIFY: (20, 150),
    Action.SUSPEND: (60, 600),
    Action.REINSTATE: (30, 150),
    Action.CLOSE: (90, 700),
    Action.REVOKE: (30, 200),
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
BLACKLIST_SHARE = 0.003
HOLD_SHARE = 0.005

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


def weighted(rng: random.Random, weights: dict[str, int], count: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=count)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


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
    reinstated = status == S.CERTIFIED and rng.random() < REINSTATED_SHARE
    history = status_history(status, reinstated=reinstated)
    if not history:
        return []
    if rng.random() < FILED_BEFORE_WINDOW_SHARE:
        first = random_date(rng, first_month - days(8 * 365), first_month - days(1))
    else:
        first = random_date(rng, first_month, last_day - days(30))
    dates = [first]
    for step in history[1:]:
        lo, hi = GAP_DAYS[step.action]
        dates.append(dates[-1] + days(rng.randint(lo, hi)))
    if status in {S.SUSPENDED, S.CLOSED, S.REVOKED} and dates[-1] < first_month:
        # Closings and suspensions fall inside the window, where the runs can see them.
        shift = (random_date(rng, first_month, last_day) - dates[-1]).days
        dates = [d + days(shift) for d in dates]
    overflow = (dates[-1] - last_day).days
    if overflow > 0:
        dates = [d - days(overflow) for d in dates]
    return [(s.action, s.from_status, s.to_status, day) for s, day in zip(history, dates, strict=True)]


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


def grade_rows(planned: list[PlannedProvider]) -> Iterator[dict[str, Any]]:
    """The grade of each graded provider as a record, from its certification (no random
    draw: the rest of the data stays as it was); the grade in force decides its rate."""
    for p in planned:
        grade = p.fields.get("grade") or 0
        certified = next((day for action, _from, _to, day in p.steps if action == "certify"), None)
        if not grade or certified is None:
            continue
        yield {
            "provider_id": p.pk,
            "grade": grade,
            "standard": DEFAULT_GRADE_STANDARD,
            "assessor": "盟市民政局",
            "assessed_on": certified,
            "valid_from": certified,
            "valid_until": None,
            "notes": "",
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
