"""The provider's own safety checks (Baotou, 004:94; DOMAIN §4): "养老机构自身每月进行一次机构
内部联合检查，每周开展班组自查，每天进行岗位安全专项交接班", and the hazards it finds and
corrects itself ("开展隐患自查自改", 004:96).

- The **monthly internal joint inspection** is an ``Inspection`` of the provider-level
  regime (BT-INTERNAL-MONTHLY), recorded against its planned task through
  ``records.record_inspection`` like any other; its problem items are findings.
- The **weekly team self-check** and the **daily shift-handover check** are the provider's
  own logs: a ``SelfCheck`` per provider, kind and week (its Monday) or day, written by
  ``self_check_record``. The texts name the checks, not their items: ``WEEKLY_ITEMS`` and
  ``DAILY_ITEMS`` are our reading of what a team checks in a week and what one shift hands
  to the next (fire, electricity and gas, food, medication, residents), kept as data.
- A **hazard the provider found** is a ``Finding`` on a record of its provider-level regime
  (``hazard_self_report``), so that it has a deadline, reminders, the portal's
  rectification and an inspector's verification like every other hazard.

Who owes them: the providers a provider-level regime applies to (``self_check_regimes``;
the regime is data, so a bureau that adds one for its providers gets the checks too). What
is missing: ``providers_behind_on_self_checks`` (the district clerk's workbench) and
``self_checks_due`` (the provider's reminders in the portal).
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.models import Provider, User
from registry.periods import week_bounds
from registry.scoping import scope_queryset
from safeguards.audit import audit_record

from .models import Finding, InspectionTask, InspectorLevel, Regime, SelfCheck
from .planning import PLANNED_STATUSES, providers_under
from .records import EvidenceFile, FindingInput, evidence_add, finding_report_rectification, record_inspection

OK, PROBLEM, NOT_APPLICABLE = "ok", "problem", "n/a"
RESULTS = (OK, PROBLEM, NOT_APPLICABLE)


def _item(code: str, area: str, zh: str, en: str) -> dict[str, str]:
    return {"code": code, "area": area, "text_zh": zh, "text_en": en}


# 班组自查: what one team checks of its own area every week (004:94 names the check only).
WEEKLY_ITEMS = [
    _item(
        "fire", "fire", "消防器材完好，疏散通道、安全出口畅通", "Fire equipment in place, escape routes and exits clear"
    ),
    _item(
        "electric",
        "building",
        "电器线路、插座无私拉乱接，无违规使用大功率电器",
        "Wiring and sockets safe, no unauthorised high-power appliances",
    ),
    _item("gas", "building", "燃气、用水设施无泄漏，门窗完好", "No gas or water leaks, doors and windows sound"),
    _item("food", "food", "厨房卫生、食材储存和食品留样符合要求", "Kitchen clean, food stored and samples kept"),
    _item("medication", "medication", "药品存放、代管药品登记规范", "Medication stored and logged"),
    _item(
        "aids",
        "service",
        "床栏、呼叫器、扶手和防滑设施完好",
        "Bed rails, call bells, handrails and anti-slip fittings working",
    ),
    _item(
        "residents",
        "service",
        "老人健康状况跟进，防跌倒、防走失措施落实",
        "Residents' health followed, fall and wandering prevention in place",
    ),
    _item("plan", "service", "班组成员熟悉应急预案和岗位职责", "The team knows the emergency plan and its duties"),
]

# 岗位安全专项交接班: what one shift hands over to the next every day (004:94).
DAILY_ITEMS = [
    _item(
        "residents",
        "service",
        "在院老人人数清点无误，身体异常和需重点照看的老人已交接",
        "Residents counted; anyone unwell or needing watching handed over",
    ),
    _item("medication", "medication", "本班药品已按时发放并登记", "This shift's medication given on time and logged"),
    _item(
        "fire", "fire", "疏散通道、安全出口畅通，消防设施无异常", "Escape routes and exits clear, fire equipment normal"
    ),
    _item(
        "utilities",
        "building",
        "水、电、燃气和门窗已检查，无安全隐患",
        "Water, electricity, gas, doors and windows checked and safe",
    ),
    _item("visitors", "service", "访客和外出登记无遗漏", "Visitors and outings logged"),
    _item(
        "events",
        "service",
        "异常情况和未完成事项已记录并交接",
        "Incidents and unfinished tasks recorded and handed over",
    ),
]

SELF_CHECK_ITEMS: dict[str, list[dict[str, str]]] = {
    SelfCheck.Kind.WEEKLY: WEEKLY_ITEMS,
    SelfCheck.Kind.DAILY: DAILY_ITEMS,
}


def item_text(item: dict[str, str]) -> str:
    """A checklist item in the language of the page (the items are data in both languages)."""
    english = (translation.get_language() or "").startswith("en")
    return item["text_en"] if english else item["text_zh"]


# --- who owes them -------------------------------------------------------------------------


def provider_level_regimes() -> list[Regime]:
    """The active regimes under which providers inspect themselves (BT-INTERNAL-MONTHLY)."""
    regimes = Regime.objects.filter(active=True, inspector_level=InspectorLevel.PROVIDER)
    return list(regimes.select_related("jurisdiction").order_by("code"))


def regime_applies(regime: Regime, provider: Provider) -> bool:
    """``providers_under(regime)`` for one provider: in the regime's area, of its kinds, in operation."""
    return (
        provider.status in PLANNED_STATUSES
        and provider.division.path.startswith(regime.jurisdiction.path)
        and (not regime.provider_kinds or provider.kind in regime.provider_kinds)
    )


