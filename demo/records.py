"""What the demo attaches to a planned provider: licences (fire, food business, liability
insurance, medical filing), fees, annual reports and credit records, each dated inside the
provider's life."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings

from registry.models import CreditRecord, LegalForm, Licence, ProviderKind, ProviderStatus

from .baotou import CREDIT_RECORDS, OVERDUE_REPORTS, District
from .kinds import CANTEEN_KINDS, FEE_CARE_MODES, FEE_RANGES, group_of
from .people import INSURERS, add_years, days, money, random_date
from .providers import ProviderPlan

K = ProviderKind
S = ProviderStatus


# How long the demo's licences run: a food business licence five years, a liability policy
# one (the plan writes them so, and ``upkeep`` renews them so).
TERM_YEARS: dict[str, int] = {Licence.Kind.FOOD_BUSINESS: 5, Licence.Kind.LIABILITY_INSURANCE: 1}


def is_fire_exempt(fields: dict[str, Any]) -> bool:
    """Mirror of the 000:439-447 exemption (see ``fire_safety``) for the planned values."""
    old = fields["built_on"] < datetime.date(1998, 9, 1) and fields["last_altered_on"] is None
    return old or fields["floor_area_m2"] <= 300 or fields["investment_yuan"] <= 300_000


def plan_fire_licence(rng: random.Random, plan: ProviderPlan, district: District) -> list[dict[str, Any]]:
    fields = plan.fields
    if is_fire_exempt(fields) or (plan.listing.status == S.DRAFT and rng.random() < 0.5):
        return []
    works = fields["last_altered_on"] or fields["built_on"]
    if works >= plan.opened_on - days(180):  # accepted or filed after the works, before or soon after opening
        issued = min(works + days(rng.randint(20, 120)), plan.last_day)
    else:
        issued = plan.opened_on - days(rng.randint(5, 60))
    acceptance = fields["floor_area_m2"] > 1000
    # Housing and construction took fire acceptance/filing over from the fire service in mid-2019.
    if issued >= datetime.date(2019, 6, 28):
        issuer, prefix = f"包头市{district.name}住房和城乡建设局", f"包{district.short}住建消"
    else:
        issuer, prefix = f"包头市公安消防支队{district.short}大队", f"包{district.short}公消"
    code = "验" if acceptance else "备"
    return [
        {
            "kind": Licence.Kind.FIRE_ACCEPTANCE if acceptance else Licence.Kind.FIRE_FILING,
            "number": f"{prefix}{code}字〔{issued.year}〕第{rng.randint(1, 480):04d}号",
            "issuer": issuer,
            "issued_on": issued,
        }
    ]


def plan_food_licences(rng: random.Random, plan: ProviderPlan, district: District) -> list[dict[str, Any]]:
    """Five-year food business licences, renewed while the provider keeps operating."""
    if plan.listing.kind not in CANTEEN_KINDS:
        return []
    licences = []
    issued = plan.opened_on - days(rng.randint(5, 40))
    while True:
        expires = add_years(issued, TERM_YEARS[Licence.Kind.FOOD_BUSINESS]) - days(1)
        licences.append(
            {
                "kind": Licence.Kind.FOOD_BUSINESS,
                "number": f"JY3{district.code}{rng.randrange(10**6):06d}{rng.randrange(10)}",
                "issuer": f"包头市{district.name}市场监督管理局",
                "issued_on": issued,
                "expires_on": expires,
            }
        )
        if expires >= plan.ends_on:
            return licences
        issued = expires - days(rng.randint(5, 30))


def plan_insurance(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    """The last one-year liability policy; a few lapsed before the anchor date."""
    if plan.listing.status == S.DRAFT:
        return []
    if plan.ends_on < plan.last_day:
        issued = plan.ends_on - days(rng.randint(30, 330))
    elif rng.random() < 0.1:
        issued = random_date(rng, plan.moved(datetime.date(2024, 3, 1)), plan.moved(datetime.date(2024, 10, 31)))
    else:
        issued = random_date(rng, plan.moved(datetime.date(2025, 1, 15)), plan.moved(datetime.date(2025, 12, 20)))
    fields = plan.fields
    if fields["beds"] >= 30:
        premium = fields["beds"] * rng.randint(60, 120)
    elif fields["childcare_places"]:
        premium = max(fields["childcare_places"] * rng.randint(40, 80), 600)
    else:
        premium = rng.randrange(800, 3001, 100)
    return [
        {
            "kind": Licence.Kind.LIABILITY_INSURANCE,
            "number": f"PZAA{issued.year}1502{rng.randrange(10**9):09d}",
            "issuer": rng.choice(INSURERS),
            "issued_on": issued,
            "expires_on": add_years(issued, TERM_YEARS[Licence.Kind.LIABILITY_INSURANCE]) - days(1),
            "premium_yuan": money(premium),
        }
    ]


def plan_medical_filing(rng: random.Random, plan: ProviderPlan, district: District) -> list[dict[str, Any]]:
    if not plan.fields["has_medical_unit"]:
        return []
    issued = min(plan.opened_on + days(rng.randint(30, 400)), plan.ends_on)
    return [
        {
            "kind": Licence.Kind.MEDICAL_FILING,
            "number": f"{district.code}YLBA{issued.year}{rng.randint(1, 300):03d}",
            "issuer": f"包头市{district.name}卫生健康委员会",
            "issued_on": issued,
        }
    ]


def plan_fees(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    start = max(plan.opened_on, min(plan.moved(datetime.date(2024, 1, 1)), plan.ends_on - days(400)))
    effective_from = random_date(rng, start, min(start + days(365), plan.ends_on))
    effective_to = plan.ends_on if plan.ends_on < plan.last_day else None
    fees = []
    for kind, name, unit, lo, hi in FEE_RANGES[group_of(plan.listing.kind)]:
        step = 1 if hi < 100 else 10
        amount = rng.randrange(lo, hi + 1, step)
        if plan.listing.kind == K.TOWNSHIP_HOME:
            amount = round(amount * 0.7)
        fees.append(
            {
                "kind": kind,
                "care_mode": FEE_CARE_MODES.get(name, ""),
                "name": name,
                "amount": money(amount),
                "unit": unit,
                "effective_from": effective_from,
                "effective_to": effective_to,
            }
        )
    return fees


def last_report_due(day: datetime.date) -> int:
    """The latest year whose annual report was due before ``day`` (by 31 March of the next
    year, settings.ANNUAL_REPORT_DUE, 000:533-540)."""
    month, due_day = settings.ANNUAL_REPORT_DUE
    return day.year - 1 if day > datetime.date(day.year, month, due_day) else day.year - 2


def annual_report(rng: random.Random, plan_fields: dict[str, Any], year: int) -> dict[str, Any]:
    """One year's report, submitted in the first quarter of the next year (on time)."""
    scale = max(plan_fields["beds"], plan_fields["childcare_places"], 10)
    income = scale * rng.uniform(12_000, 30_000)
    submitted = random_date(rng, datetime.date(year + 1, 1, 15), datetime.date(year + 1, 3, 31))
    published = submitted + days(rng.randint(10, 40)) if rng.random() < 0.8 else None
    # The balance sheet and the public money of the year follow from the income (no further
    # draw: the rest of the demo stays as it was).
    return {
        "year": year,
        "submitted_on": submitted,
        "published_on": published,
        "total_income": money(round(income, -2)),
        "total_expenditure": money(round(income * rng.uniform(0.85, 1.08), -2)),
        "total_assets": money(round(income * 2.3, -2)),
        "subsidies_received": money(round(income * 0.12, -2)),
        "subsidies_used": money(round(income * 0.11, -2)),
    }


