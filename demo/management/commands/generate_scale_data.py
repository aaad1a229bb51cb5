"""Region-scale synthetic data for benchmarks (issue 8). The logic is in
``demo.scale``; written with COPY, without history rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import scale


class Command(BaseCommand):
    help = (
        "Generate region-scale synthetic data over Inner Mongolia's 103 counties: providers in every lifecycle "
        "status with their status changes, residents with stays over the last K months, caregivers, fees, "
        "policies and staff users. Fast (PostgreSQL COPY, no history rows). Refuses a database that already has "
        "providers unless --force, and the production settings always."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--providers", type=int, default=scale.DEFAULT_PROVIDERS)
        parser.add_argument("--residents", type=int, default=scale.DEFAULT_RESIDENTS)
        parser.add_argument("--months", type=int, default=scale.DEFAULT_MONTHS, help="months of stays")
        parser.add_argument("--seed", type=int, default=scale.DEFAULT_SEED)
        parser.add_argument(
            "--anchor",
            type=datetime.date.fromisoformat,
            default=None,
            help="the stays end the day before this date's month (default: the current month)",
        )
        parser.add_argument("--force", action="store_true", help="add to a database that already has providers")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = scale.generate(
                providers=options["providers"],
                residents=options["residents"],
                months=options["months"],
                seed=options["seed"],
                anchor=options["anchor"],
                force=options["force"],
                progress=lambda message: self.stderr.write(message),
            )
        except scale.ScaleDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("\n".join(summary.lines()))
