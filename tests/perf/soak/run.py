#!/usr/bin/env python
"""The soak with faults (issue 20): ``make soak`` (30 minutes) or, from ``make bench``, a
short one (``run_soak(minutes=2.5)``).

It starts a stack of its own (``stack.py``: PostgreSQL, Redis, gunicorn with the
production settings, one Celery worker, one beat; the demo and a little scale data),
then for ``--minutes`` keeps a moderate load on it (``load.py``: six citizens and two
clerks, a grant run put on the queue every ``GRANT_INTERVAL`` seconds, a clerk importing
large rosters one after another) while it breaks it three times (``faults.py``). Then it
lets the background work finish, asks the database (``on_server.py check``) and the
worker logs what happened, and judges the five goals (``goals.py``).

``python tests/perf/soak/run.py --minutes 30`` prints the result and writes it to
``var/soak-results.json`` and into the soak section of docs/performance.md
(``--output``; ``--output ''`` writes no document).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import random
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "tests") not in sys.path:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from perf.soak import analysis, faults, goals  # noqa: E402 - after the path above
from perf.soak.browser import Browser, Recorder  # noqa: E402
from perf.soak.load import GrantScheduler, RosterClerk, citizen, clerk  # noqa: E402
from perf.soak.section import MAKE_SOAK_MINUTES, replace_section, soak_section  # noqa: E402
from perf.soak.stack import DEMO_PASSWORD, DEMO_USER, VISIBILITY_TIMEOUT, Say, Stack, wait_until  # noqa: E402

CITIZENS = 6
CLERKS = 2
GRANT_INTERVAL = 20.0  # seconds between grant runs put on the queue
GRANT_MONTHS = 24  # the last 24 months, in turn
ROSTER_PAUSE = 10.0  # seconds between one roster import's end and the next upload
ROSTER_EXTRA_ROWS = 300  # rows above ROSTER_BACKGROUND_ROWS in each roster
RSS_INTERVAL = 3.0
DRAIN_TIMEOUT = 420.0  # seconds for the background work to finish after the load stops
SEND_DEFERRED_AFTER = 20.0  # seconds into the drain: send what is still deferred, as an operator would
FAULT_AT = (0.3, 0.5, 0.7)  # when the faults come, as fractions of the soak


def schedule(minutes: float) -> dict[str, float]:
    """Seconds from the start: the warm-up's end, each fault, the end of the load."""
    duration = minutes * 60
    return {
        "duration": duration,
        "warm_up": min(max(30.0, 0.15 * duration), 180.0),
        "kill_worker": FAULT_AT[0] * duration,
        "restart_redis": FAULT_AT[1] * duration,
        "restart_postgres": FAULT_AT[2] * duration,
    }


def run_soak(
    minutes: float, *, say: Say = print, keep: bool = False, providers: int = 2000, residents: int = 40000
) -> dict[str, Any]:
    """Run the soak; its result (plain data: what ran, the faults, the figures, the goals),
    or with ``error`` saying why it could not finish."""
    plan = schedule(minutes)
    result: dict[str, Any] = {"minutes": minutes, "schedule": plan, "started": _now()}
    stack = Stack(say, keep=keep)
    try:
        say(f"soak: {minutes:g} minutes; stack in {stack.tmp}")
        stack.start_postgres()
        stack.start_redis()
        stack.write_secrets()
        result["preparation"] = stack.prepare(providers=providers, residents=residents)
        result["data"] = {"scale_providers": providers, "scale_residents": residents}
        stack.start_web()
        first = stack.start_worker()
        wait_until(lambda: stack.worker_ready(first), 120, "the Celery worker")
        stack.start_beat()
        rosters_needed = math.ceil(plan["duration"] / ROSTER_PAUSE) + 5  # enough even if imports took no time
        prepared = json.loads(
            stack.python(
                "tests/perf/soak/on_server.py",
                "prepare",
                f"--count={rosters_needed}",
                f"--extra-rows={ROSTER_EXTRA_ROWS}",
                f"--out={stack.tmp / 'rosters'}",
                f"--username={DEMO_USER}",
            )
        )
        result.update(_soak(stack, plan, prepared, say))
        result["finished"] = _now()
        result["goals"] = goals.soak_goals(result)
    except Exception as error:  # reported in the result, not raised: make bench keeps its other figures
        result["error"] = f"{type(error).__name__}: {error}"[:3000]
        say(f"soak: did not finish: {result['error']}")
    finally:
        result.setdefault("finished", _now())
        if "error" in result or not all(g["met"] for g in result.get("goals", [])):
            result["logs"] = str(stack.save_logs(ROOT / "var" / "soak-logs"))
            say(f"soak: a goal was not met; the stack's logs are in {result['logs']}")
        stack.close()
    result.setdefault("goals", [])
    return result


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _database_now(stack: Stack) -> str:
    import psycopg

    with psycopg.connect(stack.superuser_dsn()) as conn:
        row = conn.execute("SELECT now()").fetchone()
    assert row is not None
    return str(row[0].isoformat())


