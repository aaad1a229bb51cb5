"""Recompute a published double-random draw from its published inputs: a stored draw by
its id (the bureau), or a downloaded ``inputs.json`` (anyone with the code)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspections.draw_publication import file_verify
from inspections.models import Draw
from inspections.random_draw import compute_results, draw_verify


class Command(BaseCommand):
    help = (
        "Recompute draw ID from its published inputs and say whether the published results match; "
        "with --file, recompute a downloaded inputs.json instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_id", type=int, nargs="?")
        parser.add_argument("--file", type=Path, help="a draw's published inputs.json, recomputed without the database")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"] is not None:
            self.verify_file(options["file"])
            return
        if options["draw_id"] is None:
            raise CommandError("give a draw id or --file")
        draw = Draw.objects.filter(pk=options["draw_id"]).first()
        if draw is None:
            raise CommandError(f"no draw {options['draw_id']}")
        if draw.status != Draw.Status.FROZEN:
            raise CommandError(f"draw {draw.pk} has not been made yet")
        self.write_rows(compute_results(draw.inputs))
        if draw_verify(draw):
            self.stdout.write(self.style.SUCCESS(f"draw {draw.pk}: MATCHES the published results"))
        else:
            raise CommandError(f"draw {draw.pk}: DOES NOT MATCH the published results")

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.stdout.write(f"{row['rank']:>3}  {row['uscc']}  {row['name']}  {', '.join(row['team'])}")

    def verify_file(self, path: Path) -> None:
        try:
            published = json.loads(path.read_text(encoding="utf-8"))
            selection, teams = file_verify(published)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"{path}: not a published draw file ({error})") from error
        draw = published.get("draw")
        if teams is None:
            self.write_rows([{**row, "team": []} for row in compute_results(published["inputs"])])
            if not selection:
                raise CommandError(f"draw {draw}: the selection DOES NOT MATCH the published results")
            self.stdout.write(
                self.style.WARNING(
                    f"draw {draw}: the selection MATCHES the published results; its teams were ranked by "
                    "sign-in names, which are not published: the bureau verifies them (verify_draw ID)"
                )
            )
            return
        self.write_rows(compute_results(published["inputs"]))
        if teams:
            self.stdout.write(self.style.SUCCESS(f"draw {draw}: MATCHES the published results"))
        else:
            raise CommandError(f"draw {draw}: DOES NOT MATCH the published results")
