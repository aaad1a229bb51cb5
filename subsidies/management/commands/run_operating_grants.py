"""Create or refresh the draft operating grant run(s) for a month."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.exports import export_chunks
from registry.models import Division
from subsidies.exports import grant_lines_table
from subsidies.models import GrantLine, GrantRun, SchemeKind, SubsidyScheme
from subsidies.services import parse_month, run_refresh


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
                run = run_refresh(
                    scheme_code=code,
                    period=period,
                    division_code=options["division"],
                    actor_name="run_operating_grants",
                )
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
            self._write(options["output"], runs)
        if refused:
            # The runs that could be made are made; the exit status says that not all were.
            raise CommandError(f"{len(refused)} of {len(codes)} scheme(s) refused: " + "; ".join(refused))

    def _write(self, path: Path, runs: list[GrantRun]) -> None:
        """The lines in the format of the back-office's grant-line export, recorded and
        audited as an export with no user."""
        table = grant_lines_table(GrantLine.objects.filter(run__in=runs), detail=False)
        chunks = export_chunks(user=None, table=table, file_format="csv", actor_name="run_operating_grants")
        with path.open("wb") as file:
            file.writelines(chunks)
        self.stdout.write(f"wrote {path}")
