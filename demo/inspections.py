"""Demo inspections for Baotou, relative to the day the demo is seeded (``seed(today)``).

What a user sees on ``today`` (docs/inspections.md, "The demo"):

* the current periods planned (``plan_inspections(on=today)``, as the daily task does);
* the previous four quarters' district safety inspections (BT-DISTRICT-SAFETY) planned and
  recorded, and every task of a period that ended before today recorded: most pass, about
  one in three has a general hazard, which the provider rectified and an inspector verified;
* in the current quarter, the inspections whose visit day has come are recorded; each
  task's visit day is fixed (a hash of the provider and the quarter), so a later run
  records the visits that have come since and nothing twice;
* in each county, one provider's internal inspection of last month is late (not recorded):
  the county clerk's inbox has its overdue reminder;
* in each county with a demo inspector (Kundulun, Qingshan), the latest rectification
  reported waits for the inspector's verification;
* exactly one major hazard open and past its deadline, found by an ad hoc inspection three
  weeks before today in a certified elderly institution with residents: it holds that
  provider's payments (``registry.holds``). It is kept while younger than
  ``HAZARD_KEPT_DAYS``; after that a run records it rectified and verified (which lifts the
  hold) and finds a new one elsewhere;
* the current quarter's published double-random draw, once per quarter.

Idempotent: a second run on the same day writes nothing. Nothing is dated after ``today``
(deadlines excepted: they are deadlines). Uses the services of ``inspections`` only.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from inspections import reference_data
from inspections.inspector_codes import draw_members
from inspections.models import Draw, Finding, Frequency, InspectionTask, InspectorLevel, Regime
from inspections.planning import _inspectors_by_path, plan_inspections, plan_regime
from inspections.random_draw import draw_freeze
from inspections.records import FindingInput, finding_report_rectification, finding_verify, record_inspection
from registry.holds import providers_on_hold
from registry.models import Division, Provider, ProviderKind, ProviderStatus, Resident, User
from registry.periods import add_months, period_bounds
from registry.staff import roles
from safeguards.audit import audit_record

BAOTOU = "150200"
DISTRICT_REGIME = "BT-DISTRICT-SAFETY"
AD_HOC_REGIME = "IM-AD-HOC"
LOOKBACK_QUARTERS = 4  # the demo's history of district safety inspections
FINDING_ONE_IN = 3  # about one inspection in three finds a general hazard
RECTIFY_DAYS = (5, 20)  # the provider reports the hazard fixed this many days after the visit
VERIFY_DAYS = (2, 10)  # and the inspector verifies it this many days after the report
# Qingshan, where inspector_qingshan works: the Kundulun homes already show the transfer,
# the overlap and the back-office walk-throughs, which a hold would muddle.
HAZARD_DISTRICT = "150204"
HAZARD_AGE_DAYS = 21  # the open major hazard was found three weeks before the first run
HAZARD_KEPT_DAYS = 60  # a later run keeps it while younger than this
HAZARD_SUMMARY = "群众举报后专项检查：厨房燃气设施。"
HAZARD_DESCRIPTION = "厨房燃气报警装置失效、燃气管道私自改装，存在重大火灾隐患，责令立即整改。"
GENERAL_DESCRIPTION = "二层安全出口堆放杂物，已当场责令清理。"
RECTIFICATION_REPORT = "杂物已清理，通道畅通，附现场照片。"
HAZARD_RECTIFICATION = "燃气报警装置已更换，管道由燃气公司重新敷设并验收，附验收单。"
SUMMARY = "消防、食品、药品、建筑和服务安全逐项检查。"
QUARTER_NAMES = "一二三四"


def _hash(*parts: object) -> int:
    """A number fixed by ``parts``: the same provider and period get the same day on every run."""
    return int(hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:12], 16)


def quarter_start(day: datetime.date) -> datetime.date:
    return period_bounds(day, Frequency.QUARTERLY)[0]


def previous_quarters(today: datetime.date, count: int = LOOKBACK_QUARTERS) -> list[datetime.date]:
    """The first days of the ``count`` quarters before today's, oldest first."""
    start = quarter_start(today)
    return [add_months(start, -3 * n) for n in range(count, 0, -1)]


def draw_name(day: datetime.date) -> str:
    """e.g. 2026年第四季度养老机构双随机抽查: one draw per quarter, named for it."""
    return f"{day.year}年第{QUARTER_NAMES[(day.month - 1) // 3]}季度养老机构双随机抽查"


def visit_day(task: InspectionTask) -> datetime.date | None:
    """The day the task's inspection takes place: fixed per provider and period, inside
    the period and not before the provider was filed (None: it was not filed by the end)."""
    filed_on = task.provider.filed_on
    first = max(task.period_start, filed_on) if filed_on else None
    if first is None or first > task.period_end:
        return None
    span = (task.period_end - first).days + 1
    return first + datetime.timedelta(days=_hash(task.provider.uscc, task.regime.code, task.period_start) % span)