def self_check_regimes(provider: Provider) -> list[Regime]:
    """The provider-level regimes that apply to ``provider``: none, it owes no self-checks."""
    return [regime for regime in provider_level_regimes() if regime_applies(regime, provider)]


def providers_owing_self_checks(regimes: list[Regime] | None = None) -> QuerySet[Provider]:
    """Every provider a provider-level regime applies to (the weekly and daily checks are
    owed by the providers that owe the monthly one: 004:94 names the three together)."""
    regimes = provider_level_regimes() if regimes is None else regimes
    if not regimes:
        return Provider.objects.none()
    return functools.reduce(operator.or_, (providers_under(regime) for regime in regimes))


def last_week(day: datetime.date) -> datetime.date:
    """The Monday of the last whole week before ``day``'s: the latest weekly check owed by now."""
    return week_bounds(day)[0] - datetime.timedelta(days=7)


def providers_behind_on_self_checks(day: datetime.date) -> QuerySet[Provider]:
    """Providers owing self-checks whose monthly self-inspection is overdue (an open task of
    a provider-level regime past its due date) or who recorded no weekly team self-check for
    the last whole week although operating since before it began. Annotated for the list:
    ``overdue_since`` (the oldest overdue month's due date), ``last_weekly``."""
    monday = last_week(day)
    overdue = InspectionTask.objects.filter(
        provider=OuterRef("pk"),
        status=InspectionTask.Status.OPEN,
        due_on__lt=day,
        regime__inspector_level=InspectorLevel.PROVIDER,
    )
    weekly = SelfCheck.objects.filter(provider=OuterRef("pk"), kind=SelfCheck.Kind.WEEKLY)
    operating_since = Coalesce("filed_on", "certified_on")
    weekly_owed = Q(operating_since__isnull=True) | Q(operating_since__lte=monday)
    return (
        providers_owing_self_checks()
        .annotate(
            operating_since=operating_since,
            monthly_overdue=Exists(overdue),
            weekly_done=Exists(weekly.filter(day=monday)),
            overdue_since=Subquery(overdue.order_by().values("provider").annotate(d=Min("due_on")).values("d")[:1]),
            last_weekly=Subquery(weekly.order_by().values("provider").annotate(d=Max("day")).values("d")[:1]),
        )
        .filter(Q(monthly_overdue=True) | (Q(weekly_done=False) & weekly_owed))
    )


