"""Demo activity for Baotou's inspections: the fourth quarter of 2025 planned, a published
double-random draw, inspections recorded with findings (one major hazard still open,
others rectified and verified). Deterministic; does nothing when already there."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import Group
from django.db import transaction

from inspections import reference_data
from inspections.models import Draw, Finding, Inspection, InspectionTask, Regime
from inspections.planning import plan_inspections
from inspections.random_draw import draw_freeze
from inspections.records import FindingInput, finding_report_rectification, finding_verify, record_inspection
from registry.models import Division, ProviderStatus, User
from registry.staff import roles

QUARTER_END = datetime.date(2025, 12, 31)
RANDOM_VALUE = "2025150-03-11-19-24-28-31+07"  # a published lottery draw (fictitious)


def _staff(username: str) -> User:
    return User.objects.get(username=username)


@transaction.atomic
def seed(today: datetime.date | None = None) -> dict[str, int]:
    reference_data.load()  # idempotent: the demo needs the regimes
    if Inspection.objects.exists():
        return {"inspections": 0}
    rng = random.Random(20251231)
    plan_inspections(on=QUARTER_END)
    clerk, reviewer = _staff("clerk_baotou"), _staff("reviewer_baotou")
    inspectors = list(Group.objects.get(name=roles.INSPECTOR).user_set.order_by("username"))
    draw = Draw.objects.create(
        name="2025年第四季度养老机构双随机抽查",
        jurisdiction=Division.objects.get(code="150200"),
        regime=Regime.objects.get(code="BT-DISTRICT-SAFETY"),
        sample_count=4,
        team_size=1,
        random_value=RANDOM_VALUE,
        created_by=clerk,
        provider_kinds=["elderly_institution", "medical_elderly"],
    )
    draw.inspector_pool.set(inspectors)
    draw = draw_freeze(draw=draw, user=clerk)
    tasks = list(
        InspectionTask.objects.filter(
            regime__code="BT-DISTRICT-SAFETY", period_end=QUARTER_END, provider__status=ProviderStatus.CERTIFIED
        )
        .select_related("provider", "regime")
        .order_by("provider__uscc")
    )
    recorded = 0
    for index, task in enumerate(tasks[:16]):
        results = {item["code"]: "pass" for item in task.regime.checklist}
        findings = []
        if index % 4 == 1:
            results["fire-exits"] = "fail"
            findings.append(FindingInput("fire", Finding.Severity.GENERAL, "二层安全出口堆放杂物，已当场责令清理"))
        if index == 6:
            results["fire-sprinklers"] = "fail"
            findings.append(FindingInput("fire", Finding.Severity.MAJOR, "厨房燃气报警装置失效，存在重大火灾隐患"))
        inspector = next(
            (u for u in inspectors if u.jurisdiction and task.provider.division.path.startswith(u.jurisdiction.path)),
            None,
        )
        record_inspection(
            provider=task.provider,
            regime=task.regime,
            task=task,
            inspected_on=datetime.date(2025, 11, 3) + datetime.timedelta(days=rng.randint(0, 40)),
            recorded_by=inspector or clerk,
            inspectors=[inspector] if inspector else [],
            checklist_results=results,
            findings=findings,
            summary="消防、食品、药品、建筑和服务安全逐项检查。",
        )
        recorded += 1
    for finding in Finding.objects.filter(severity=Finding.Severity.GENERAL).order_by("pk")[:2]:
        finding_report_rectification(
            finding=finding, report="杂物已清理，通道畅通，附现场照片。", rectified_on=datetime.date(2025, 12, 20)
        )
        verifier = next(iter(finding.inspection.inspectors.all()), None) or reviewer
        if verifier.has_perm("inspections.verify_finding"):
            finding_verify(finding=finding, inspector=verifier, on=datetime.date(2025, 12, 28))
    return {"inspections": recorded, "draws": 1}
