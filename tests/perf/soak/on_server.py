#!/usr/bin/env python
"""The soak's Django side, run in a process of its own with the soak's production settings
(``Stack.python``): the soak's driver itself talks to the stack only over HTTP, Redis and
SQL, as users, beat and an operator do.

- ``prepare``: the residents rosters the clerk will upload (each a few hundred rows more
  than ``ROSTER_BACKGROUND_ROWS``, so that checking and importing run on Celery; names
  marked by file, so that the rows of each import can be counted; admitted this month,
  so that no grant run of a past month changes), and the addresses of published
  providers for the citizens.
- ``check``: after the soak, what the database says about every grant run, roster import
  and deferred task of the soak, and whether the audit trail is complete.

Both print one JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import django

ROSTER_BIRTH = datetime.date(1960, 1, 1)  # born 1960-1964: nobody in the scale data (as the bench's rosters)
FIRST_SEQUENCE_BLOCK = 700  # ID number sequences 700 and up: none in the demo or scale data
MARKER = "浸泡"  # "soak": the first characters of every name a soak roster brings


def marker(number: int) -> str:
    return f"{MARKER}{number}-"


def valid_area(code: str) -> bool:
    """Whether ID numbers may carry this division's code (a development zone's may not)."""
    from django.core.exceptions import ValidationError

    from safeguards.identifiers import make_id_number, validate_id_number

    try:
        validate_id_number(make_id_number(code, ROSTER_BIRTH, 0))
    except ValidationError:
        return False
    return True


def prepare(count: int, extra_rows: int, folder: Path, username: str) -> dict[str, Any]:
    from django.conf import settings
    from django.utils import timezone
    from openpyxl import Workbook

    from demo.scale_people import IdNumbers
    from registry.models import CareLevel, Provider, ProviderStatus, User
    from registry.public import public_providers
    from registry.rosters.cells import chinese_label
    from registry.rosters.kinds import RESIDENTS

    user = User.objects.get(username=username)
    if user.jurisdiction is None:
        raise SystemExit(f"{username} has no jurisdiction to import rosters into")
    usccs = list(
        Provider.objects.filter(
            division__path__startswith=user.jurisdiction.path,
            status__in=[ProviderStatus.FILED, ProviderStatus.CERTIFIED],
            beds__gt=0,
        ).values_list("uscc", "division__code")
    )
    usccs = [(uscc, area) for uscc, area in usccs if valid_area(area)]
    if not usccs:
        raise SystemExit(f"no operating provider with beds in {username}'s jurisdiction")
    rows = settings.ROSTER_BACKGROUND_ROWS + max(extra_rows, 1)
    numbers = IdNumbers(ROSTER_BIRTH, 5, FIRST_SEQUENCE_BLOCK * 5 * 365)
    care_levels = [chinese_label(CareLevel, c) for c in CareLevel.values]
    today = timezone.localdate()
    rng = random.Random(20)
    files = []
    for number in range(1, count + 1):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("入住老人")
        sheet.append([column.header for column in RESIDENTS.columns])
        for row in range(rows):
            uscc, area = rng.choice(usccs)  # the ID number's area: where the provider is
            sheet.append(
                [
                    numbers.make(area),
                    f"{marker(number)}{row}",
                    uscc,
                    f"{rng.randint(1, 6)}{rng.randint(1, 10):02d}-{rng.randint(1, 2)}",
                    today.replace(day=rng.randint(1, today.day)).isoformat(),
                    "",
                    rng.choice(care_levels),
                    "",
                    "",
                ]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        path = folder / f"soak-residents-{number}.xlsx"
        path.write_bytes(buffer.getvalue())
        files.append({"number": number, "path": str(path), "marker": marker(number), "rows": rows})
    published = list(public_providers().order_by("pk").values_list("uscc", flat=True)[:400])
    return {"rosters": files, "usccs": published, "background_rows": settings.ROSTER_BACKGROUND_ROWS}


# ------------------------------------------------------------------ after the soak


def check(plan: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.utils.dateparse import parse_datetime

    since = parse_datetime(plan["since"])
    out = {
        "grant_runs": grant_runs(plan["periods"], since),
        "imports": imports(plan["imports"]),
        "deferred": deferred_tasks(since),
        "audit": audit(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_rosterimport WHERE status IN ('validating', 'running')")
        out["imports_unfinished_anywhere"] = cursor.fetchone()[0]
    return out


def grant_runs(periods: list[str], since: Any) -> list[dict[str, Any]]:
    """Every run of a period the soak asked for, refreshed since it started: its lines, any
    line twice, its audit entries, and whether its lines are what a clean computation of
    the same run gives now (computed in a transaction that is rolled back)."""
    from django.db import transaction
    from django.db.models import Count

    from safeguards.models import AuditEntry
    from subsidies.models import GrantLine, GrantRun
    from subsidies.runs import LINE_BUILDERS

    wanted = {datetime.date.fromisoformat(f"{p}-01") for p in periods}
    found = []
    runs = GrantRun.objects.filter(period__in=wanted, refreshed_at__gte=since).select_related("scheme", "division")
    for run in runs.order_by("period", "scheme__code"):
        stored = Counter((line.provider_id, line.subject, line.quantity, line.amount) for line in run.lines.all())
        with transaction.atomic():
            clean = Counter(
                (line.provider_id, line.subject, line.quantity, line.amount)  # Decimals: 1.00 == 1
                for line in LINE_BUILDERS[run.scheme.kind](run)
            )
            transaction.set_rollback(True)
        twice = (
            GrantLine.objects.filter(scheme=run.scheme, period=run.period)
            .values("provider", "subject")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        found.append(
            {
                "run": run.pk,
                "scheme": run.scheme.code,
                "period": run.period.isoformat()[:7],
                "division": run.division.code,
                "runs_of_scheme_period_division": GrantRun.objects.filter(
                    scheme=run.scheme, period=run.period, division=run.division
                ).count(),
                "lines": sum(stored.values()),
                "lines_twice": twice,
                "same_as_clean_run": stored == clean,
                "clean_lines": sum(clean.values()),
                "audit_entries": AuditEntry.objects.filter(
                    action="run.refresh", object_type="subsidies.GrantRun", object_id=str(run.pk)
                ).count(),
            }
        )
    return found


def imports(planned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each upload of the soak: its status, its rows in the database (by the names its
    file gave them), its audit entries."""
    from registry.models import Resident, RosterImport
    from safeguards.models import AuditEntry

    found = []
    for item in planned:
        upload = RosterImport.objects.filter(pk=item["upload_id"]).first() if item.get("upload_id") else None
        found.append(
            {
                **item,
                "status": upload.status if upload else None,
                "rows_total": upload.rows_total if upload else None,
                "counts": upload.counts if upload else None,
                "in_database": Resident.objects.filter(name__startswith=item["marker"]).count(),
                "audit_imports": AuditEntry.objects.filter(
                    action="roster.import", object_type="registry.RosterImport", object_id=str(item["upload_id"])
                ).count()
                if upload
                else 0,
            }
        )
    return found


