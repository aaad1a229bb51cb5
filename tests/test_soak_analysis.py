"""The soak's judgement (issue 20, tests/perf/soak/): which errors a fault excuses, how
RSS growth is measured, what the worker logs say each task did, the five goals and the
section of docs/performance.md. Plain data in, plain data out: no stack, no timing."""

from __future__ import annotations

import copy
import datetime
import time
from typing import Any

import pytest
from perf.soak.analysis import (
    Window,
    classify_errors,
    fault_windows,
    once_each,
    rss_growth,
    task_events,
)
from perf.soak.browser import Recorder
from perf.soak.goals import soak_goals
from perf.soak.load import GrantScheduler
from perf.soak.section import HEADING, replace_section, soak_section

PG_RESTART = {"name": "PostgreSQL restarted", "started": 100.0, "recovered": 102.0, "detail": {}}
REDIS_RESTART = {"name": "Redis restarted", "started": 50.0, "recovered": 56.0, "detail": {"down_seconds": 6}}


def test_a_fault_window_runs_from_its_start_to_its_recovery_and_the_grace():
    (window,) = fault_windows([PG_RESTART], grace=5)

    assert (window.start, window.end) == (100.0, 107.0)


def test_5xx_and_unanswered_requests_are_excused_only_inside_a_fault_window():
    windows = fault_windows([REDIS_RESTART, PG_RESTART], grace=5)
    requests = [
        ("directory", 10.0, 10.2, 200),
        ("directory", 99.0, 100.5, 500),  # began before the restart, answered during it
        ("api", 106.0, 106.1, 502),  # within the grace
        ("api", 107.5, 107.6, 500),  # after the grace: a real error
        ("clerk", 20.0, 25.0, 0),  # no answer, outside every window
        ("directory", 101.0, 101.1, 404),  # not a server error
        ("directory", 52.0, 52.1, 503),
    ]

    found = classify_errors(requests, windows)

    assert found["errors_inside"] == {"PostgreSQL restarted": 2, "Redis restarted": 1}
    assert found["errors_outside"] == 2
    assert found["outside_examples"] == [("api", 107.5, 500), ("clerk", 20.0, 0)]
    assert found["statuses"][500] == 2 and found["requests"] == 7


def samples(role: str, pid: int, start: float, end: float, kib_at: Any) -> list[tuple[str, int, float, int]]:
    rows, t = [], start
    while t <= end:
        rows.append((role, pid, t, int(kib_at(t))))
        t += 3
    return rows


def test_rss_growth_is_measured_from_after_the_warm_up_to_the_end():
    flat = samples("web worker", 1, 0, 300, lambda t: 150_000 if t < 30 else 200_000)  # grows only while warming up
    leaking = samples("web worker", 2, 0, 300, lambda t: 200_000 + 200 * t)
    replacement = samples("Celery pool process", 3, 100, 300, lambda t: 100_000 if t < 130 else 180_000)
    killed = samples("Celery pool process", 4, 0, 90, lambda t: 180_000)

    growth = {g["pid"]: g for g in rss_growth([*flat, *leaking, *replacement, *killed], warm_up=30, end=300)}

    assert growth[1]["growth"] == 0
    assert growth[2]["growth"] == pytest.approx((200_000 + 200 * 285) / (200_000 + 200 * 45) - 1, abs=0.01)
    assert growth[3]["growth"] == 0 and growth[3]["from"] == 130  # warmed up from its own start
    assert growth[4]["growth"] is None  # killed before the end: not measured


GRANT, ROSTER = "subsidies.tasks.refresh_monthly_runs", "registry.tasks.apply_roster_upload"
KILLED, IMPORTED, FAILED, RETRIED = (
    str(n) * 8 + "-" + "-".join([str(n) * 4] * 3) + "-" + str(n) * 12 for n in (1, 2, 3, 4)
)


def log(*lines: tuple[str, str]) -> str:
    """Worker log lines as Celery writes them: (process, message)."""
    return "".join(f"[2026-12-05 23:47:13,404: INFO/{process}] {message}\n" for process, message in lines)


