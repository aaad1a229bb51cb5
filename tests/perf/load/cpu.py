"""Who used the CPU during a load run (Linux ``/proc``): the whole machine, gunicorn,
PostgreSQL, Redis and Locust. The machine is shared: what none of these used is shown as
"other" (``docs/performance.md`` says how much the figures suffered from it).

A process tree's CPU is its processes' user and system time plus what their ended
children left them (``cutime``/``cstime``), so that a gunicorn worker recycled by
``--max-requests`` or a PostgreSQL backend that closed still counts.
"""

from __future__ import annotations

import os
import resource
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def machine_seconds() -> tuple[float, float]:
    """The machine's busy and total CPU seconds so far, all cores (``/proc/stat``)."""
    with open("/proc/stat", encoding="ascii") as proc:
        fields = [int(x) for x in proc.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / TICKS, sum(fields) / TICKS


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:  # ended meanwhile
        return None
    return text.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            tree[int(fields[1])].append(int(entry.name))
    return tree


def parent_of(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields is not None else None


def tree_seconds(pid: int, tree: Mapping[int, list[int]] | None = None) -> float:
    """CPU seconds of ``pid`` and every process under it, ended children included."""
    tree = _children() if tree is None else tree
    fields = _stat(pid)
    if fields is None:
        return 0.0
    own = sum(int(x) for x in fields[11:15]) / TICKS  # utime, stime, cutime, cstime
    return own + sum(tree_seconds(child, tree) for child in tree.get(pid, []))


def children_seconds() -> float:
    """CPU seconds of this process's ended children (Locust, once waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def snapshot(pids: Mapping[str, int]) -> dict[str, float]:
    """Now: the machine's busy and total seconds, each named process tree's, Locust's."""
    busy, total = machine_seconds()
    tree = _children()
    return {
        "busy": busy,
        "total": total,
        "locust": children_seconds(),
        **{name: tree_seconds(pid, tree) for name, pid in pids.items()},
    }


SERVER_PARTS = ("gunicorn", "postgresql", "redis")


def used(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, Any]:
    """What each part used between two snapshots: CPU seconds, and shares of the machine's
    capacity (1.0: every core busy the whole time), ``other`` being what the machine did
    besides (other work on a shared machine)."""
    capacity = max(after["total"] - before["total"], 1e-9)
    seconds = {name: after[name] - before[name] for name in after if name not in {"busy", "total"}}
    busy = after["busy"] - before["busy"]
    seconds["other"] = max(busy - sum(seconds.values()), 0.0)
    return {
        "busy": busy / capacity,
        "share": {name: value / capacity for name, value in seconds.items()},
        "seconds": seconds,
        "server_seconds": sum(seconds.get(name, 0.0) for name in SERVER_PARTS),
    }
