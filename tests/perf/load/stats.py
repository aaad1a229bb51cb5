"""The load test's figures from what Locust recorded (issue 20): throughput, latency
percentiles, errors, the knee and the goals. Plain Python (no Django, no Locust), so that
``tests/test_bench_load.py`` checks it on recorded samples.

A run's first ``WARMUP_SECONDS`` are not measured (users starting, workers warming up),
but an error in them still counts. Throughput is the requests measured divided by the time
from the end of the warm-up to the last answer.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WARMUP_SECONDS = 1.0
MIN_REQUESTS_PER_P95 = 50  # issue 20: every p95 from at least 50 requests
# The knee: the last level before one whose throughput is less than KNEE_GROWTH times as
# high while its p95 is more than KNEE_LATENCY times as high.
KNEE_GROWTH = 1.15
KNEE_LATENCY = 1.5
# Goals of issue 20, as ratios measured in one run.
GOAL_LEVEL = 32
DIRECTORY_SHARE_OF_PING = 0.25
P99_X_SINGLE_USER_P50 = 5


@dataclass(frozen=True)
class Sample:
    mix: str
    name: str
    started: float  # seconds since the epoch
    seconds: float
    status: int  # 0: no answer (connection refused or reset)
    error: str

    @property
    def failed(self) -> bool:
        """Any answer but 2xx/3xx, no answer, or a redirect the page should not make."""
        return bool(self.error) or not 200 <= self.status < 400


@dataclass(frozen=True)
class Recorded:
    started: float
    ended: float
    samples: list[Sample]


def read_samples(path: Path) -> Recorded:
    document = json.loads(path.read_text(encoding="utf-8"))
    return Recorded(
        started=document["started"], ended=document["ended"], samples=[Sample(*row) for row in document["samples"]]
    )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def latency(samples: list[Sample]) -> dict[str, float | int | None]:
    """Requests and p50/p95/p99 in seconds; a p95 (p99) only from 50 (100) requests or more."""
    times = [s.seconds for s in samples]
    if not times:
        return {"requests": 0, "p50": None, "p95": None, "p99": None}
    return {
        "requests": len(times),
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95) if len(times) >= MIN_REQUESTS_PER_P95 else None,
        "p99": percentile(times, 0.99) if len(times) >= 2 * MIN_REQUESTS_PER_P95 else None,
    }


def errors(samples: list[Sample]) -> list[dict[str, Any]]:
    """Every failed request, counted by page, status and message."""
    counted = Counter((s.name, s.status, s.error) for s in samples if s.failed)
    return [
        {"name": name, "status": status, "error": error, "count": count}
        for (name, status, error), count in sorted(counted.items(), key=lambda item: -item[1])
    ]


def summarise(recorded: Recorded, *, warmup: float = WARMUP_SECONDS) -> dict[str, Any]:
    """One run's throughput and latency (whole mix and per page) after the warm-up."""
    since = recorded.started + warmup
    measured = [s for s in recorded.samples if s.started >= since]
    last = max((s.started + s.seconds for s in measured), default=since)
    window = max(last - since, 1e-9)
    pages = {name: latency([s for s in measured if s.name == name]) for name in dict.fromkeys(s.name for s in measured)}
    return {
        **latency(measured),
        "rps": len(measured) / window if measured else 0.0,
        "window_seconds": window,
        "recorded": len(recorded.samples),
        "pages": pages,
        "errors": errors(recorded.samples),
    }


def knee(levels: list[dict[str, Any]]) -> dict[str, Any]:
    """Where throughput stops growing while latency climbs, from one mix's runs by level
    (each with ``users``, ``rps``, ``p95``). ``users`` is None if there is no knee up to the
    highest level measured."""
    for before, after in itertools.pairwise(levels):
        if not before["rps"] or before["p95"] is None or after["p95"] is None:
            continue
        growth = after["rps"] / before["rps"]
        climb = after["p95"] / before["p95"]
        if growth < KNEE_GROWTH and climb > KNEE_LATENCY:
            return {
                "users": before["users"],
                "text": (
                    f"{users(before['users'])}: from {before['users']} to {after['users']} users throughput "
                    f"{'+' if growth >= 1 else '−'}{abs(growth - 1) * 100:.0f} % "
                    f"({before['rps']:.0f} → {after['rps']:.0f} req/s) while p95 ×{climb:.1f}"
                ),
            }
    top = levels[-1] if levels else {"users": 0}
    return {
        "users": None,
        "text": (
            f"none up to {top['users']} users: at every step throughput grew by at least "
            f"{(KNEE_GROWTH - 1) * 100:.0f} % or p95 by at most ×{KNEE_LATENCY}"
        ),
    }