def plan_annual_reports(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    """Reports of non-profits since 2022, for the years they were filed and open, up to the
    last one due; the providers in ``OVERDUE_REPORTS`` have not sent their last one."""
    if plan.fields["legal_form"] != LegalForm.NON_PROFIT or not plan.steps:
        return []
    last = last_report_due(plan.anchor)
    if plan.listing.name in OVERDUE_REPORTS:
        last -= 1
    reports = []
    for year in range(max(2022, plan.steps[0].effective_on.year), last + 1):
        if datetime.date(year, 12, 31) > plan.ends_on:
            break
        report = annual_report(rng, plan.fields, year)
        if report["submitted_on"] >= plan.anchor:
            break
        reports.append(report)
    return reports


def plan_credit_records(rng: random.Random, plan: ProviderPlan) -> list[dict[str, Any]]:
    record = CREDIT_RECORDS.get(plan.listing.name)
    if record is None or not plan.steps:
        return []
    kind, source, description = record
    if kind == CreditRecord.Kind.COMMENDATION:
        earliest = max(plan.steps[-1].effective_on, plan.moved(datetime.date(2024, 12, 1)))
        start = random_date(rng, earliest, plan.last_day)
        end = None
    else:
        start = plan.steps[-1].effective_on
        end = add_years(start, 3) if kind == CreditRecord.Kind.BLACKLIST else None
    return [{"kind": kind, "start_on": start, "end_on": end, "source": source, "description": description}]