class Staff:
    """The demo users who plan, inspect and verify."""

    def __init__(self) -> None:
        self.clerk = User.objects.get(username="clerk_baotou")
        group = Group.objects.get(name=roles.INSPECTOR)
        # The bureau's own inspectors record, verify and are drawn; a department's inspector
        # (the health commission's) works on the tasks planning and the lists give them.
        self.inspectors = list(
            group.user_set.filter(is_active=True, department="").select_related("jurisdiction").order_by("username")
        )
        clerks = User.objects.filter(groups__name=roles.DISTRICT_CLERK, is_active=True).select_related("jurisdiction")
        self.clerk_of = {u.jurisdiction.code: u for u in clerks.order_by("username") if u.jurisdiction}

    def inspector_for(self, provider: Provider) -> User | None:
        """The inspector whose county contains the provider, if the demo has one."""
        return next(
            (u for u in self.inspectors if u.jurisdiction and provider.division.path.startswith(u.jurisdiction.path)),
            None,
        )

    def verifier_for(self, provider: Provider) -> User:
        """The county's inspector, else one from another county (as a double-random team is)."""
        return self.inspector_for(provider) or self.inspectors[0]

    def recorder_for(self, task: InspectionTask, inspectors: list[User]) -> User:
        return inspectors[0] if inspectors else self.clerk_of.get(task.provider.division.code, self.clerk)


# ------------------------------------------------------------------------- planning


def plan_past_quarters(today: datetime.date) -> int:
    """The district safety tasks of the previous quarters (the demo's history), and last
    month's internal inspections. A provider filed after a quarter ended owed nothing then:
    its task of that quarter is cancelled."""
    regime = Regime.objects.select_related("jurisdiction").get(code=DISTRICT_REGIME)
    inspectors = _inspectors_by_path()
    created = sum(plan_regime(regime, start, inspectors) for start in previous_quarters(today))
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    for monthly in Regime.objects.filter(active=True, frequency=Frequency.MONTHLY).select_related("jurisdiction"):
        created += plan_regime(monthly, last_month, inspectors)
    never_owed = InspectionTask.objects.filter(
        regime=regime, status=InspectionTask.Status.OPEN, period_end__lt=quarter_start(today)
    ).filter(Q(provider__filed_on__isnull=True) | Q(provider__filed_on__gt=F("period_end")))
    ids = list(never_owed.values_list("pk", flat=True))
    if ids:
        InspectionTask.objects.filter(pk__in=ids).update(status=InspectionTask.Status.CANCELLED)
        audit_record("inspection.plan", actor_name="seed_demo", after={"cancelled_before_filing": len(ids)})
    return created


# ------------------------------------------------------------------------ recording


def general_hazard(task: InspectionTask) -> bool:
    """Whether this visit finds a general hazard (about one in ``FINDING_ONE_IN``)."""
    return _hash("finding", task.provider.uscc, task.period_start, task.regime.code) % FINDING_ONE_IN == 0


def _checklist(regime: Regime, failed: str | None) -> dict[str, str]:
    results = {item["code"]: "pass" for item in regime.checklist}
    if failed and failed in results:
        results[failed] = "fail"
    return results


def late_self_inspections(tasks: list[InspectionTask], today: datetime.date) -> set[int]:
    """In each county, one provider's internal inspection of the month that ended last is
    not recorded yet (late): its county clerk has an overdue reminder, whatever the day."""
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    late: dict[str, InspectionTask] = {}
    for task in tasks:
        if task.regime.inspector_level != InspectorLevel.PROVIDER or task.period_end != last_month_end:
            continue
        county = task.provider.division.code
        chosen = late.get(county)
        if chosen is None or _hash(task.provider.uscc, "late") < _hash(chosen.provider.uscc, "late"):
            late[county] = task
    return {task.pk for task in late.values()}


