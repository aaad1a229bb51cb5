#!/usr/bin/env python
"""Region-scale benchmark (issue 8): ``make bench``, or ``python tests/perf/bench.py``.

Needs ``DATABASE_URL`` pointing at a PostgreSQL server (``make bench`` starts a
throwaway one with ``scripts/test_services.sh``). On that server it (re)creates its own
database (``--db``, default ``carereg_bench``; the name must contain "bench"), migrates,
loads the reference data, generates the scale data (``demo.scale``) and
measures, for each case, the time, the limit measured in the same run and their ratio:

- roster import of a residents .xlsx (our engine: read, validate, preview, commit) vs
  the fastest parse + COPY of the same rows, and vs django-import-export's defaults;
- the monthly operating grant run vs one hand-written SQL aggregate + INSERT … SELECT
  (the lines are compared and must be the same);
- the public directory list (10 filter combinations × page sizes 20 and 100) vs a bare
  view of the same rows: queries per request, p50/p95;
- the admin changelists of providers and residents: p95;
- inspection planning and reminders: time and queries;
- peak memory (RSS, ``VmHWM`` reset before the case) of the import and of the grant
  run, each in a subprocess of its own;
- a short soak with faults (``tests/perf/soak/``, issue 20: ``MAKE_BENCH_MINUTES`` of moderate
  load on a stack of its own while the worker is killed and Redis and PostgreSQL restart);

- under load (issue 20, ``tests/perf/load/``): gunicorn with the production settings and
  Locust at 1, 8, 32 and 64 concurrent users: ``/ping/``, the citizen mix with the page
  cache off and on, the clerk mix and the provider-portal mix;

and whether the number of queries of the directory, admin, planning, reminders and
grant run stays the same when the number of providers doubles (on small data). It then
writes ``docs/performance.md`` (``--output``).

``--quick`` runs only the small-data query counts (what ``tests/test_bench_quick.py``
asserts in ``make test``; it never starts gunicorn). ``--reuse`` keeps an existing bench
database and its data. ``--skip-load`` leaves the load section out; ``--load-only`` runs
only it (on the data there is, or generated at the sizes given) and prints its table
instead of writing ``docs/performance.md`` (raw figures in ``var/bench-load.json``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
RESULT_PREFIX = "BENCH-RESULT "


@dataclass(frozen=True)
class Sizes:
    providers: int
    residents: int
    months: int
    import_rows: int
    import_rows_small: int  # a second, smaller file: does the import's memory grow with the file?
    repeats: int  # requests per directory / admin case


IMPORT_ATTEMPTS = 2  # runs of our engine and of the limit per file; the faster counts

# 50 requests per directory and admin case: each p95 from at least 50 (issue 20).
FULL = Sizes(providers=20_000, residents=500_000, months=24, import_rows=100_000, import_rows_small=25_000, repeats=50)
QUICK = Sizes(providers=300, residents=3_000, months=3, import_rows=2_000, import_rows_small=1_000, repeats=1)


# ------------------------------------------------------------------ database


def database_url(name: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench: DATABASE_URL must point at PostgreSQL (make bench starts one).")
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(name: str) -> None:
    """Drop and create the bench database (only ever one whose name says it is one)."""
    import psycopg

    if "bench" not in name:
        sys.exit(f"bench: refusing to recreate {name!r}: the database name must contain 'bench'.")
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(name: str, *, fresh: bool) -> None:
    if os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings.prod":
        sys.exit("bench: refusing to run with the production settings.")
    if fresh:
        recreate_database(name)
    os.environ["DATABASE_URL"] = database_url(name)
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per admin login otherwise


def prepare_data(sizes: Sizes, *, fresh: bool, say: Any) -> dict[str, Any]:
    """Migrate, load reference data, generate the scale data (unless reused)."""
    from django.core.management import call_command

    from demo.scale import default_anchor, generate
    from registry.models import Provider

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not fresh and Provider.objects.exists():
        say("reusing the scale data already in the database")
        return {"seconds": None, "lines": ["(reused)"], "anchor": default_anchor()}
    summary = generate(
        providers=sizes.providers, residents=sizes.residents, months=sizes.months, progress=lambda m: say(f"  {m}")
    )
    for line in summary.lines():
        say(line)
    return {"seconds": summary.seconds, "lines": summary.lines(), "anchor": summary.anchor}


# ------------------------------------------------------------------ children


def child_main(args: argparse.Namespace) -> None:
    """One measured case in a fresh process, so that its peak RSS is its own."""
    setup_django(args.db, fresh=False)
    from perf import benchmarks as b

    b.reset_peak_rss()
    result: dict[str, Any] = {"rss_before_mb": b.rss_mb()}
    if args.child in {"import-ours", "import-limit", "import-export"}:
        data = Path(args.file).read_bytes()
        fn = {"import-ours": b.import_ours, "import-limit": b.import_limit, "import-export": b.import_export_defaults}
        outcome = fn[args.child](data)
        result.update(asdict(outcome), seconds=outcome.seconds)
    elif args.child == "grant":
        period = datetime.date.fromisoformat(args.period)
        first = b.measure_grant_run(args.scheme, period, fresh=True)
        again = b.measure_grant_run(args.scheme, period, fresh=False)
        result.update(
            seconds_first=first.seconds,
            seconds_again=again.seconds,
            seconds=min(first.seconds, again.seconds),
            queries=first.queries,
            lines=first.result.lines.count(),
        )
    result["peak_rss_mb"] = b.peak_rss_mb()
    print(RESULT_PREFIX + json.dumps(result, default=str))


def run_child(db: str, *arguments: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--db", db, "--child", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)  # noqa: S603
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])  # type: ignore[no-any-return]
    sys.stderr.write(done.stdout + done.stderr)
    raise RuntimeError(f"bench child {arguments} failed with exit code {done.returncode}")


# ------------------------------------------------------------------ query counts (quick)


def query_counts(anchor: datetime.date) -> dict[str, int]:
    """The number of queries of every counted case, on the data there is now."""
    from perf import benchmarks as b

    counts: dict[str, int] = {}
    b.take_indicator_snapshots(recompute=True)  # what the dashboard reads
    directory = b.directory_samples(repeats=1)
    for size in b.DIRECTORY_PAGE_SIZES:
        counts[f"directory list, page size {size} (max over 10 filters)"] = max(
            s.queries for s in directory if s.size == size
        )
    admin = b.admin_samples(repeats=1)
    for name in b.ADMIN_LISTS:
        counts[f"admin {name} changelist (max over 3 users)"] = max(s.queries for s in admin if s.case.startswith(name))
    workbench = b.workbench_samples(repeats=1)
    for name in b.WORKBENCH_PAGES:
        counts[f"{name} (max over {len(b.WORKBENCH_USERS)} users)"] = max(
            s.queries for s in workbench if s.case.startswith(name)
        )
    on = b.reminder_day(anchor)
    counts["inspection planning"] = b.measure_planning(on).queries
    counts["reminders: create"] = b.measure_reminders(on).queries
    digests = b.measure_digests()
    counts["reminders: send digests (beyond one per digest sent)"] = digests.queries - digests.result
    period = b.operating_period(anchor)
    for code in ("BT-OPERATING", "IM-OPERATING"):
        counts[f"grant run {code}"] = b.measure_grant_run(code, period).queries
    return counts


def import_counts(rows: int) -> int:
    from perf import benchmarks as b

    data = b.build_roster_xlsx(rows, seed=rows)
    marks = b.imported_marks()
    try:
        return b.import_ours(data).queries
    finally:
        b.remove_imported(marks)


def growth_check(sizes: Sizes, say: Any) -> dict[str, Any]:
    """Query counts with N providers, then with 2N (the same data once more, added)."""
    from demo.scale import generate

    half = Sizes(sizes.providers // 2, sizes.residents // 2, sizes.months, 0, 0, 1)
    first = generate(providers=half.providers, residents=half.residents, months=half.months, force=True)
    at_n = query_counts(first.anchor)
    generate(providers=half.providers, residents=half.residents, months=half.months, force=True, seed=9)
    at_2n = query_counts(first.anchor)
    imports = {
        sizes.import_rows_small: import_counts(sizes.import_rows_small),
        sizes.import_rows: import_counts(sizes.import_rows),
    }
    rows = [(name, at_n[name], at_2n[name]) for name in at_n]
    rows.append(
        (
            f"roster import, {sizes.import_rows_small:,} → {sizes.import_rows:,} rows",
            imports[sizes.import_rows_small],
            imports[sizes.import_rows],
        )
    )
    say(f"query counts with {half.providers} → {2 * half.providers} providers: done")
    return {"providers": [half.providers, 2 * half.providers], "rows": rows}


# ------------------------------------------------------------------ full run


def machine() -> dict[str, str]:
    from django.db import connection

    memory = ""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cores": str(os.cpu_count()),
        "memory": memory,
        "uname": " ".join(platform.uname()),
        "python": platform.python_version(),
        "postgresql": postgres,
        "load average (1, 5, 15 min) at the start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def full_run(args: argparse.Namespace, sizes: Sizes, say: Any) -> dict[str, Any]:
    from perf import benchmarks as b
    from perf.soak.run import run_soak
    from perf.soak.section import MAKE_BENCH_MINUTES

    results: dict[str, Any] = {"sizes": asdict(sizes), "started": datetime.datetime.now().astimezone().isoformat()}
    results["machine"] = machine()
    data = prepare_data(sizes, fresh=not args.reuse, say=say)
    results["generation"] = data
    anchor = data["anchor"]
    results["counts"] = table_counts()

    say("public directory …")
    real = b.directory_samples(repeats=sizes.repeats)
    bare = b.directory_samples(repeats=sizes.repeats, bare=True)
    mismatched = sorted(
        {f"{r.case} / {r.size}" for r, x in zip(real, bare, strict=True) if x.rows and r.rows != x.rows}
    )
    results["directory"] = {
        "real": {size: b.summarise([s for s in real if s.size == size]) for size in b.DIRECTORY_PAGE_SIZES},
        "bare": {size: b.summarise([s for s in bare if s.size == size]) for size in b.DIRECTORY_PAGE_SIZES},
        "cases": [
            {
                "case": case,
                "size": size,
                "p50_ms": 1000 * b.percentile([s.seconds for s in real if (s.case, s.size) == (case, size)], 0.5),
                "p95_ms": 1000 * b.percentile([s.seconds for s in real if (s.case, s.size) == (case, size)], 0.95),
                "bare_p50_ms": 1000 * b.percentile([s.seconds for s in bare if (s.case, s.size) == (case, size)], 0.5),
                "queries": max(s.queries for s in real if (s.case, s.size) == (case, size)),
                "slowest_query_ms": 1000 * max(s.slowest_sql[0] for s in real if (s.case, s.size) == (case, size)),
            }
            for case, _params in b.DIRECTORY_CASES
            for size in b.DIRECTORY_PAGE_SIZES
        ],
        "rows_differ": mismatched,
    }

    say("admin changelists …")
    admin = b.admin_samples(repeats=sizes.repeats)
    results["admin"] = [
        {
            "case": case,
            **b.summarise([s for s in admin if s.case == case]),
            "slowest_query_ms": 1000 * max(s.slowest_sql[0] for s in admin if s.case == case),
            "slowest_query": max((s.slowest_sql for s in admin if s.case == case), key=lambda q: q[0])[1][:400],
        }
        for case in dict.fromkeys(s.case for s in admin)
    ]

    say("indicator snapshots (24 months) …")
    snapshots = b.take_indicator_snapshots(recompute=True)
    results["indicator_snapshots"] = {"seconds": snapshots.seconds, "queries": snapshots.queries}
    say("workbench and dashboard …")
    workbench = b.workbench_samples()
    results["workbench"] = [
        {
            "case": case,
            **b.summarise([s for s in workbench if s.case == case]),
            "slowest_query_ms": 1000 * max(s.slowest_sql[0] for s in workbench if s.case == case),
            "slowest_query": max((s.slowest_sql for s in workbench if s.case == case), key=lambda q: q[0])[1][:400],
        }
        for case in dict.fromkeys(s.case for s in workbench)
    ]

    say("planning and reminders …")
    on = b.reminder_day(anchor)
    planning, reminders, digests = b.measure_planning(on), b.measure_reminders(on), b.measure_digests()
    results["inspections"] = {
        "on": on.isoformat(),
        "planning": {
            "seconds": planning.seconds,
            "queries": planning.queries,
            "created": sum(n for regime, n in planning.result.items() if regime != "cancelled"),
        },
        "reminders": {"seconds": reminders.seconds, "queries": reminders.queries, "created": reminders.result},
        "digests": {"seconds": digests.seconds, "queries": digests.queries, "sent": digests.result},
    }

    say("grant runs …")
    period = b.operating_period(anchor)
    results["grant"] = {"period": period.isoformat(), "schemes": {}}
    for code in ("BT-OPERATING", "IM-OPERATING"):
        orm = run_child(args.db, "grant", "--scheme", code, "--period", period.isoformat())
        orm_lines = b.grant_lines_snapshot(code, period)
        sql = b.grant_sql_refresh(code, period)
        sql_lines = b.grant_lines_snapshot(code, period)
        differences = b.compare_lines(orm_lines, sql_lines)
        results["grant"]["schemes"][code] = {
            "orm": orm,
            "sql": {"seconds": sql.seconds, "queries": sql.queries, "lines": sql.result},
            "lines": len(orm_lines),
            "payable_total": str(sum(line["amount"] for line in orm_lines.values() if not line["holds"])),
            "differences": differences[:20],
            "difference_count": len(differences),
        }
        say(f"  {code}: run {orm['seconds']:.2f} s, SQL {sql.seconds:.2f} s, {len(differences)} differences")

    say("roster imports …")
    results["import"] = imports(args, sizes, say)
    say(f"soak with faults ({MAKE_BENCH_MINUTES} minutes, a stack of its own) …")
    results["soak"] = run_soak(minutes=MAKE_BENCH_MINUTES, say=say)
    results["finished"] = datetime.datetime.now().astimezone().isoformat()
    return results


def imports(args: argparse.Namespace, sizes: Sizes, say: Any) -> dict[str, Any]:
    from perf import benchmarks as b

    outcome: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for rows in (sizes.import_rows, sizes.import_rows_small):
            path = Path(folder) / f"residents-{rows}.xlsx"
            started = time.perf_counter()
            path.write_bytes(b.build_roster_xlsx(rows))
            files[rows] = path
            built = time.perf_counter() - started
            say(f"  {rows:,}-row file: {path.stat().st_size / 1e6:.1f} MB, built in {built:.1f} s")
        outcome["file_mb"] = files[sizes.import_rows].stat().st_size / 1e6
        # Our engine and the limit: the faster of two runs each, taken in turn (ours, limit,
        # ours, limit) so that both meet the same machine; a single run of either moved by
        # up to a fifth between bench runs. django-import-export's defaults run once.
        cases = [
            ("ours", "import-ours", sizes.import_rows, IMPORT_ATTEMPTS),
            ("limit", "import-limit", sizes.import_rows, IMPORT_ATTEMPTS),
            ("ours_small", "import-ours", sizes.import_rows_small, IMPORT_ATTEMPTS),
            ("limit_small", "import-limit", sizes.import_rows_small, IMPORT_ATTEMPTS),
            ("import_export", "import-export", sizes.import_rows, 1),
        ]
        attempts: dict[str, list[dict[str, Any]]] = {key: [] for key, *_rest in cases}
        rounds = max(n for *_rest, n in cases)
        for attempt in range(rounds):
            for key, child, rows, wanted in cases:
                if attempt >= wanted:
                    continue
                marks = b.imported_marks()
                try:
                    attempts[key].append(run_child(args.db, child, "--file", str(files[rows])))
                finally:
                    b.remove_imported(marks)
                say(
                    f"  {key} (run {attempt + 1}): {attempts[key][-1]['seconds']:.1f} s, "
                    f"peak RSS {attempts[key][-1]['peak_rss_mb']:.0f} MB"
                )
        for key, runs in attempts.items():
            outcome[key] = {**min(runs, key=lambda run: run["seconds"]), "attempts": [run["seconds"] for run in runs]}
    return outcome


def table_counts() -> dict[str, int]:
    from registry.models import Caregiver, FeeItem, Licence, Provider, ProviderStatusChange, Resident

    return {
        model._meta.verbose_name_plural.__str__(): model.objects.count()
        for model in (Provider, ProviderStatusChange, Resident, Caregiver, FeeItem, Licence)
    }


# ------------------------------------------------------------------ main


def sizes_from(args: argparse.Namespace) -> Sizes:
    base = FULL
    rows = args.import_rows or base.import_rows
    return Sizes(
        providers=args.providers or base.providers,
        residents=args.residents if args.residents is not None else base.residents,
        months=args.months or base.months,
        import_rows=rows,
        import_rows_small=rows // 4,
        repeats=args.repeats or base.repeats,
    )


def load_section_figures(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    from perf.load.run import RUN_SECONDS, run_load

    say("under load: gunicorn (production settings) and Locust …")
    return run_load(say, seconds=args.load_seconds or RUN_SECONDS)


def load_only(args: argparse.Namespace, sizes: Sizes, say: Any) -> None:
    """The load section alone, on the bench database's data (generated unless reused)."""
    from perf.report_load import load_section

    setup_django(args.db, fresh=not args.reuse)
    prepare_data(sizes, fresh=not args.reuse, say=say)
    load = load_section_figures(args, say)
    raw = ROOT / "var" / "bench-load.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(load, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    say("\n".join(load_section(load)))
    say(f"raw figures in {raw}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, query counts only")
    parser.add_argument(
        "--db", default="carereg_bench", help="bench database (recreated; its name must contain 'bench')"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the bench database and its data")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--providers", type=int)
    parser.add_argument("--residents", type=int)
    parser.add_argument("--months", type=int)
    parser.add_argument("--import-rows", type=int)
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--skip-load", action="store_true", help="leave out the load section (gunicorn + Locust)")
    parser.add_argument("--load-only", action="store_true", help="only the load section; print its table")
    parser.add_argument("--load-seconds", type=int, help="time cap of each load run (default 20 s)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--scheme", help=argparse.SUPPRESS)
    parser.add_argument("--period", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "growth":
        setup_django(args.db, fresh=True)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_reference_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
        growth = growth_check(QUICK, lambda message: print(message, file=sys.stderr, flush=True))
        print(RESULT_PREFIX + json.dumps(growth))
        return
    if args.child:
        child_main(args)
        return

    def say(message: str) -> None:
        print(message, flush=True)

    if args.load_only:
        load_only(args, sizes_from(args), say)
        return
    # Query counts first, on small data in a database of their own (a child process).
    say("query counts on small data, N and 2N providers …")
    growth = run_child(args.db + "_quick", "growth")
    say(f"query counts with {growth['providers'][0]} → {growth['providers'][1]} providers:")
    for name, at_n, at_2n in growth["rows"]:
        say(f"  {name:<62} {at_n:>6} → {at_2n:>6}  {'same' if at_n == at_2n else 'GROWS'}")
    if args.quick:
        return
    sizes = sizes_from(args)
    setup_django(args.db, fresh=not args.reuse)
    results = full_run(args, sizes, say)
    results["growth"] = growth
    if not args.skip_load:
        results["load"] = load_section_figures(args, say)
        results["finished"] = datetime.datetime.now().astimezone().isoformat()
    from perf.report import write_report

    Path(args.output).write_text(write_report(results), encoding="utf-8")
    raw = ROOT / "var" / "bench-results.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    say(f"wrote {args.output} (raw figures in {raw})")


if __name__ == "__main__":
    main()
