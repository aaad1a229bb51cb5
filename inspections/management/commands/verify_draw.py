"""Recompute a published double-random draw from its published inputs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspections.models import Draw
from inspections.random_draw import compute_results, draw_verify


class Command(BaseCommand):
    help = "Recompute draw ID from its published inputs and say whether the published results match."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        draw = Draw.objects.filter(pk=options["draw_id"]).first()
        if draw is None:
            raise CommandError(f"no draw {options['draw_id']}")
        if draw.status != Draw.Status.FROZEN:
            raise CommandError(f"draw {draw.pk} has not been made yet")
        for row in compute_results(draw.inputs):
            self.stdout.write(f"{row['rank']:>3}  {row['uscc']}  {row['name']}  {', '.join(row['team'])}")
        if draw_verify(draw):
            self.stdout.write(self.style.SUCCESS(f"draw {draw.pk}: MATCHES the published results"))
        else:
            raise CommandError(f"draw {draw.pk}: DOES NOT MATCH the published results")