def record_visits(today: datetime.date, staff: Staff, draw: Draw | None) -> int:
    """Record every open task whose visit day has come (before today): the tasks of past
    periods all (but ``late_self_inspections``), the current quarter's the visits made so far."""
    tasks = list(
        InspectionTask.objects.filter(status=InspectionTask.Status.OPEN, period_start__lt=today)
        .select_related("provider__division", "regime")
        .prefetch_related("assignees")
        .order_by("period_start", "provider__uscc", "regime__code")
    )
    late = late_self_inspections(tasks, today)
    teams = {row["uscc"]: row["team"] for row in draw.results} if draw else {}
    members = draw_members([draw])[draw.pk] if draw else {}  # a team names its inspectors by code
    recorded = 0
    for task in tasks:
        day = visit_day(task)
        if day is None or day >= today or task.pk in late:
            continue
        in_draw = task.regime.code == DISTRICT_REGIME and task.provider.uscc in teams
        in_draw = in_draw and task.period_start <= today <= task.period_end
        if in_draw:  # the drawn team, from another county, inspects
            inspectors = [members[key] for key in teams[task.provider.uscc] if key in members]
        else:
            inspectors = sorted(task.assignees.all(), key=lambda u: u.username)
        findings = []
        failed = None
        if general_hazard(task):
            failed = "fire-exits" if any(i["code"] == "fire-exits" for i in task.regime.checklist) else None
            findings.append(FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, GENERAL_DESCRIPTION))
        record_inspection(
            provider=task.provider,
            regime=task.regime,
            task=task,
            draw=draw if in_draw else None,
            inspected_on=day,
            recorded_by=staff.recorder_for(task, inspectors),
            inspectors=inspectors,
            checklist_results=_checklist(task.regime, failed),
            findings=findings,
            summary=SUMMARY,
        )
        recorded += 1
    return recorded


def _rectified_on(finding: Finding) -> datetime.date:
    low, high = RECTIFY_DAYS
    return finding.inspection.inspected_on + datetime.timedelta(days=low + _hash("rectify", finding.pk) % (high - low))


def _verified_on(finding: Finding, rectified_on: datetime.date) -> datetime.date:
    low, high = VERIFY_DAYS
    return rectified_on + datetime.timedelta(days=low + _hash("verify", finding.pk) % (high - low))


def follow_up_general_findings(today: datetime.date, staff: Staff) -> Counter[str]:
    """Providers report general hazards fixed, inspectors verify them, each on its own
    day before today; in each county with a demo inspector the latest report waits for
    the inspector (their work on the demo's day)."""
    counts: Counter[str] = Counter()
    findings = list(
        Finding.objects.filter(severity=Finding.Severity.GENERAL)
        .exclude(status=Finding.Status.VERIFIED)
        .select_related("inspection__provider__division")
        .order_by("inspection__inspected_on", "pk")
    )
    for finding in findings:
        if finding.status == Finding.Status.OPEN and _rectified_on(finding) < today:
            finding_report_rectification(
                finding=finding, report=RECTIFICATION_REPORT, rectified_on=_rectified_on(finding), user=staff.clerk
            )
            finding.status, finding.rectified_on = Finding.Status.RECTIFIED, _rectified_on(finding)
            counts["findings rectified"] += 1
    waiting = _left_for_the_inspector(today, staff)
    for finding in findings:
        if finding.status != Finding.Status.RECTIFIED or finding.pk in waiting or finding.rectified_on is None:
            continue
        verified_on = _verified_on(finding, finding.rectified_on)
        if verified_on < today:
            verifier = staff.verifier_for(finding.inspection.provider)
            finding_verify(finding=finding, inspector=verifier, on=verified_on)
            counts["findings verified"] += 1
    return counts


def _left_for_the_inspector(today: datetime.date, staff: Staff) -> set[int]:
    """In each county with a demo inspector: the latest general finding reported fixed
    (else the latest still open, reported fixed yesterday), left waiting for verification."""
    waiting = set()
    for inspector in staff.inspectors:
        if inspector.jurisdiction is None:
            continue
        in_county = Finding.objects.filter(
            severity=Finding.Severity.GENERAL,
            inspection__provider__division__path__startswith=inspector.jurisdiction.path,
        ).order_by("-rectified_on", "-inspection__inspected_on", "-pk")
        latest = in_county.filter(status=Finding.Status.RECTIFIED).first()
        if latest is None:
            latest = in_county.filter(status=Finding.Status.OPEN, inspection__inspected_on__lt=today).first()
            if latest is None:
                continue
            finding_report_rectification(
                finding=latest,
                report=RECTIFICATION_REPORT,
                rectified_on=today - datetime.timedelta(days=1),
                user=staff.clerk,
            )
        waiting.add(latest.pk)
    return waiting


# ------------------------------------------------------------------- the major hazard


def demo_hazards() -> Iterable[Finding]:
    """The major hazards this demo found (its ad hoc inspections), not yet verified."""
    return (
        Finding.objects.filter(
            severity=Finding.Severity.MAJOR, inspection__regime__code=AD_HOC_REGIME, inspection__summary=HAZARD_SUMMARY
        )
        .exclude(status=Finding.Status.VERIFIED)
        .select_related("inspection__provider")
        .order_by("inspection__inspected_on", "pk")
    )


