"""The soak's section of docs/performance.md, from one soak's result (``run.run_soak``):
what ran, the faults and their windows, each goal met or not with its figures. Written by
``make bench`` (the short soak, through ``tests/perf/report.py``) and by ``make soak``
(which replaces the section in place: ``replace_section``). Pure."""

from __future__ import annotations

from typing import Any

HEADING = "## Soak with faults"
MAKE_SOAK_MINUTES = 30.0  # `make soak`
MAKE_BENCH_MINUTES = 2.5  # the short soak inside `make bench`


def _s(seconds: float) -> str:
    return f"{seconds:.1f} s"


def soak_section(r: dict[str, Any]) -> list[str]:
    if "error" in r:
        return [
            f"{HEADING} (issue 20)",
            "",
            f"The soak ({r['minutes']:g} minutes, {r['started']} → {r['finished']}) did not finish, so none of its "
            f"goals is met: `{r['error'][:500]}`. Run `make soak SOAK_ARGS='--minutes {r['minutes']:g} --keep'` to "
            "keep the stack's logs.",
            "",
        ]
    lines: list[str] = []
    out = lines.append
    errors, load, checks = r["errors"], r["load"], r["checks"]
    seconds = load["ended"]
    out(f"{HEADING} (issue 20)")
    out("")
    out(
        f"One run of the soak (`tests/perf/soak/`; `make soak` runs it for {MAKE_SOAK_MINUTES:g} minutes, "
        f"`make bench` for {MAKE_BENCH_MINUTES:g}): {r['minutes']:g} minutes of moderate load on a stack of its "
        f"own, broken three times, then checked. Run {r['started']} → {r['finished']}."
    )
    out("")
    data = r["data"]
    imports = checks["imports"]
    published = [t for t in r["grant_tasks"] if t["task_id"]]
    out(
        "- **Stack**: gunicorn with `config.settings.prod` (4 sync workers, as `deploy/systemd/carereg-web.service`, "
        "but without `--max-requests` recycling), one Celery worker (concurrency 2) and one beat, PostgreSQL 15 "
        "(password authentication, the application's own role) and Redis (`appendonly yes`, `noeviction`, as "
        "docs/deploy.md asks) on loopback; the demo, plus "
        f"{data['scale_providers']:,} providers and {data['scale_residents']:,} residents of scale data."
    )
    out(
        f"- **Load**: {load['citizens']} citizens (directory with filters, provider pages, open data API and CSV, "
        f"home, the English directory) and {load['clerks']} clerks (workbench and changelists), each waiting "
        f"0.5 to 3 s between requests: {errors['requests']:,} requests in {seconds:.0f} s "
        f"({errors['requests'] / max(seconds, 1):.1f} per second)."
    )
    out(
        f"- **Background work**: a monthly grant run (`subsidies.tasks.refresh_monthly_runs`, every monthly scheme) "
        f"put on the queue every {load['grant_interval']:.0f} s as beat does, for each of the last months in turn "
        f"({len(published)} published); a clerk uploading residents rosters of "
        f"{imports[0]['rows'] if imports else 0:,} rows (more than `ROSTER_BACKGROUND_ROWS` = {r['background_rows']:,},"
        f" so checked and imported on Celery) through the back office and confirming each ({len(imports)} uploads)."
    )
    out("")
    out(f"| fault | started | recovered | window (+{r['grace']:.0f} s) | 5xx or no answer in it | at that moment |")
    out("| --- | --- | --- | --- | --- | --- |")
    for fault in r["faults"]:
        detail = "; ".join(f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in fault["detail"].items())
        out(
            f"| {fault['name']} | {_s(fault['started'])} | {_s(fault['recovered'])} "
            f"| {_s(fault['started'])} – {_s(fault['recovered'] + r['grace'])} "
            f"| {errors['errors_inside'].get(fault['name'], 0)} | {detail} |"
        )
    out("")
    out("| goal | | figures |")
    out("| --- | --- | --- |")
    for g in r["goals"]:
        out(f"| {g['goal']} | {'**met**' if g['met'] else '**not met**'} | {g['figure']} |")
    out("")
    for g in r["goals"]:
        for problem in g["problems"][:10]:
            out(f"- ❌ {g['goal']}: {problem}")
    if any(g["problems"] for g in r["goals"]):
        out("")
    out("| process | measured from → to | after warm-up | at the end | peak | growth |")
    out("| --- | --- | --- | --- | --- | --- |")
    for g in r["rss"]:
        growth = "–" if g["growth"] is None else f"{100 * g['growth']:+.1f} %"
        out(
            f"| {g['role']} {g['pid']} | {_s(g['from'])} → {_s(g['to'])} | {g['baseline_mib'] or '–'} MiB "
            f"| {g['end_mib'] or '–'} MiB | {g['peak_mib']} MiB | {growth} |"
        )
    out("")
    out("| requests | count | p50 | p95 |")
    out("| --- | --- | --- | --- |")
    for kind, v in r["by_kind"].items():
        out(f"| {kind} | {int(v['count']):,} | {v['p50_ms']:.0f} ms | {v['p95_ms']:.0f} ms |")
    out("")
    out(
        "- *Windows*: an error response counts inside a fault's window when the request overlapped the time from the "
        f"fault's start to its recovery (the new worker ready, Redis answering, `pg_ctl restart` back) plus "
        f"{r['grace']:.0f} s; every other 5xx, and every request that got no answer, counts outside."
    )
    out(
        "- *Exactly once*: Celery delivers at least once (`acks_late`, `reject_on_worker_lost`: a task of a killed "
        "worker is delivered again after the visibility timeout, here "
        f"{r['visibility_timeout']} s instead of production's 2 hours so that the soak sees it), and the tasks are "
        "idempotent, so *once* is a property of what they leave: every task published succeeds exactly once in the "
        "worker logs (none lost, none twice); each grant run is one row per scheme, month and division (a unique "
        "constraint) whose lines are each there once (unique per scheme, provider, month and subject) and equal a "
        "clean computation of the same run after the soak; each roster upload is imported with all its rows or "
        "none; no task is left deferred (`DeferredTask`: what could not be published while Redis was down is kept "
        f"and sent again — {_deferred_sender(r)})."
    )
    out(
        "- *RSS*: `VmRSS` of every gunicorn worker and Celery process every 3 s; the median over 30 s once warm "
        f"(after the first {r['schedule']['warm_up']:.0f} s of the soak, or of a process started later) against "
        "the median over the last 30 s of the load. The worker killed in the first fault is not measured; its "
        "replacement warms up from its own start, given a grant run per pool process as the first worker was. "
        "gunicorn's `--max-requests 2000` recycling "
        "(`deploy/systemd`) is off here, so that a leak shows as growth instead of being reset with the process."
    )
    out("")
    return lines


def _deferred_sender(r: dict[str, Any]) -> str:
    sent = r["drain"]["send_deferred_tasks"]
    if r["checks"]["deferred"]["created"] == 0:
        return "none was deferred in this run"
    if sent == "not needed":
        return "here by beat's five-minute schedule, during the load"
    return f"here, after the load, by `manage.py send_deferred_tasks` as beat would have within five minutes: {sent}"


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def replace_section(document: str, section: list[str]) -> str:
    """``document`` with its soak section replaced by ``section`` (up to the next ``## ``
    heading), or ``section`` put before its Notes, or at its end."""
    lines = document.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith(HEADING)), None)
    if start is None:
        notes = next((n for n, line in enumerate(lines) if line == "## Notes"), len(lines))
        return "\n".join([*lines[:notes], *section, *lines[notes:]]) + "\n"
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    return "\n".join([*lines[:start], *section, *lines[end:]]) + "\n"
