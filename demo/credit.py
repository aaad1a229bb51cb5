"""The demo's grade histories and credit disclosure (issue 19).

Grades: every graded provider holds its grade as a record from a rating after it was
certified; about half of those certified three years or more before the demo's day were
rated lower once before (one or two stars less). Each provider draws from a generator of
its own (seeded by its USCC), so the demo's other data stay exactly as they were.

Credit disclosure (双公示, 000:589-593; 002:245-247): a few certified homes have a food
business licence published; one a fire-safety fine; one a penalty corrected after an
objection was upheld (the fine's amount); one a licence under objection. The blacklisted
home is in ``baotou.CREDIT_RECORDS``. They are written through the registry's services,
dated before the demo's day, once (a provider that has disclosures is left alone).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from registry.disclosure import disclosure_save, objection_decide, objection_record
from registry.models import DEFAULT_GRADE_STANDARD, CreditDisclosure, Provider, ProviderStatusChange, User

from .baotou import DISTRICTS, SEED
from .people import add_years, days, random_date
from .providers import ProviderPlan

Action = ProviderStatusChange.Action
# The region's own grading standard, before it adopted the national one (000:1046-1050; 003:344).
REGION_STANDARD = "内蒙古自治区养老机构等级评定标准（自治区民政厅、财政厅）"
NATIONAL_FROM = datetime.date(2020, 1, 1)  # ratings from then on use the national standard


def plan_grades(plan: ProviderPlan) -> list[dict[str, Any]]:
    """The grade records of a planned provider, oldest first; the last one is its grade now
    (``plan.fields["grade"]``), valid without end ."""
    grade = int(plan.fields["grade"])
    certified = next((step.effective_on for step in plan.steps if step.action == Action.CERTIFY), None)
    if not grade or certified is None:
        return []
    rng = random.Random(f"{SEED}:grades:{plan.uscc}")
    district = DISTRICTS[plan.listing.division]
    last_day = plan.last_day
    current_from = random_date(rng, certified + days(60), min(certified + days(900), last_day))
    current_from = min(max(current_from, certified), last_day)
    rows: list[dict[str, Any]] = []
    if grade > 1 and (last_day - certified).days >= 3 * 365 and rng.random() < 0.5:
        earlier_from = random_date(rng, certified + days(30), certified + days(200))
        current_from = max(current_from, add_years(earlier_from, 2), add_years(last_day, -3))
        current_from = min(current_from, last_day)
        rows.append(
            _grade_row(
                max(1, grade - rng.choice([1, 1, 2])),
                earlier_from,
                current_from - days(1),
                f"包头市{district.name}民政局",
                rng,
            )
        )
    rows.append(_grade_row(grade, current_from, None, "包头市民政局", rng))
    return rows


def _grade_row(
    grade: int, valid_from: datetime.date, valid_until: datetime.date | None, assessor: str, rng: random.Random
) -> dict[str, Any]:
    return {
        "grade": grade,
        "standard": DEFAULT_GRADE_STANDARD if valid_from >= NATIONAL_FROM else REGION_STANDARD,
        "assessor": assessor,
        "assessed_on": valid_from - days(rng.randint(10, 45)),
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


# --- credit disclosure ------------------------------------------------------------------------

FOOD_LAW = "《中华人民共和国食品安全法》第三十五条、《食品经营许可和备案管理办法》"
FIRE_LAW = "《中华人民共和国消防法》第十六条第一款第二项、第六十条第一款第一项"
LICENSED = ("东河区仁爱养老院", "昆都仑区阳光颐养院", "青山区颐和养老院")
FINED = "昆都仑区阳光颐养院"
CORRECTED = "九原区夕阳红养老中心"
UNDER_OBJECTION = "青山区颐和养老院"


def _food_licence(provider: Provider, anchor: datetime.date) -> CreditDisclosure:
    county = provider.division.name
    decided = add_years(anchor, -2) - days(17 * (provider.pk % 7 + 1))
    return CreditDisclosure(
        provider=provider,
        kind=CreditDisclosure.Kind.LICENCE,
        decision_number=f"JY3{provider.division.code}{provider.pk:06d}{decided.year % 10}",
        decided_on=decided,
        authority=f"包头市{county}市场监督管理局",
        content="准予食品经营许可：经营场所为本机构食堂（单位食堂），经营项目为热食类食品制售，有效期五年。",
        legal_basis=FOOD_LAW,
    )


def _fire_penalty(provider: Provider, anchor: datetime.date, fine: Decimal, number: str) -> CreditDisclosure:
    county = provider.division.name
    amount = f"{fine:,.0f}"
    return CreditDisclosure(
        provider=provider,
        kind=CreditDisclosure.Kind.PENALTY,
        decision_number=number,
        decided_on=anchor - days(210),
        authority=f"包头市{county}消防救援大队",
        content=(
            "经查，该机构二层东侧室内消火栓箱内水带缺失、应急照明灯具损坏，消防设施、器材未保持完好有效。"
            f"决定：责令改正，并处罚款人民币{amount}元。"
        ),
        legal_basis=FIRE_LAW,
        penalty_type=CreditDisclosure.PenaltyType.FINE,
        fine_yuan=fine,
    )


def write_credit_disclosure(anchor: datetime.date, actor: User) -> int:
    """Publish the demo's licences and penalties and their objections; returns how many
    entries were written (none when the demo already has them)."""
    names = {*LICENSED, FINED, CORRECTED}
    providers = {p.name: p for p in Provider.objects.filter(name__in=names).select_related("division")}
    if not providers or CreditDisclosure.objects.filter(provider__in=providers.values()).exists():
        return 0
    written = 0
    for name in LICENSED:
        if name in providers:
            disclosure_save(disclosure=_food_licence(providers[name], anchor), actor=actor)
            written += 1
    if FINED in providers:
        short = DISTRICTS[providers[FINED].division.code].short[0]
        number = f"包{short}消行罚决字〔{(anchor - days(210)).year}〕第0042号"
        disclosure_save(disclosure=_fire_penalty(providers[FINED], anchor, Decimal("5000"), number), actor=actor)
        written += 1
    if CORRECTED in providers:
        number = f"包九消行罚决字〔{(anchor - days(210)).year}〕第0017号"
        fine = disclosure_save(
            disclosure=_fire_penalty(providers[CORRECTED], anchor, Decimal("30000"), number), actor=actor
        )
        objection = objection_record(
            entry=fine,
            received_on=anchor - days(180),
            raised_by="机构负责人（书面申请）",
            grounds="公示的罚款金额与处罚决定书不一致：决定书载明罚款叁仟元。附处罚决定书复印件。",
            actor=actor,
        )
        objection_decide(
            objection=objection,
            upheld=True,
            decided_on=anchor - days(170),
            outcome_text="经核对处罚决定书原件，罚款金额为3,000元，原公示信息录入有误，予以更正。",
            corrected_content=fine.content.replace("30,000", "3,000"),
            corrected_fine_yuan=Decimal("3000"),
            actor=actor,
        )
        written += 1
    if UNDER_OBJECTION in providers:
        licence = CreditDisclosure.objects.get(provider=providers[UNDER_OBJECTION], kind=CreditDisclosure.Kind.LICENCE)
        objection_record(
            entry=licence,
            received_on=anchor - days(6),
            raised_by="机构办公室",
            grounds="许可有效期已延续，公示内容未更新，申请更正。",
            actor=actor,
        )
    return written