def hazard_candidates(today: datetime.date) -> list[Provider]:
    """Certified elderly institutions with residents today and no pause of payments, in
    ``HAZARD_DISTRICT`` (all of Baotou when none qualifies there), by USCC."""
    residents = Resident.objects.filter(provider=OuterRef("pk"), admitted_on__lte=today).filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=today)
    )
    providers = (
        Provider.objects.filter(
            status=ProviderStatus.CERTIFIED,
            kind=ProviderKind.ELDERLY_INSTITUTION,
            division__path__startswith=Division.objects.get(code=BAOTOU).path,
            filed_on__lt=today - datetime.timedelta(days=HAZARD_AGE_DAYS),
        )
        .filter(Exists(residents))
        .exclude(pk__in=providers_on_hold().values("pk"))
        .select_related("division")
        .order_by("uscc")
    )
    near = list(providers.filter(division__code=HAZARD_DISTRICT))
    return near or list(providers)


def keep_one_overdue_major_hazard(today: datetime.date, staff: Staff) -> Counter[str]:
    """Exactly one demo major hazard open and past its deadline (see the module's text)."""
    counts: Counter[str] = Counter()
    open_hazards = list(demo_hazards())
    kept = next(
        (
            f
            for f in reversed(open_hazards)
            if f.deadline < today and (today - f.inspection.inspected_on).days < HAZARD_KEPT_DAYS
        ),
        None,
    )
    for finding in open_hazards:
        if finding is kept:
            continue
        rectified_on = max(finding.inspection.inspected_on, today - datetime.timedelta(days=5))
        if finding.status == Finding.Status.OPEN:
            finding_report_rectification(
                finding=finding, report=HAZARD_RECTIFICATION, rectified_on=rectified_on, user=staff.clerk
            )
        verified_on = max(rectified_on, today - datetime.timedelta(days=1))
        finding_verify(finding=finding, inspector=staff.verifier_for(finding.inspection.provider), on=verified_on)
        counts["major hazards verified"] += 1
    if kept is not None:
        return counts
    candidates = hazard_candidates(today)
    if not candidates:
        return counts
    found = Finding.objects.filter(
        severity=Finding.Severity.MAJOR, inspection__regime__code=AD_HOC_REGIME, inspection__summary=HAZARD_SUMMARY
    ).count()
    provider = candidates[found % len(candidates)]
    inspector = staff.inspector_for(provider)
    regime = Regime.objects.get(code=AD_HOC_REGIME)
    record_inspection(
        provider=provider,
        regime=regime,
        inspected_on=today - datetime.timedelta(days=HAZARD_AGE_DAYS),
        recorded_by=inspector or staff.clerk,
        inspectors=[inspector] if inspector else [],
        checklist_results=_checklist(regime, "fire-detectors"),
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.MAJOR, HAZARD_DESCRIPTION)],
        summary=HAZARD_SUMMARY,
    )
    counts["major hazards found"] += 1
    return counts


# ---------------------------------------------------------------------------- the draw


def publish_quarter_draw(today: datetime.date, staff: Staff) -> tuple[Draw | None, int]:
    """The current quarter's double-random draw of elderly institutions, made and
    published once (the public random value is a fictitious lottery result)."""
    name = draw_name(today)
    existing = Draw.objects.filter(name=name, status=Draw.Status.FROZEN).first()
    if existing is not None or not staff.inspectors:
        return existing, 0
    rng = random.Random(name)
    numbers = "-".join(f"{n:02d}" for n in sorted(rng.sample(range(1, 34), 6)))
    draw = Draw.objects.create(
        name=name,
        jurisdiction=Division.objects.get(code=BAOTOU),
        regime=Regime.objects.get(code=DISTRICT_REGIME),
        sample_count=4,
        team_size=1,
        random_value=f"{today.year}{(today.month - 1) // 3 + 1:03d}-{numbers}+{rng.randint(1, 16):02d}",
        created_by=staff.clerk,
        provider_kinds=[ProviderKind.ELDERLY_INSTITUTION, ProviderKind.MEDICAL_ELDERLY],
    )
    draw.inspector_pool.set(staff.inspectors)
    return draw_freeze(draw=draw, user=staff.clerk), 1


# ------------------------------------------------------------------------------- seed


@transaction.atomic
def seed(today: datetime.date | None = None) -> dict[str, int]:
    """The demo's inspections as of ``today`` (default: the register's today)."""
    today = today or timezone.localdate()
    reference_data.load()  # idempotent: the demo needs the regimes
    staff = Staff()
    counts: Counter[str] = Counter()
    counts["past tasks planned"] = plan_past_quarters(today)
    planned = plan_inspections(on=today)
    counts["tasks planned"] = sum(n for code, n in planned.items() if code != "cancelled")
    draw, counts["draws"] = publish_quarter_draw(today, staff)
    counts["inspections recorded"] = record_visits(today, staff, draw)
    counts.update(follow_up_general_findings(today, staff))
    counts.update(keep_one_overdue_major_hazard(today, staff))
    return {key: counts[key] for key in sorted(counts)}