def _soak(stack: Stack, plan: dict[str, float], prepared: dict[str, Any], say: Say) -> dict[str, Any]:
    since = _database_now(stack)
    recorder = Recorder(time.monotonic())
    stop_load, stop_sampler = threading.Event(), threading.Event()
    rng = random.Random(20)
    grants = GrantScheduler(
        stack.broker_url, recorder, interval=GRANT_INTERVAL, months=GRANT_MONTHS, today=datetime.date.today()
    )
    roster_clerk = RosterClerk(stack.web_port, recorder, prepared["rosters"], DEMO_USER, DEMO_PASSWORD, ROSTER_PAUSE)
    sampler = faults.RssSampler(stack, recorder, RSS_INTERVAL)
    threads = [
        threading.Thread(
            target=citizen,
            args=(
                Browser(stack.web_port, f"10.10.0.{n + 1}", recorder),
                prepared["usccs"],
                stop_load,
                random.Random(n),
            ),
            daemon=True,
        )
        for n in range(CITIZENS)
    ]
    threads += [
        threading.Thread(
            target=clerk,
            args=(Browser(stack.web_port, f"10.30.0.{n + 1}", recorder), DEMO_USER, DEMO_PASSWORD, stop_load, rng),
            daemon=True,
        )
        for n in range(CLERKS)
    ]
    threads.append(threading.Thread(target=grants.run, args=(stop_load,), daemon=True))
    roster_thread = threading.Thread(target=roster_clerk.run, args=(stop_load,), daemon=True)
    threads.append(roster_thread)
    sampler_thread = threading.Thread(target=sampler.run, args=(stop_sampler,), daemon=True)
    say(f"soak: load on (http://127.0.0.1:{stack.web_port}), warm-up until {plan['warm_up']:.0f} s")
    for thread in [*threads, sampler_thread]:
        thread.start()
    for _n in range(2):  # both pool processes run a grant run during the warm-up
        grants.publish(purpose="warm-up")
    done: list[faults.Fault] = []
    for key, action in (
        ("kill_worker", lambda: faults.kill_worker_during_grant_run(stack, recorder, grants)),
        ("restart_redis", lambda: faults.restart_redis(stack, recorder, grants, roster_clerk)),
        ("restart_postgres", lambda: faults.restart_postgres(stack, recorder, grants)),
    ):
        time.sleep(max(0.0, plan[key] - recorder.now()))
        fault = action()
        done.append(fault)
        say(f"soak: {fault.name}: {fault.started:.1f} s → {fault.recovered:.1f} s {fault.detail}")
    time.sleep(max(0.0, plan["duration"] - recorder.now()))
    load_end = recorder.now()
    stop_load.set()
    sampler.sample()
    stop_sampler.set()
    alive = stack.alive()
    say(f"soak: load off at {load_end:.0f} s; {len(recorder.requests):,} requests; letting the background work finish")
    drain = _drain(stack, recorder, grants, roster_clerk, [*threads, sampler_thread])
    say(f"soak: background work done after {drain['seconds']:.0f} s ({drain})")
    logs = [
        stack.log(f"worker-{n}.log").read_text(encoding="utf-8", errors="replace")
        for n in range(1, stack.workers_started + 1)
    ]
    events = analysis.task_events(logs)
    grant_tasks = [asdict(t) for t in grants.tasks]
    flows = [asdict(f) for f in roster_clerk.flows]
    check_plan = {
        "since": since,
        "periods": sorted({t["period"] for t in grant_tasks}),
        "imports": [{"upload_id": f["upload_id"], "marker": f["marker"], "rows": f["rows"]} for f in flows],
    }
    (stack.tmp / "check-plan.json").write_text(json.dumps(check_plan), encoding="utf-8")
    checks = json.loads(
        stack.python("tests/perf/soak/on_server.py", "check", f"--plan={stack.tmp / 'check-plan.json'}")
    )
    verify = stack.manage("verify_audit")
    requests = [(r.kind, r.started, r.ended, r.status) for r in recorder.requests]
    fault_dicts = [f.as_dict() for f in done]
    return {
        "load": {"citizens": CITIZENS, "clerks": CLERKS, "grant_interval": GRANT_INTERVAL, "ended": load_end},
        "faults": fault_dicts,
        "grace": analysis.GRACE,
        "errors": analysis.classify_errors(requests, analysis.fault_windows(fault_dicts)),
        "by_kind": _by_kind(recorder),
        "grant_tasks": grant_tasks,
        "tasks": analysis.once_each(events, [t["task_id"] for t in grant_tasks if t["task_id"]]),
        "flows": flows,
        "drain": drain,
        "checks": checks,
        "verify_audit": verify,
        "visibility_timeout": VISIBILITY_TIMEOUT,
        "rss": analysis.rss_growth(sampler.samples, plan["warm_up"], load_end),
        "rss_samples": sampler.samples,
        "background_rows": prepared["background_rows"],
        "alive_at_end": alive,
    }