def providers_behind_visible_to(user: User, day: datetime.date) -> QuerySet[Provider]:
    """The providers behind on their self-checks that ``user`` sees (jurisdiction and
    department): the workbench's count and the list it opens."""
    return scope_queryset(providers_behind_on_self_checks(day), user, "division__path")


@dataclass(frozen=True)
class SelfCheckDue:
    """One self-check the provider owes: ``what`` is "monthly" (then ``task`` is its
    task), "weekly" or "daily"."""

    what: str
    due_on: datetime.date
    overdue: bool
    task: InspectionTask | None = None


def self_checks_due(provider: Provider, day: datetime.date) -> list[SelfCheckDue]:
    """What the provider owes on ``day``: each open monthly self-inspection whose month has
    begun (overdue after its due date), this week's team self-check (and last week's,
    overdue, if missing) and today's shift handover, when not recorded."""
    if not self_check_regimes(provider):
        return []
    tasks = InspectionTask.objects.filter(
        provider=provider,
        status=InspectionTask.Status.OPEN,
        regime__inspector_level=InspectorLevel.PROVIDER,
        period_start__lte=day,
    ).select_related("regime")
    due = [SelfCheckDue("monthly", task.due_on, task.due_on < day, task) for task in tasks.order_by("due_on")]
    this_monday = week_bounds(day)[0]
    done = set(SelfCheck.objects.filter(provider=provider, day__gte=last_week(day)).values_list("kind", "day"))
    if (SelfCheck.Kind.WEEKLY, last_week(day)) not in done and _operating_on(provider, last_week(day)):
        due.append(SelfCheckDue(SelfCheck.Kind.WEEKLY, this_monday - datetime.timedelta(days=1), True))
    if (SelfCheck.Kind.WEEKLY, this_monday) not in done:
        due.append(SelfCheckDue(SelfCheck.Kind.WEEKLY, week_bounds(day)[1], False))
    if (SelfCheck.Kind.DAILY, day) not in done:
        due.append(SelfCheckDue(SelfCheck.Kind.DAILY, day, False))
    return due


def _operating_on(provider: Provider, day: datetime.date) -> bool:
    since = provider.filed_on or provider.certified_on
    return since is None or since <= day


# --- services ------------------------------------------------------------------------------


def _check_results(kind: str, results: dict[str, str], notes: dict[str, str]) -> None:
    codes = [item["code"] for item in SELF_CHECK_ITEMS[kind]]
    if sorted(results) != sorted(codes):
        raise ValidationError({"results": _("Give a result for every item of the check, and for those only.")})
    if any(value not in RESULTS for value in results.values()):
        raise ValidationError({"results": _("Each item is in order, a problem, or not applicable.")})
    unexplained = [code for code, value in results.items() if value == PROBLEM and not notes.get(code, "").strip()]
    if unexplained:
        raise ValidationError(
            {"notes": _("Say what the problem is for: %(items)s.") % {"items": ", ".join(unexplained)}}
        )


