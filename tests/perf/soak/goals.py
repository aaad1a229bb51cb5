"""The soak's five goals (issue 20), each met or not with its figures, from the soak's
result: the requests classified by fault window, the worker logs' task events, what the
database said after the soak (``on_server.check``) and the RSS growth. Pure."""

from __future__ import annotations

from typing import Any

from .analysis import RSS_GROWTH_LIMIT

IMPORTED = "imported"


def goal(name: str, met: bool, figure: str, problems: list[str] | None = None) -> dict[str, Any]:
    return {"goal": name, "met": met, "figure": figure, "problems": problems or []}


def no_errors_outside(errors: dict[str, Any]) -> dict[str, Any]:
    inside = ", ".join(f"{name}: {n}" for name, n in errors["errors_inside"].items()) or "none"
    problems = [f"{kind} at {t} s → {status or 'no answer'}" for kind, t, status in errors["outside_examples"]]
    return goal(
        "no 5xx outside the restart windows",
        errors["errors_outside"] == 0,
        f"{errors['errors_outside']} outside, {errors['errors_inside_total']} inside ({inside}) "
        f"of {errors['requests']:,} requests",
        problems,
    )


def exactly_once(
    grant_tasks: list[dict[str, Any]],
    once: dict[str, Any],
    checks: dict[str, Any],
    visibility: float,
    alive: dict[str, str],
) -> dict[str, Any]:
    problems = [f"the {name} {state} during the soak" for name, state in alive.items() if state != "running"]
    problems += [f"grant run task {t} never finished" for t in once["lost"]]
    problems += [f"task {t} finished more than once" for t in once["twice"]]
    problems += [f"task {t} failed" for t in once["failed"]]
    runs = checks["grant_runs"]
    for run in runs:
        if run["runs_of_scheme_period_division"] != 1 or run["lines_twice"]:
            problems.append(f"run {run['scheme']} {run['period']}: {run['lines_twice']} lines twice")
        if not run["same_as_clean_run"]:
            problems.append(
                f"run {run['scheme']} {run['period']}: {run['lines']} lines, a clean run gives {run['clean_lines']}"
            )
    deferred = checks["deferred"]
    if deferred["pending_anywhere"]:
        problems.append(f"{deferred['pending_anywhere']} deferred tasks never sent")
    if once["longest_seconds"] >= visibility:
        problems.append(f"a task ran {once['longest_seconds']:.0f} s, past the visibility timeout ({visibility:.0f} s)")
    published = [t for t in grant_tasks if t["task_id"]]
    refused = len(grant_tasks) - len(published)
    return goal(
        "every task finished exactly once",
        not problems,
        f"{len(published)} grant-run tasks published ({refused} refused by the broker while it was down), "
        f"{len(published) - len(once['lost'])} finished once; of all tasks, {len(once['redelivered'])} delivered "
        f"again after their worker was killed, {len(once['retried'])} tried again after losing the database, "
        f"{len(once['twice'])} finished twice; {len(runs)} runs refreshed, "
        f"{sum(r['lines_twice'] for r in runs)} lines twice, {sum(r['same_as_clean_run'] for r in runs)} runs "
        f"the same as a clean run; tasks deferred while Redis was down: {deferred['created']}, "
        f"sent: {deferred['sent']}; "
        f"longest task {once['longest_seconds']:.1f} s",
        problems,
    )


def no_half_imports(imports: list[dict[str, Any]], unfinished_anywhere: int) -> dict[str, Any]:
    problems = []
    imported = 0
    for item in imports:
        rows, found = item["rows"], item["in_database"]
        if item["status"] == IMPORTED:
            imported += 1
            if found != rows:
                problems.append(f"upload {item['upload_id']}: imported, {found} of {rows} rows in the database")
        elif found:
            problems.append(f"upload {item['upload_id']} ({item['status']}): {found} of {rows} rows in the database")
    if unfinished_anywhere:
        problems.append(f"{unfinished_anywhere} uploads still checking or importing after the soak")
    others = sorted({str(item["status"]) for item in imports if item["status"] != IMPORTED})
    return goal(
        "no roster import half-applied",
        not problems,
        f"{len(imports)} uploads: {imported} imported with all their rows, {len(imports) - imported} with none "
        f"({', '.join(others) or 'no other'}); {unfinished_anywhere} left checking or importing",
        problems,
    )


def audit_complete(checks: dict[str, Any], verify_output: str) -> dict[str, Any]:
    audit = checks["audit"]
    problems = [] if audit["intact"] else [f"hash chain broken at entry {audit['first_break']}: {audit['reason']}"]
    runs = checks["grant_runs"]
    problems += [
        f"run {run['scheme']} {run['period']} (id {run['run']}) has no audit entry"
        for run in runs
        if run["audit_entries"] < 1
    ]
    for item in checks["imports"]:
        wanted = 1 if item["status"] == IMPORTED else 0
        if item["audit_imports"] != wanted:
            problems.append(f"upload {item['upload_id']} ({item['status']}): {item['audit_imports']} import entries")
    return goal(
        "the audit trail complete",
        not problems,
        f"hash chain {'intact' if audit['intact'] else 'BROKEN'} over {audit['checked']:,} entries "
        f"(`verify_audit`: {verify_output.strip() or '–'}); an entry for "
        f"{sum(r['audit_entries'] >= 1 for r in runs)} of {len(runs)} runs refreshed and "
        f"{sum(1 for i in checks['imports'] if i['status'] == IMPORTED and i['audit_imports'] == 1)} of "
        f"{sum(1 for i in checks['imports'] if i['status'] == IMPORTED)} imports",
        problems,
    )


def rss_flat(growth: list[dict[str, Any]]) -> dict[str, Any]:
    measured = [g for g in growth if g["growth"] is not None]
    problems = [
        f"{g['role']} {g['pid']}: {g['baseline_mib']} → {g['end_mib']} MiB (+{100 * g['growth']:.1f} %)"
        for g in measured
        if g["growth"] >= RSS_GROWTH_LIMIT
    ]
    if not measured:
        problems.append("no process had samples after its warm-up and at the end")
    by_role: dict[str, list[float]] = {}
    for g in measured:
        by_role.setdefault(g["role"], []).append(g["growth"])
    figure = "; ".join(
        f"{role} ({len(values)} measured): at most {100 * max(values):+.1f} %"
        for role, values in sorted(by_role.items())
    )
    return goal(
        f"RSS flat (< {100 * RSS_GROWTH_LIMIT:.0f} % growth after warm-up)", not problems, figure or "–", problems
    )


def soak_goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    checks = result["checks"]
    return [
        no_errors_outside(result["errors"]),
        exactly_once(
            result["grant_tasks"], result["tasks"], checks, result["visibility_timeout"], result["alive_at_end"]
        ),
        no_half_imports(checks["imports"], checks["imports_unfinished_anywhere"]),
        audit_complete(checks, result["verify_audit"]),
        rss_flat(result["rss"]),
    ]