def _by_kind(recorder: Recorder) -> dict[str, dict[str, float]]:
    kinds: dict[str, list[float]] = {}
    for r in recorder.requests:
        kinds.setdefault(r.kind, []).append(r.ended - r.started)
    return {
        kind: {
            "count": len(times),
            "p50_ms": 1000 * sorted(times)[len(times) // 2],
            "p95_ms": 1000 * sorted(times)[min(len(times) - 1, int(0.95 * len(times)))],
        }
        for kind, times in sorted(kinds.items())
    }


def _drain(
    stack: Stack, recorder: Recorder, grants: GrantScheduler, roster_clerk: RosterClerk, threads: list[threading.Thread]
) -> dict[str, Any]:
    """Wait for the roster flows and every grant run published to finish; send the tasks
    still deferred (``manage.py send_deferred_tasks``, what beat does every five minutes)
    if any remain after ``SEND_DEFERRED_AFTER`` seconds."""
    started = time.monotonic()
    sent_by_command = ""
    published = [t.task_id for t in grants.tasks if t.task_id]

    def grants_done() -> bool:
        logs = "".join(
            stack.log(f"worker-{n}.log").read_text(encoding="utf-8", errors="replace")
            for n in range(1, stack.workers_started + 1)
        )
        return all(f"[{task_id}] succeeded" in logs or f"[{task_id}] raised" in logs for task_id in published)

    def done() -> bool:
        return not roster_clerk.busy() and not any(t.is_alive() for t in threads) and grants_done()

    while time.monotonic() - started < DRAIN_TIMEOUT:
        if done():
            break
        if not sent_by_command and time.monotonic() - started > SEND_DEFERRED_AFTER:
            sent_by_command = stack.manage("send_deferred_tasks").strip() or "nothing to send"
        time.sleep(1)
    return {
        "seconds": round(time.monotonic() - started, 1),
        "finished": done(),
        "send_deferred_tasks": sent_by_command or "not needed",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=MAKE_SOAK_MINUTES)
    parser.add_argument("--providers", type=int, default=2000, help="scale providers added to the demo")
    parser.add_argument("--residents", type=int, default=40000, help="scale residents added to the demo")
    parser.add_argument("--keep", action="store_true", help="keep the stack's logs")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()

    def say(message: str) -> None:
        print(message, flush=True)

    result = run_soak(args.minutes, say=say, keep=args.keep, providers=args.providers, residents=args.residents)
    raw = ROOT / "var" / "soak-results.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(result, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    lines = soak_section(result)
    print("\n".join(lines))
    if args.output:
        document = Path(args.output)
        document.write_text(replace_section(document.read_text(encoding="utf-8"), lines), encoding="utf-8")
        say(f"wrote the soak section of {document} (raw figures in {raw})")
    sys.exit(0 if "error" not in result and all(g["met"] for g in result["goals"]) else 1)


if __name__ == "__main__":
    main()
