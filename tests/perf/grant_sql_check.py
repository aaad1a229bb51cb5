#!/usr/bin/env python
"""Does the bench's SQL limit make exactly the grant run's lines? (issue 13)

Eligible days, holds that only pause payment (no longer on lines), transfers between
providers and stays that share days (with and without a clerk's decision).

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
import json
import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


LOWERED_MIN_DAYS = 12  # a last pass for the 18/12 transfer: both homes have the days


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


class TwoHomes(NamedTuple):
    """One person's stays in the month of the edge cases: (first day, last day) per stay,
    None for a stay begun before the month or not ended; ``decision``: (kept, set aside),
    indexes of the stays; ``outside``: the first stay is at a home outside IM-OPERATING."""

    label: str
    stays: list[tuple[int | None, int | None]]
    decision: tuple[int, int] | None = None
    outside: bool = False


# Same person, two providers (DOMAIN §7), each at homes of its own; November has 30 days.
TWO_HOMES = [
    TwoHomes("transfer on the 10th/11th: the second home counts", [(None, 10), (11, None)]),
    TwoHomes("transfer 18/12 days: the first home counts", [(None, 18), (19, None)]),
    TwoHomes("tie 15/15 days: the later home counts", [(None, 15), (16, None)]),
    TwoHomes("one-day overlap on the 15th: flagged at both, counted at neither", [(None, 15), (15, None)]),
    TwoHomes("overlap 11-20 decided for the second: 10/20 days", [(None, 20), (11, None)], decision=(1, 0)),
    TwoHomes("overlap 11-20 decided for the first: 20/10 days", [(None, 20), (11, None)], decision=(0, 1)),
    TwoHomes(
        "all the second's days shared, decided for the first: 30/0 days", [(None, None), (11, 20)], decision=(0, 1)
    ),
    TwoHomes("overlap of two, then a third home for 15 days", [(None, 10), (5, 15), (16, None)]),
    TwoHomes("18 days at a home outside the scheme, 12 at one in it", [(None, 18), (19, None)], outside=True),
]


def two_homes(period: datetime.date) -> list[tuple[str, list[int]]]:
    """Add the people of ``TWO_HOMES`` at certified IM-OPERATING homes with no change of
    status since the month began (and a home outside the scheme where asked)."""
    from django.db.models import Count

    from registry.models import OverlapDecision, Provider, ProviderStatus, Resident, User
    from registry.periods import month_bounds
    from registry.selectors import in_care_during
    from safeguards.identifiers import make_id_number
    from subsidies.rates import eligible_providers_q, scheme_by_code

    actor = User.objects.order_by("pk").first()
    assert actor is not None  # the scale data's staff
    scheme = scheme_by_code("IM-OPERATING")
    # Homes of no other person at two providers in the month: their lines speak of these only.
    month = Resident.objects.filter(in_care_during(*month_bounds(period)))
    moved = month.values("id_number_hash").annotate(n=Count("provider_id", distinct=True)).filter(n__gt=1)
    steady = (
        Provider.objects.filter(status=ProviderStatus.CERTIFIED, filed_on__lt=period)
        .exclude(status_changes__effective_on__gte=period)
        .exclude(pk__in=month.filter(id_number_hash__in=moved.values("id_number_hash")).values("provider_id"))
    )
    homes = iter(steady.filter(eligible_providers_q(scheme)).order_by("-pk").values_list("pk", flat=True))
    others = iter(
        steady.filter(kind__in=scheme.provider_kinds)
        .exclude(eligible_providers_q(scheme))
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    cases = []
    for n, case in enumerate(TWO_HOMES):
        number = make_id_number("150203", datetime.date(1920, 1, 1) + datetime.timedelta(days=n), 900 + n)
        providers, stays = [], []
        for i, (first_day, last_day) in enumerate(case.stays):
            provider = next(others) if case.outside and i == 0 else next(homes)
            admitted = period.replace(day=first_day) if first_day else period - datetime.timedelta(days=200 + n)
            stays.append(
                Resident.objects.create(
                    provider_id=provider,
                    name=f"边界{n}",
                    id_number=number,
                    admitted_on=admitted,
                    discharged_on=period.replace(day=last_day) if last_day else None,
                    care_level="disabled",
                )
            )
            providers.append(provider)
        if case.decision:
            kept, set_aside = case.decision
            OverlapDecision.objects.create(
                kept=stays[kept], set_aside=stays[set_aside], note="edge case", decided_by=actor
            )
        cases.append((case.label, providers))
    return cases


def print_two_homes(cases: list[tuple[str, list[int]]], lines: dict[int, dict[str, Any]]) -> None:
    for label, providers in cases:
        print(f"    {label}:")
        for provider in providers:
            line = lines.get(provider)
            if line is None:
                print(f"        {provider}: no line (outside the scheme)")
                continue
            basis = line["basis"]
            providers_flagged = [json.loads(f)["providers"] for f in line["flags"]]
            print(
                f"        {provider}: counted {basis['residents_counted']}, "
                f"elsewhere {basis.get('residents_counted_at_another_provider', '-')}, "
                f"in conflict {basis['residents_excluded_as_duplicates']}, flags {providers_flagged}"
            )


def compare(b: Any, code: str, period: datetime.date, title: str, show: int) -> tuple[int, dict[int, Any]]:
    """Run and SQL limit for one scheme and period: the differences, and the run's lines."""
    run = b.measure_grant_run(code, period)
    run_lines = b.grant_lines_snapshot(code, period)
    sql = b.grant_sql_refresh(code, period)
    sql_lines = b.grant_lines_snapshot(code, period)
    differences = b.compare_lines(run_lines, sql_lines)
    spans = sum(len(line["basis"].get("eligible_days", [])) != 1 for line in run_lines.values())
    elsewhere = sum("residents_counted_at_another_provider" in line["basis"] for line in run_lines.values())
    flagged = sum(bool(line["flags"]) for line in run_lines.values())
    print(
        f"{title}: {len(run_lines)} lines ({spans} with other than one eligible span, {flagged} flagged, "
        f"{elsewhere} with residents counted at another provider), "
        f"run {run.seconds:.2f} s, SQL {sql.seconds:.2f} s, {len(differences)} differences",
        flush=True,
    )
    for difference in differences[:show]:
        print("   ", difference[:400])
    return len(differences), run_lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--residents", type=int, default=40000)
    parser.add_argument("--months", type=int, default=14)
    parser.add_argument("--periods", nargs="+", default=["2026-11-01", "2026-10-01"])
    parser.add_argument("--schemes", nargs="+", default=["BT-OPERATING", "IM-OPERATING"])
    parser.add_argument("--reuse", action="store_true", help="the database exists with its data")
    parser.add_argument(
        "--edge-cases",
        action="store_true",
        help="first add awkward lifecycle histories and stays (see edge_cases), and people at two "
        "providers in the first period (TWO_HOMES: transfers, a tie, overlaps, decisions), "
        f"then compare IM-OPERATING again with min days {LOWERED_MIN_DAYS}",
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
    paired = two_homes(datetime.date.fromisoformat(args.periods[0])) if args.edge_cases else []
    total = 0
    for period in (datetime.date.fromisoformat(p) for p in args.periods):
        for code in args.schemes:
            found, run_lines = compare(b, code, period, f"{code} {period:%Y-%m}", args.show)
            total += found
            for provider in edged if code == "IM-OPERATING" else []:
                line = run_lines[provider]
                print(
                    f"    edge case {provider}: eligible days {line['basis']['eligible_days']}, "
                    f"counted {line['basis']['residents_counted']}, holds {[h['code'] for h in line['holds']]}"
                )
            if code == "IM-OPERATING" and period == datetime.date.fromisoformat(args.periods[0]):
                print_two_homes(paired, run_lines)
    if args.edge_cases and "IM-OPERATING" in args.schemes:
        # With N lowered to 12 both homes of the 18/12 transfer have the days: the most wins.
        from subsidies.models import SubsidyScheme

        period = datetime.date.fromisoformat(args.periods[0])
        n = SubsidyScheme.objects.get(code="IM-OPERATING").occupancy_min_days
        SubsidyScheme.objects.filter(code="IM-OPERATING").update(occupancy_min_days=LOWERED_MIN_DAYS)
        try:
            found, run_lines = compare(
                b, "IM-OPERATING", period, f"IM-OPERATING {period:%Y-%m}, min days {LOWERED_MIN_DAYS}", args.show
            )
        finally:
            SubsidyScheme.objects.filter(code="IM-OPERATING").update(occupancy_min_days=n)
        total += found
        print_two_homes(paired, run_lines)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
