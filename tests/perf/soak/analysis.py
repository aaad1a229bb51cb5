"""What the soak's records mean, as plain functions of plain data (no stack, no Django):
which error responses fall inside a fault's window, how much each process's RSS grew
after its warm-up, what the worker logs say each task did, and whether every goal of the
soak was met. ``tests/test_soak_analysis.py`` checks them."""

from __future__ import annotations

import ast
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GRACE = 5.0  # seconds after a fault's recovery still counted in its window
RSS_GROWTH_LIMIT = 0.10  # RSS may grow less than 10 % from after warm-up to the end
RSS_WINDOW = 30.0  # seconds of samples whose median is the baseline, and the end
RSS_MIN_SAMPLES = 3


@dataclass(frozen=True)
class Window:
    name: str
    start: float
    end: float  # the recovery plus the grace

    def overlaps(self, start: float, end: float) -> bool:
        return start <= self.end and end >= self.start


def fault_windows(faults: Iterable[dict[str, Any]], grace: float = GRACE) -> list[Window]:
    """One window per fault: from its start to its recovery plus ``grace``."""
    return [Window(f["name"], f["started"], f["recovered"] + grace) for f in faults]


def is_error(status: int) -> bool:
    """A 5xx, or no answer at all (0)."""
    return status == 0 or status >= 500


def classify_errors(requests: Iterable[tuple[str, float, float, int]], windows: Sequence[Window]) -> dict[str, Any]:
    """Requests as (kind, started, ended, status): the error responses inside a fault's
    window (a request overlapping it) and outside any, and the first few outside."""
    total = 0
    inside: dict[str, int] = defaultdict(int)
    outside: list[tuple[str, float, int]] = []
    statuses: dict[int, int] = defaultdict(int)
    for kind, started, ended, status in requests:
        total += 1
        statuses[status] += 1
        if not is_error(status):
            continue
        window = next((w for w in windows if w.overlaps(started, ended)), None)
        if window is None:
            outside.append((kind, round(started, 1), status))
        else:
            inside[window.name] += 1
    return {
        "requests": total,
        "statuses": dict(sorted(statuses.items())),
        "errors_inside": dict(inside),
        "errors_inside_total": sum(inside.values()),
        "errors_outside": len(outside),
        "outside_examples": outside[:20],
    }


def median_kib(samples: Sequence[tuple[float, int]], start: float, end: float) -> float | None:
    values = [kib for t, kib in samples if start <= t <= end]
    return statistics.median(values) if len(values) >= RSS_MIN_SAMPLES else None


def rss_growth(
    samples: Iterable[tuple[str, int, float, int]], warm_up: float, end: float, window: float = RSS_WINDOW
) -> list[dict[str, Any]]:
    """Per process (role, pid): the median RSS over ``window`` seconds once it is warm
    (``warm_up`` seconds after the soak started, or after the process was first seen if
    later: a replacement worker warms up from its own start), against the median over the
    last ``window`` seconds before ``end``. A process with too few samples in either (it
    was killed, or came too late) is listed with ``growth`` None."""
    series: dict[tuple[str, int], list[tuple[float, int]]] = defaultdict(list)
    for role, pid, t, kib in samples:
        series[(role, pid)].append((t, kib))
    found = []
    for (role, pid), points in sorted(series.items()):
        first, last = points[0][0], points[-1][0]
        warm = max(warm_up, first + warm_up)
        baseline = median_kib(points, warm, warm + window)
        final = median_kib(points, min(end, last) - window, min(end, last))
        measured = baseline is not None and final is not None and last >= end - window and warm + window < end - window
        growth = (final / baseline - 1) if measured and baseline and final is not None else None
        found.append(
            {
                "role": role,
                "pid": pid,
                "from": round(warm, 1),
                "to": round(min(end, last), 1),
                "baseline_mib": round(baseline / 1024, 1) if baseline else None,
                "end_mib": round(final / 1024, 1) if final else None,
                "peak_mib": round(max(kib for _t, kib in points) / 1024, 1),
                "growth": round(growth, 4) if growth is not None else None,
            }
        )
    return found


# ------------------------------------------------------------------ worker logs

TASK_LINE = re.compile(r"Task (?P<name>[\w.]+)\[(?P<id>[0-9a-f-]{36})\] (?P<event>received|succeeded|raised|retry)")
SUCCEEDED = re.compile(r"\] succeeded in (?P<seconds>[0-9.]+)s: (?P<result>.*)$")


def task_events(logs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per task id, from the worker logs in order: its name, how often it was received,
    succeeded, failed (raised) or was retried, how long each success took and its result."""
    tasks: dict[str, dict[str, Any]] = {}
    for log in logs:
        for line in log.splitlines():
            found = TASK_LINE.search(line)
            if found is None:
                continue
            task = tasks.setdefault(
                found["id"],
                {
                    "name": found["name"],
                    "received": 0,
                    "succeeded": 0,
                    "raised": 0,
                    "retry": 0,
                    "seconds": [],
                    "results": [],
                },
            )
            task[found["event"]] += 1
            done = SUCCEEDED.search(line)
            if found["event"] == "succeeded" and done is not None:
                task["seconds"].append(float(done["seconds"]))
                task["results"].append(parse_result(done["result"]))
    return tasks


def parse_result(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def once_each(tasks: dict[str, dict[str, Any]], published: Iterable[str]) -> dict[str, Any]:
    """Whether every task published finished exactly once, and whether any task in the
    logs ran to success more than once or failed; which were delivered again (their worker
    was lost) and which were tried again (their database was)."""
    published = list(published)
    lost = [task_id for task_id in published if tasks.get(task_id, {}).get("succeeded", 0) == 0]
    twice = sorted(task_id for task_id, t in tasks.items() if t["succeeded"] > 1)
    failed = sorted(task_id for task_id, t in tasks.items() if t["raised"])
    redelivered = sorted(task_id for task_id, t in tasks.items() if t["received"] > 1 and not t["retry"])
    retried = sorted(task_id for task_id, t in tasks.items() if t["retry"])
    return {
        "published": len(published),
        "lost": lost,
        "twice": twice,
        "failed": failed,
        "redelivered": redelivered,
        "retried": retried,
        "longest_seconds": max((s for t in tasks.values() for s in t["seconds"]), default=0.0),
        "by_name": {
            name: sum(1 for t in tasks.values() if t["name"] == name)
            for name in sorted({t["name"] for t in tasks.values()})
        },
    }
