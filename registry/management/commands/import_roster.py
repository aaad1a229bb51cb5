"""Import a roster file: exit 0 when imported, 1 when any row is invalid (nothing saved),
2 when the file cannot be read."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from registry.models import User
from registry.rosters.engine import apply_roster, validate_roster
from registry.rosters.formats import UnreadableFile, read_table
from registry.rosters.kinds import KINDS


class Command(BaseCommand):
    help = "Import a roster (providers, residents, caregivers, fees, inspections) from .xlsx or .csv; all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and show what would change; save nothing")
        parser.add_argument("--user", help="import as this staff user (limits rows to their jurisdiction)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                self.stderr.write(f"no active user {options['user']}")
                sys.exit(2)
        path: Path = options["file"]
        try:
            table = read_table(path.read_bytes(), path.name)
        except (OSError, UnreadableFile) as unreadable:
            self.stderr.write(f"{path}: {unreadable}")
            sys.exit(2)
        plan = validate_roster(KINDS[options["kind"]], table, user=user)
        if not plan.valid:
            for row_error in plan.errors:
                self.stdout.write(str(row_error))
            self.stderr.write(f"{len(plan.errors)} error(s); nothing was saved")
            sys.exit(1)
        counts = plan.counts
        summary = f"new {counts['new']}, changed {counts['changed']}, unchanged {counts['unchanged']}"
        if options["dry_run"]:
            for row in plan.rows:
                if row.changes:
                    changes = "; ".join(f"{k}: {old} → {new}" for k, (old, new) in row.changes.items())
                    self.stdout.write(f"row {row.row}: {changes}")
            self.stdout.write(f"dry run: {summary}; nothing saved")
            return
        try:
            apply_roster(plan, user=user)
        except ValidationError as refused:
            self.stderr.write(" ".join(refused.messages))
            sys.exit(1)
        self.stdout.write(f"imported: {summary}")