WORKER_LOG_KILLED = log(
    ("MainProcess", f"Task {GRANT}[{KILLED}] received"),
    ("MainProcess", f"Task {ROSTER}[{IMPORTED}] received"),
    ("ForkPoolWorker-2", f"Task {ROSTER}[{IMPORTED}] succeeded in 1.5s: 'imported'"),
)
WORKER_LOG_NEW = log(
    ("MainProcess", f"Task {GRANT}[{KILLED}] received"),
    ("ForkPoolWorker-1", f"Task {GRANT}[{KILLED}] succeeded in 7.3s: {{'BT-OPERATING': '63 lines'}}"),
    ("MainProcess", f"Task {GRANT}[{FAILED}] received"),
    (
        "ForkPoolWorker-2",
        f"Task {GRANT}[{FAILED}] raised unexpected: OperationalError('the database is shutting down')",
    ),
    ("MainProcess", f"Task {ROSTER}[{RETRIED}] received"),
    ("ForkPoolWorker-1", f"Task {ROSTER}[{RETRIED}] retry: Retry in 1s: OperationalError('shutting down')"),
    ("MainProcess", f"Task {ROSTER}[{RETRIED}] received"),
    ("ForkPoolWorker-1", f"Task {ROSTER}[{RETRIED}] succeeded in 0.7s: 'imported (resumed)'"),
)


def test_the_worker_logs_say_which_task_finished_once_was_delivered_again_or_was_lost():
    events = task_events([WORKER_LOG_KILLED, WORKER_LOG_NEW])
    killed, failed = KILLED, FAILED

    assert events[killed]["results"] == [{"BT-OPERATING": "63 lines"}]
    once = once_each(events, [killed, failed])

    assert once["redelivered"] == [killed] and once["twice"] == []
    assert once["retried"] == [RETRIED]  # tried again after losing its database: not lost, not twice
    assert once["lost"] == [failed] and once["failed"] == [failed]
    assert once["longest_seconds"] == 7.3


def result() -> dict[str, Any]:
    """A soak's result in which every goal is met."""
    return {
        "minutes": 2.5,
        "schedule": {"duration": 150.0, "warm_up": 30.0},
        "started": "2026-12-05T23:50:00+08:00",
        "finished": "2026-12-05T23:57:00+08:00",
        "data": {"scale_providers": 2000, "scale_residents": 40000},
        "load": {"citizens": 6, "clerks": 2, "grant_interval": 20.0, "ended": 150.0},
        "faults": [REDIS_RESTART, PG_RESTART],
        "grace": 5.0,
        "errors": classify_errors([("directory", 101.0, 101.1, 500)], fault_windows([REDIS_RESTART, PG_RESTART])),
        "by_kind": {"directory": {"count": 1, "p50_ms": 100.0, "p95_ms": 100.0}},
        "grant_tasks": [{"period": "2026-11", "published": 1.0, "task_id": "t1", "error": "", "purpose": "warm-up"}],
        "tasks": once_each(
            {
                "t1": {
                    "name": "x",
                    "received": 1,
                    "succeeded": 1,
                    "raised": 0,
                    "retry": 0,
                    "seconds": [2.0],
                    "results": [],
                }
            },
            ["t1"],
        ),
        "drain": {"seconds": 10, "finished": True, "send_deferred_tasks": "not needed"},
        "checks": {
            "grant_runs": [
                {
                    "run": 7,
                    "scheme": "BT-OPERATING",
                    "period": "2026-11",
                    "division": "150200",
                    "runs_of_scheme_period_division": 1,
                    "lines": 63,
                    "lines_twice": 0,
                    "same_as_clean_run": True,
                    "clean_lines": 63,
                    "audit_entries": 1,
                }
            ],
            "imports": [
                {
                    "upload_id": 4,
                    "marker": "浸泡1-",
                    "rows": 2300,
                    "status": "imported",
                    "in_database": 2300,
                    "audit_imports": 1,
                },
                {
                    "upload_id": 5,
                    "marker": "浸泡2-",
                    "rows": 2300,
                    "status": "failed",
                    "in_database": 0,
                    "audit_imports": 0,
                },
            ],
            "deferred": {"created": 1, "sent": 1, "pending_anywhere": 0, "tasks": []},
            "audit": {"entries": 900, "checked": 900, "intact": True, "first_break": None, "reason": ""},
            "imports_unfinished_anywhere": 0,
        },
        "verify_audit": "audit chain intact: 901 entries\n",
        "visibility_timeout": 45,
        "alive_at_end": {"gunicorn": "running", "Celery worker": "running", "beat": "running"},
        "rss": rss_growth(samples("web worker", 1, 0, 150, lambda t: 180_000), warm_up=30, end=150),
        "background_rows": 2000,
    }


