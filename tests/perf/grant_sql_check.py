#!/usr/bin/env python
"""Does the bench's SQL limit make exactly the grant run's lines? (issue 13's eligible days)

Under ``scripts/test_services.sh`` (``DATABASE_URL`` set)::

    DJANGO_SETTINGS_MODULE=config.settings.test ./scripts/test_services.sh \
        .venv/bin/python tests/perf/grant_sql_check.py --periods 2026-11-01 2026-10-01

creates the database of ``DATABASE_URL`` (unless ``--reuse``), migrates, loads the reference
data and small scale data, then for each operating scheme and period: the run
(``run_refresh``), its lines, ``grant_sql_refresh`` into the same run, its lines, and every
difference (``compare_lines``), as ``make bench`` does. Exit status 1 if any.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def create_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")


# Changes added in the month (day, hour or None: the same recorded_at as the previous
# change, to status). Same day and same recorded_at: the run reads them in the order made.
EDGE_HISTORIES: list[list[tuple[int, int | None, str]]] = [
    [(10, 10, "suspended"), (10, 11, "certified")],  # two spans that meet: (…, 9) and (10, …)
    [(10, 12, "suspended"), (10, None, "certified")],  # a tie: read as made, certified again on the 10th
    [(8, 12, "suspended"), (15, 12, "certified"), (25, 12, "closed")],  # (1, 7) and (15, 24)
    [(1, 12, "suspended"), (15, 9, "certified"), (15, 10, "suspended")],  # a zero-length span only
    [(1, 12, "suspended"), (20, 12, "filed"), (20, 13, "certified")],  # good to good: one span
    [(5, 12, "revoked"), (40, 12, "certified")],  # a change after the month does not count
]


def edge_cases(period: datetime.date) -> list[int]:
    """Give a few IM-OPERATING providers awkward lifecycle histories, and move a stay
    of each to days 1-22 (split by the third history into 7 + 8 days: counted)."""
    from django.db.models import Count

    from registry.models import Provider, ProviderStatusChange, Resident, User
    from subsidies.rates import eligible_providers_q, scheme_by_code

    actor = User.objects.order_by("pk").first()
    assert actor is not None  # the scale data's staff
    busy = (
        Resident.objects.filter(admitted_on__lte=period, discharged_on__isnull=True, provider__status="certified")
        .filter(provider__in=Provider.objects.filter(eligible_providers_q(scheme_by_code("IM-OPERATING"))))
        .values("provider_id")
        .annotate(n=Count("id"))
        .filter(n__gte=10)
        .order_by("provider_id")
    )
    zone = datetime.timezone(datetime.timedelta(hours=8))
    providers = []
    for history, row in zip(EDGE_HISTORIES, busy, strict=False):
        recorded = None
        for day, hour, status in history:
            effective = period + datetime.timedelta(days=day - 1)
            if hour is not None:
                recorded = datetime.datetime.combine(effective, datetime.time(hour), tzinfo=zone)
            change = ProviderStatusChange.objects.create(
                provider_id=row["provider_id"],
                action="suspend",
                from_status="certified",
                to_status=status,
                reason="edge case",
                effective_on=effective,
                actor=actor,
            )
            ProviderStatusChange.objects.filter(pk=change.pk).update(recorded_at=recorded)
        stay = Resident.objects.filter(provider_id=row["provider_id"], discharged_on__isnull=True).first()
        assert stay is not None  # one stay per person and provider: move it to days 1-22
        Resident.objects.filter(pk=stay.pk).update(admitted_on=period, discharged_on=period + datetime.timedelta(21))
        providers.append(row["provider_id"])
    return providers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--residents", type=int, default=40000)
    parser.add_argument("--months", type=int, default=14)
    parser.add_argument("--periods", nargs="+", default=["2026-11-01", "2026-10-01"])
    parser.add_argument("--schemes", nargs="+", default=["BT-OPERATING", "IM-OPERATING"])
    parser.add_argument("--reuse", action="store_true", help="the database exists with its data")
    parser.add_argument(
        "--edge-cases", action="store_true", help="first add awkward lifecycle histories and stays (see edge_cases)"
    )
    parser.add_argument("--show", type=int, default=10, help="differences printed per scheme and period")
    args = parser.parse_args()
    if not args.reuse:
        create_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from perf import benchmarks as b

    if not args.reuse:
        call_command("migrate", verbosity=0)
        call_command("load_reference_data", stdout=io.StringIO())
        call_command(
            "generate_scale_data",
            "--providers",
            str(args.providers),
            "--residents",
            str(args.residents),
            "--months",
            str(args.months),
            stdout=io.StringIO(),
        )
    edged = edge_cases(datetime.date.fromisoformat(args.periods[0])) if args.edge_cases else []
    total = 0
    for period in (datetime.date.fromisoformat(p) for p in args.periods):
        for code in args.schemes:
            run = b.measure_grant_run(code, period)
            run_lines = b.grant_lines_snapshot(code, period)
            sql = b.grant_sql_refresh(code, period)
            sql_lines = b.grant_lines_snapshot(code, period)
            differences = b.compare_lines(run_lines, sql_lines)
            total += len(differences)
            spans = sum(len(line["basis"].get("eligible_days", [])) != 1 for line in run_lines.values())
            print(
                f"{code} {period:%Y-%m}: {len(run_lines)} lines ({spans} with other than one eligible span), "
                f"run {run.seconds:.2f} s, SQL {sql.seconds:.2f} s, {len(differences)} differences",
                flush=True,
            )
            for provider in edged if code == "IM-OPERATING" else []:
                line = run_lines[provider]
                print(
                    f"    edge case {provider}: eligible days {line['basis']['eligible_days']}, "
                    f"counted {line['basis']['residents_counted']}, holds {[h['code'] for h in line['holds']]}"
                )
            for difference in differences[: args.show]:
                print("   ", difference[:400])
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
