"""An inspector's work: the tasks they see, the tasks a draw gives them, the tasks and
colleagues the inspection form offers them.

- A double-random draw (``random_draw.draw_freeze``) puts each drawn team on the task of
  the drawn provider for the draw's regime and the period containing the draw day (made
  if planning has not made it yet; an ad hoc regime's period is the quarter). The team
  comes from other counties, so the task lies outside the inspector's jurisdiction:
- the task list shows a user the tasks inside their jurisdiction *and* every task assigned
  to them (``tasks_visible_to``); the quarter overview reads the same list; whichever the
  way, only tasks of the provider kinds their department sees (``registry.scoping``: a
  health-commission inspector sees childcare only);
- a task is overdue while open after its due date (``task_is_overdue``);
- the inspection list and the findings board show, beyond the jurisdiction, the
  inspections the user took part in and their findings (of the kinds their department sees);
- the workbench shows the tasks to do now (``tasks_to_do_now``): open, due by the end of
  this week, overdue first, then by due date and the provider's risk (more open findings,
  then more hazards found in the past, then the lower grade; not rated counts as lowest),
  and the rectifications reported fixed of the inspections the user took part in
  (``findings_to_verify``);
- the inspection form offers an inspector the open tasks assigned to them (anyone else,
  e.g. a clerk recording for an inspector, the open tasks they see), and as inspectors
  only active staff of the inspector role in the user's league/city
  (``inspectors_offered_to``).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from registry.models import Division, Provider, User
from registry.periods import period_bounds
from registry.scoping import jurisdiction_path, providers_visible_to, scope_by_kind
from registry.staff import roles

from .inspector_codes import draw_members
from .models import Draw, Finding, Frequency, Inspection, InspectionTask, InspectorLevel
from .planning import _ancestor_path


def tasks_visible_to(tasks: QuerySet[InspectionTask], user: User) -> QuerySet[InspectionTask]:
    """The tasks inside the user's jurisdiction and every task assigned to them, of the
    provider kinds the user's department sees."""
    path = jurisdiction_path(user)
    if path is None:
        return tasks.none()
    tasks = scope_by_kind(tasks, user, "provider__kind")
    if path == "":
        return tasks
    assigned = InspectionTask.objects.filter(assignees=user).values("pk")
    return tasks.filter(Q(provider__division__path__startswith=path) | Q(pk__in=assigned))


def providers_offered_to(user: User) -> QuerySet[Provider]:
    """The providers the user may record an inspection of: those in their jurisdiction and
    those of the tasks assigned to them."""
    tasks = tasks_visible_to(InspectionTask.objects.all(), user)
    return Provider.objects.filter(pk__in=tasks.values("provider_id")) | providers_visible_to(user)


def inspections_visible_to(inspections: QuerySet[Inspection], user: User) -> QuerySet[Inspection]:
    """The inspections inside the user's jurisdiction and those they took part in, of the
    provider kinds the user's department sees."""
    path = jurisdiction_path(user)
    if path is None:
        return inspections.none()
    inspections = scope_by_kind(inspections, user, "provider__kind")
    if path == "":
        return inspections
    theirs = Inspection.objects.filter(Q(inspectors=user) | Q(recorded_by=user)).values("pk")
    return inspections.filter(Q(provider__division__path__startswith=path) | Q(pk__in=theirs))


def findings_visible_to(findings: QuerySet[Finding], user: User) -> QuerySet[Finding]:
    """The findings of the inspections the user sees (``inspections_visible_to``)."""
    inspections = inspections_visible_to(Inspection.objects.all(), user)
    return findings.filter(inspection__in=inspections.values("pk"))


def task_is_overdue(task: InspectionTask, on: datetime.date) -> bool:
    """Open after its due date."""
    return task.status == InspectionTask.Status.OPEN and task.due_on < on