def goals_met(r: dict[str, Any]) -> dict[str, bool]:
    return {g["goal"].split(" (")[0]: g["met"] for g in soak_goals(r)}


def test_every_goal_is_met_when_nothing_went_wrong():
    assert all(goals_met(result()).values())


@pytest.mark.parametrize(
    ("goal", "break_it"),
    [
        (
            "no 5xx outside the restart windows",
            lambda r: r["errors"].update(errors_outside=1, outside_examples=[("api", 5.0, 500)]),
        ),
        ("every task finished exactly once", lambda r: r["tasks"]["lost"].append("t1")),
        ("every task finished exactly once", lambda r: r["checks"]["grant_runs"][0].update(same_as_clean_run=False)),
        ("every task finished exactly once", lambda r: r["checks"]["deferred"].update(pending_anywhere=2)),
        ("every task finished exactly once", lambda r: r["alive_at_end"].update({"Celery worker": "exited (1)"})),
        ("no roster import half-applied", lambda r: r["checks"]["imports"][1].update(in_database=1200)),
        ("no roster import half-applied", lambda r: r["checks"].update(imports_unfinished_anywhere=1)),
        ("the audit trail complete", lambda r: r["checks"]["grant_runs"][0].update(audit_entries=0)),
        ("the audit trail complete", lambda r: r["checks"]["audit"].update(intact=False, first_break=12)),
        ("RSS flat", lambda r: r["rss"][0].update(growth=0.12)),
    ],
)
def test_each_goal_is_not_met_when_its_figures_say_so(goal, break_it):
    broken = copy.deepcopy(result())
    break_it(broken)

    met = goals_met(broken)

    assert met[goal] is False
    assert sum(not ok for ok in met.values()) == 1  # and only that goal


def test_the_section_shows_the_faults_their_windows_and_each_goal_met_or_not():
    broken = copy.deepcopy(result())
    broken["checks"]["grant_runs"][0]["audit_entries"] = 0
    broken["goals"] = soak_goals(broken)

    text = "\n".join(soak_section(broken))

    assert "| PostgreSQL restarted | 100.0 s | 102.0 s | 100.0 s – 107.0 s | 1 |" in text
    assert "| no 5xx outside the restart windows | **met** |" in text
    assert "| the audit trail complete | **not met** |" in text
    assert "run BT-OPERATING 2026-11 (id 7) has no audit entry" in text


def test_make_soak_replaces_the_section_in_place_and_keeps_the_rest():
    document = (
        "# Performance\n\n## Summary\n\nfigures\n\n## Soak with faults (issue 20)\n\nold\n\n## Notes\n\n- a note\n"
    )

    replaced = replace_section(document, [f"{HEADING} (issue 20)", "", "new", ""])
    added = replace_section("# Performance\n\n## Notes\n\n- a note\n", [f"{HEADING} (issue 20)", "", "new", ""])

    assert (
        replaced
        == "# Performance\n\n## Summary\n\nfigures\n\n## Soak with faults (issue 20)\n\nnew\n\n## Notes\n\n- a note\n"
    )
    assert added.index("new") < added.index("## Notes")


def test_a_window_overlaps_a_request_that_straddles_either_edge():
    window = Window("x", 10.0, 20.0)

    assert window.overlaps(5.0, 10.0) and window.overlaps(20.0, 25.0) and not window.overlaps(20.1, 25.0)


def test_a_soak_that_could_not_finish_says_so_and_meets_no_goal():
    failed = {**result(), "error": "RuntimeError: soak: timed out after 90 s waiting for a grant run in progress"}

    text = "\n".join(soak_section(failed))

    assert "did not finish, so none of its goals is met" in text and "timed out after 90 s" in text


def test_the_grant_ticks_go_to_the_soaks_redis_whatever_the_environment_says(monkeypatch) -> None:
    """Under make bench the environment's CELERY_BROKER_URL is the test services' Redis, which
    Celery prefers to the broker it is given: the soak's worker then never saw a grant run."""
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1111/0")
    grants = GrantScheduler(
        "redis://127.0.0.1:6399/0", Recorder(time.monotonic()), interval=20, months=2, today=datetime.date(2026, 12, 5)
    )

    assert grants.app.connection_for_write().as_uri().endswith("@127.0.0.1:6399/0")
    assert grants.periods == ["2026-11", "2026-10"]
