"""Create the inspection tasks owed for the periods containing a date (idempotent)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from inspections.planning import plan_inspections


def parse_date(value: str | None) -> datetime.date:
    if not value:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError("dates are written YYYY-MM-DD") from error


class Command(BaseCommand):
    help = "Plan inspection tasks for the month/quarter/half year containing --date (default today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        for code, count in plan_inspections(on=parse_date(options["date"])).items():
            self.stdout.write(f"{code}: {count}")
