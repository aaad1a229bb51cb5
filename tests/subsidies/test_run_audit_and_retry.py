"""What the soak with faults (issue 20, tests/perf/soak/) found about monthly runs: a
refresh left no trace in the audit log, and a monthly run whose database went away in
the middle (PostgreSQL restarted) failed and was acknowledged — lost. Each refresh is now
audited, and a task that loses its database is tried again."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import translation
from factories import ResidentFactory

from safeguards.audit_labels import action_label, actor_label
from safeguards.models import AuditEntry
from subsidies import tasks
from subsidies.models import GrantRun
from subsidies.services import run_refresh

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)
BT = "BT-OPERATING"


@pytest.fixture
def provider(make_provider):
    provider = make_provider()
    for _ in range(3):
        ResidentFactory(provider=provider)
    return provider


def refreshes(run: GrantRun) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action="run.refresh", object_id=str(run.pk), object_type="subsidies.GrantRun"
        ).order_by("id")
    )


def test_each_refresh_of_a_run_is_audited_once_with_its_lines_before_and_after(provider, make_provider, clerk):
    run = run_refresh(scheme_code=BT, period=NOV, division_code="150203", user=clerk)
    other = make_provider()
    ResidentFactory(provider=other)

    run_refresh(scheme_code=BT, period=NOV, division_code="150203", user=clerk)

    first, second = refreshes(run)
    assert (first.actor, first.before, first.after) == (clerk, None, {"lines": 1})
    assert (second.before, second.after) == ({"lines": 1}, {"lines": 2})
    with translation.override("en"):
        assert action_label("run.refresh") == "Grant run: refreshed"


def test_a_refused_refresh_leaves_no_audit_entry(provider, approved_run):
    run = approved_run(BT, NOV)
    audited = len(refreshes(run))

    with pytest.raises(ValidationError):  # approved: corrections go into the next month's run
        run_refresh(scheme_code=BT, period=NOV)

    assert len(refreshes(run)) == audited == 1


def test_the_monthly_task_is_named_as_who_refreshed(provider):
    tasks.refresh_monthly_runs.delay("2026-11")

    entry = refreshes(GrantRun.objects.get(scheme__code=BT, period=NOV))[0]
    assert (entry.actor, entry.actor_name) == (None, tasks.MONTHLY_RUNS_ACTOR)
    with translation.override("en"):
        assert actor_label(entry.actor_name) == "Scheduled task: monthly grant runs"


def test_a_monthly_run_that_loses_its_database_is_tried_again_not_lost(provider, monkeypatch):
    calls: list[str] = []

    def refresh_once_cut_off(**kwargs):
        calls.append(kwargs["scheme_code"])
        if len(calls) == 1:  # PostgreSQL restarted in the middle of the first run
            raise OperationalError("terminating connection due to administrator command")
        return run_refresh(**kwargs)

    monkeypatch.setattr(tasks, "run_refresh", refresh_once_cut_off)

    # As a worker runs it; here its retry runs at once, in this process.
    result = tasks.refresh_monthly_runs.apply(args=["2026-11"], throw=False).get()

    assert result[BT] == "1 lines"
    assert GrantRun.objects.filter(scheme__code=BT, period=NOV).count() == 1
    assert calls.count(calls[0]) == 2  # the scheme cut off was run again, from the start
