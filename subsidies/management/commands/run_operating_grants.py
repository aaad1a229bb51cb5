"""Create or refresh the draft operating grant run(s) for a month."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.models import Division
from registry.spreadsheets import csv_bytes
from subsidies.models import GrantRun, SchemeKind, SubsidyScheme
from subsidies.services import parse_month, run_refresh

CSV_HEADER = ["uscc", "provider", "counted_residents", "rate", "amount", "holds"]


class Command(BaseCommand):
    help = "Create or refresh draft operating grant runs for --period YYYY-MM (approved runs are left alone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--scheme", help="scheme code, e.g. BT-OPERATING (default: every operating scheme)")
        parser.add_argument("--division", help="division code to limit the run to, e.g. 150203")
        parser.add_argument("--output", type=Path, help="write the lines to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_month(options["period"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        codes = (
            [options["scheme"]]
            if options["scheme"]
            else list(SubsidyScheme.objects.filter(kind=SchemeKind.OPERATING).values_list("code", flat=True))
        )
        runs: list[GrantRun] = []
        refused: list[str] = []
        for code in codes:
            try:
                run = run_refresh(scheme_code=code, period=period, division_code=options["division"])
            except SubsidyScheme.DoesNotExist as error:
                raise CommandError(f"unknown scheme {code}") from error
            except Division.DoesNotExist as error:
                raise CommandError(f"unknown division {options['division']}") from error
            except ValidationError as error:
                refused.append(f"{code}: {' '.join(error.messages)}")
                self.stderr.write(refused[-1])
                continue
            runs.append(run)
            lines = run.lines.all()
            total = sum((line.amount for line in lines if line.payable), start=0)
            self.stdout.write(f"{run}: {len(lines)} lines, payable total {total}")
        if options["output"]:
            options["output"].write_bytes(csv_bytes(CSV_HEADER, self._rows(runs)))
            self.stdout.write(f"wrote {options['output']}")
        if refused:
            # The runs that could be made are made; the exit status says that not all were.
            raise CommandError(f"{len(refused)} of {len(codes)} scheme(s) refused: " + "; ".join(refused))

    def _rows(self, runs: list[GrantRun]) -> list[list[object]]:
        rows: list[list[object]] = []
        for run in runs:
            for line in run.lines.select_related("provider").order_by("provider__uscc", "kind", "period"):
                holds = "; ".join(hold["code"] for hold in line.holds)
                rows.append(
                    [line.provider.uscc, line.provider.name, line.quantity.normalize(), line.rate, line.amount, holds]
                )
        return rows