def deferred_tasks(since: Any) -> dict[str, Any]:
    from safeguards.models import DeferredTask

    rows = DeferredTask.objects.filter(created_at__gte=since)
    return {
        "created": rows.count(),
        "sent": rows.filter(sent_at__isnull=False).count(),
        "pending_anywhere": DeferredTask.objects.filter(sent_at__isnull=True).count(),
        "tasks": sorted(Counter(rows.values_list("task", flat=True)).items()),
    }


def audit() -> dict[str, Any]:
    from safeguards.audit import verify_audit_log
    from safeguards.models import AuditEntry

    report = verify_audit_log()
    return {
        "entries": AuditEntry.objects.count(),
        "checked": report.checked,
        "intact": report.intact,
        "first_break": report.first_break,
        "reason": report.reason,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    rosters = sub.add_parser("prepare")
    rosters.add_argument("--count", type=int, required=True)
    rosters.add_argument("--extra-rows", type=int, required=True)
    rosters.add_argument("--out", type=Path, required=True)
    rosters.add_argument("--username", required=True)
    checking = sub.add_parser("check")
    checking.add_argument("--plan", type=Path, required=True)
    args = parser.parse_args()
    if os.environ.get("DJANGO_SETTINGS_MODULE") != "config.settings.prod":
        sys.exit("on_server.py runs with the soak's production settings (Stack.python)")
    django.setup()
    if args.command == "prepare":
        result = prepare(args.count, args.extra_rows, args.out, args.username)
    else:
        result = check(json.loads(args.plan.read_text(encoding="utf-8")))
    print(json.dumps(result, default=str, ensure_ascii=False))


if __name__ == "__main__":
    main()
