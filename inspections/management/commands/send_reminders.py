"""Create today's reminders and send the email digests (exactly once each)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inspections.management.commands.plan_inspections import parse_date
from inspections.reminders import send_reminders


class Command(BaseCommand):
    help = "Create reminders for --date (default today) and send one digest per recipient."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_reminders(on=parse_date(options["date"]))
        self.stdout.write(f"notifications created: {result['created']}, digests sent: {result['digests']}")