def draw_period(draw: Draw, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of the tasks a draw made on ``on`` assigns (an ad hoc regime: the quarter)."""
    frequency = draw.regime.frequency if draw.regime else Frequency.QUARTERLY
    if frequency == Frequency.AD_HOC:
        frequency = Frequency.QUARTERLY
    return period_bounds(on, frequency)


def draw_assign_tasks(*, draw: Draw, on: datetime.date) -> list[InspectionTask]:
    """Put each drawn team on its provider's task (the draw's regime, the period of ``on``).

    Called by ``draw_freeze`` inside its transaction; adding an assignee twice adds
    nothing, so running it again changes nothing. A draw without a regime assigns none.
    The team's members are found by their key in the draw (``inspector_codes``)."""
    if draw.regime is None:
        return []
    start, end = draw_period(draw, on)
    providers = {p.uscc: p for p in Provider.objects.filter(uscc__in=[row["uscc"] for row in draw.results])}
    users = draw_members([draw])[draw.pk]
    tasks = []
    for row in draw.results:
        provider = providers.get(row["uscc"])
        if provider is None:
            continue
        task, _created = InspectionTask.objects.get_or_create(
            provider=provider,
            regime=draw.regime,
            period_start=start,
            defaults={"period_end": end, "due_on": end},
        )
        task.assignees.add(*[users[key] for key in row["team"] if key in users])
        tasks.append(task)
    return tasks


def tasks_offered_to(user: User, tasks: QuerySet[InspectionTask]) -> QuerySet[InspectionTask]:
    """The open tasks the inspection form offers: an inspector's own (those assigned to
    them), anyone else's (a clerk recording for an inspector) the open tasks in ``tasks``."""
    open_tasks = tasks.filter(status=InspectionTask.Status.OPEN)
    if user.groups.filter(name=roles.INSPECTOR).exists():
        return open_tasks.filter(assignees=user)
    return open_tasks


def inspectors_offered_to(user: User) -> QuerySet[User]:
    """Active staff of the inspector role working in the user's league/city (a draw's team
    comes from the city's other counties); everyone of the role for a user without one."""
    inspectors = User.objects.filter(groups__name=roles.INSPECTOR, is_active=True)
    path = jurisdiction_path(user)
    if path is None:
        return inspectors.none()
    city = _ancestor_path(path, Division.Level.LEAGUE_CITY) if path else ""
    if city:
        inspectors = inspectors.filter(jurisdiction__path__startswith=city)
    return inspectors.select_related("jurisdiction").order_by("jurisdiction__path", "username").distinct()


def _findings_of_provider(**filters: object) -> Subquery:
    rows = Finding.objects.filter(inspection__provider=OuterRef("provider"), **filters)
    return Subquery(rows.order_by().values("inspection__provider").annotate(n=Count("pk")).values("n")[:1])


def tasks_to_do_now(user: User, today: datetime.date) -> QuerySet[InspectionTask]:
    """The user's open tasks due by the end of this week, overdue first, riskiest first on a day."""
    sunday = today + datetime.timedelta(days=6 - today.weekday())
    tasks = InspectionTask.objects.filter(status=InspectionTask.Status.OPEN, due_on__lte=sunday)
    return (
        tasks_visible_to(tasks, user)
        .annotate(
            open_findings=Coalesce(
                _findings_of_provider(status__in=[Finding.Status.OPEN, Finding.Status.RECTIFIED]),
                0,
                output_field=IntegerField(),
            ),
            past_hazards=Coalesce(_findings_of_provider(), 0, output_field=IntegerField()),
        )
        .select_related("provider", "regime")
        .order_by("due_on", "-open_findings", "-past_hazards", "provider__grade", "provider__name", "pk")
    )


def findings_to_verify(user: User) -> QuerySet[Finding]:
    """Rectifications reported fixed of the inspections the user took part in, and, for an
    inspector of a district, those of the providers' own inspections in the district (a
    self-inspection or a hazard the provider reported has no inspector of ours: the
    district's inspectors verify it). Of the kinds their department sees, as the findings
    board they are listed on."""
    theirs = Q(inspection__in=Inspection.objects.filter(inspectors=user).values("pk"))
    path = jurisdiction_path(user)
    jurisdiction = user.jurisdiction
    if path and jurisdiction is not None and jurisdiction.level == Division.Level.COUNTY:
        theirs |= Q(
            inspection__regime__inspector_level=InspectorLevel.PROVIDER,
            inspection__provider__division__path__startswith=path,
        )
    findings = Finding.objects.filter(theirs, status=Finding.Status.RECTIFIED)
    return scope_by_kind(findings, user, "inspection__provider__kind")