def users(count: int) -> str:
    return f"{count} user" if count == 1 else f"{count} users"


def at(runs: list[dict[str, Any]], users: int) -> dict[str, Any] | None:
    return next((run for run in runs if run["users"] == users), None)


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f} ms"


def server_cpu_per_request(run: dict[str, Any]) -> float | None:
    """CPU seconds of gunicorn, PostgreSQL and Redis per request of a run."""
    cpu = run.get("cpu") or {}
    if not run["recorded"] or "server_seconds" not in cpu:
        return None
    return float(cpu["server_seconds"]) / int(run["recorded"])


def goals(load: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Issue 20's goals, each (goal, met, the figures and the reason)."""
    runs: dict[str, list[dict[str, Any]]] = load["runs"]
    labels: dict[str, str] = load["labels"]
    workers = int(load["config"]["workers"])
    out: list[tuple[str, bool, str]] = []
    ping = at(runs.get("ping", []), GOAL_LEVEL)
    for key in ("citizen_cache_on", "citizen_cache_off"):
        directory = at(runs.get(key, []), GOAL_LEVEL)
        if ping is None or directory is None or not ping["rps"]:
            continue
        share = directory["rps"] / ping["rps"]
        met = share >= DIRECTORY_SHARE_OF_PING
        reason = (
            f"{directory['rps']:.0f} req/s, {share * 100:.0f} % of /ping/'s {ping['rps']:.0f} req/s at "
            f"{GOAL_LEVEL} users"
        )
        cost, ping_cost = server_cpu_per_request(directory), server_cpu_per_request(ping)
        if not met and cost is not None and ping_cost is not None:
            reason += (
                f": a request of the mix cost the server {cost * 1000:.1f} ms of CPU (gunicorn, PostgreSQL and "
                f"Redis) against {ping_cost * 1000:.1f} ms for /ping/, and the {load['config']['cores']} cores "
                f"were {directory['cpu']['busy'] * 100:.0f} % busy. While the CPU is the limit the mix reaches at "
                f"most {ping_cost / cost * 100:.0f} % of /ping/'s throughput; 25 % needs a request to cost at most "
                f"{ping_cost / DIRECTORY_SHARE_OF_PING * 1000:.1f} ms"
            )
        out.append((f"directory ({labels[key]}) throughput at {GOAL_LEVEL} users ≥ 25 % of /ping/'s", met, reason))
    for key, mix_runs in runs.items():
        if key == "ping":  # the baseline, no page anyone waits for
            continue
        single, loaded = at(mix_runs, 1), at(mix_runs, GOAL_LEVEL)
        if single is None or loaded is None or loaded["p99"] is None or not single["p50"]:
            continue
        ratio = loaded["p99"] / single["p50"]
        met = ratio <= P99_X_SINGLE_USER_P50
        reason = (
            f"p99 {ms(loaded['p99'])} at {GOAL_LEVEL} users, {ratio:.1f}× the single-user p50 of {ms(single['p50'])}"
        )
        if not met:
            reason += (
                f": {workers} gunicorn workers serve one request each, so {GOAL_LEVEL} users keep about "
                f"{GOAL_LEVEL / workers - 1:.0f} requests queued behind every one being served"
            )
        out.append((f"{labels[key]}: p99 at {GOAL_LEVEL} users ≤ 5× its single-user p50", met, reason))
    failed = [
        (labels[key], run["users"], e) for key, mix_runs in runs.items() for run in mix_runs for e in run["errors"]
    ]
    total = sum(e["count"] for _label, _users, e in failed)
    requests = sum(run["recorded"] for mix_runs in runs.values() for run in mix_runs)
    listed = "; ".join(
        f"{label} at {users} users: {e['count']}× {e['name']} → {e['status'] or 'no answer'} {e['error']}".rstrip()
        for label, users, e in failed[:10]
    )
    out.append(
        (
            "no error responses (anything but 2xx/3xx, or a redirect a page should not make)",
            total == 0,
            f"{total} of {requests:,} requests" + (f": {listed}" if listed else ""),
        )
    )
    return out