@transaction.atomic
def self_check_record(
    *,
    provider: Provider,
    kind: str,
    day: datetime.date,
    results: dict[str, str],
    people: str,
    actor: User,
    notes: dict[str, str] | None = None,
    remarks: str = "",
    source: str = "",
) -> SelfCheck:
    """Record the weekly team self-check (``day``: any day of the week) or the day's shift
    handover of ``provider``; audited (``self_check.record``).

    One per provider, kind and week or day: a second one is refused, unless it comes from
    the same ``source`` (the provider's submission, corrected after the district office
    returned it), which then replaces what it recorded. Refused too: a day in the future,
    a result missing or unknown, a problem without a note, nobody named."""
    if kind not in SELF_CHECK_ITEMS:
        raise ValidationError(_("Unknown kind of self-check."))
    notes = {code: note.strip() for code, note in (notes or {}).items() if note and note.strip()}
    if kind == SelfCheck.Kind.WEEKLY:
        day = week_bounds(day)[0]
    if day > timezone.localdate():
        raise ValidationError({"day": _("The day cannot be in the future.")})
    if not people.strip():
        raise ValidationError({"people": _("Name who checked.")})
    _check_results(kind, results, notes)
    existing = SelfCheck.objects.select_for_update().filter(provider=provider, kind=kind, day=day).first()
    if existing is not None and (not source or existing.source != source):
        raise ValidationError(_("This check is already recorded for %(day)s.") % {"day": day.isoformat()})
    check = existing or SelfCheck(provider=provider, kind=kind, day=day, source=source)
    check.results, check.notes, check.people, check.remarks = results, notes, people.strip(), remarks.strip()
    check.all_ok = PROBLEM not in results.values()
    check.recorded_by = actor
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:  # the same check sent twice at once: the other one won
        raise ValidationError(_("This check is already recorded for %(day)s.") % {"day": day.isoformat()}) from None
    audit_record(
        "self_check.record",
        actor=actor,
        obj=check,
        after={
            "provider": provider.uscc,
            "kind": kind,
            "day": day.isoformat(),
            "all_ok": check.all_ok,
            "problems": sorted(code for code, value in results.items() if value == PROBLEM),
            "replaced": existing is not None,
        },
        detail=source,
    )
    return check


@transaction.atomic
def hazard_self_report(
    *,
    provider: Provider,
    found_on: datetime.date,
    category: str,
    severity: str,
    what: str,
    where: str,
    actor: User,
    correction: str = "",
    corrected_on: datetime.date | None = None,
    evidence: Iterable[EvidenceFile] = (),
    source: str = "",
) -> Finding:
    """Record a hazard the provider found itself and what it did (隐患自查自改, 004:96).

    The hazard is a finding on a record of the provider's own regime dated the day it was
    found, outside any task (the month's self-inspection is still owed), with the regime's
    deadline for its severity. Corrected already: its rectification is reported at once
    and an inspector verifies it; still open: the provider reports it later through the
    portal, as for any finding. A major hazard holds the provider's payments until
    verified fixed, whoever found it (DOMAIN §4). The photos become its evidence. Audited
    by the services it calls (``inspection.record``, ``finding.rectify``)."""
    regimes = self_check_regimes(provider)
    if not regimes:
        raise ValidationError(_("%(provider)s keeps no self-inspections.") % {"provider": provider.name})
    if corrected_on is not None and not correction.strip():
        raise ValidationError({"correction": _("Say what was done to correct it.")})
    if corrected_on is not None and corrected_on < found_on:
        raise ValidationError({"corrected_on": _("It cannot be corrected before it was found.")})
    if corrected_on is not None and corrected_on > timezone.localdate():
        raise ValidationError({"corrected_on": _("The day cannot be in the future.")})
    with translation.override(settings.LANGUAGE_CODE):  # stored text: in the bureau's language
        description = _("%(what)s (where: %(where)s)") % {"what": what.strip(), "where": where.strip()}
        if corrected_on is None and correction.strip():  # not finished: what was done so far
            description = _("%(hazard)s; done so far: %(measures)s") % {
                "hazard": description,
                "measures": correction.strip(),
            }
        summary = _("Hazard found and reported by the provider (%(source)s).") % {"source": source or "-"}
        caption = _("Sent by the provider (%(source)s)") % {"source": source or "-"}
    inspection = record_inspection(
        provider=provider,
        regime=regimes[0],
        inspected_on=found_on,
        recorded_by=actor,
        findings=[FindingInput(category, severity, description)],
        summary=summary,
    )
    finding = inspection.findings.get()
    evidence_add(finding=finding, files=evidence, caption=caption, user=actor)
    if corrected_on is not None:
        finding = finding_report_rectification(
            finding=finding, report=correction.strip(), rectified_on=corrected_on, user=actor
        )
    return finding
