"""Take the indicators' monthly snapshots: the last closed month, or ``--month``; with
``--months N`` the N months ending there (a backfill, with today's capacities)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.periods import parse_month

from ...snapshots import last_closed_month, take_months


class Command(BaseCommand):
    help = "Take the plan indicators' snapshots of a month (default: the last closed month); skip months taken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="The (last) month, YYYY-MM; default: the last closed month.")
        parser.add_argument("--months", type=int, default=1, help="How many months ending with --month (default 1).")
        parser.add_argument("--recompute", action="store_true", help="Replace months already taken.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            last = parse_month(options["month"]) if options["month"] else last_closed_month()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if options["months"] < 1:
            raise CommandError("--months must be 1 or more.")
        try:
            totals = take_months(last=last, months=options["months"], recompute=options["recompute"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for what, count in totals.items():
            self.stdout.write(f"{what}: {count}")
