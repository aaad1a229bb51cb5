"""Import a roster file: exit 0 when imported, 1 when any row is invalid (nothing saved),
2 when the file cannot be read."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.models import User
from registry.rosters.engine import (
    CHANGED,
    HEADER_ROW,
    NEW,
    UNCHANGED,
    Plan,
    RosterRejected,
    RowError,
    import_roster,
    known_headers,
    validate_roster,
)
from registry.rosters.formats import UnreadableFile, stream_table
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
        kind = KINDS[options["kind"]]
        try:
            with path.open("rb") as file:  # read as it is imported; one above the size limit is refused unread
                table = stream_table(file, path.name, headers=known_headers(kind))
                self._header_row(getattr(table[0], "number", HEADER_ROW))
                if options["dry_run"]:
                    self._dry_run(validate_roster(kind, table, user=user))
                    return
                counts = import_roster(kind, table, user=user, filename=path.name)  # audited by the service
        except (OSError, UnreadableFile) as unreadable:
            self.stderr.write(f"{path}: {unreadable}")
            sys.exit(2)
        except RosterRejected as rejected:
            self._refuse(rejected.row_errors)
        except ValidationError as refused:
            self.stderr.write(" ".join(refused.messages))
            sys.exit(1)
        self.stdout.write(f"imported: {_summary(counts)}")

    def _header_row(self, row: int) -> None:
        """Which row was taken as the header, when rows above it were skipped (title rows)."""
        if row != HEADER_ROW:
            self.stdout.write(_("Header: row %(row)s") % {"row": row})

    def _dry_run(self, plan: Plan) -> None:
        if not plan.valid:
            self._refuse(plan.errors)
        for (column, alias, label), rows in sorted(plan.readings.items()):
            count = ngettext("%(counter)s row", "%(counter)s rows", rows) % {"counter": rows}
            self.stdout.write(f"{column}：{alias} → {label}（{count}）")
        for row in plan.changed:
            changes = "; ".join(f"{k}: {old} → {new}" for k, (old, new) in row.changes.items())
            self.stdout.write(f"row {row.row}: {changes}")
        if plan.counts[CHANGED] > len(plan.changed):
            self.stdout.write(f"… and {plan.counts[CHANGED] - len(plan.changed)} more changed rows")
        self.stdout.write(f"dry run: {_summary(plan.counts)}; nothing saved")

    def _refuse(self, errors: list[RowError]) -> NoReturn:
        for row_error in errors:
            self.stdout.write(str(row_error))
        self.stderr.write(f"{len(errors)} error(s); nothing was saved")
        sys.exit(1)


def _summary(counts: dict[str, int]) -> str:
    return f"new {counts[NEW]}, changed {counts[CHANGED]}, unchanged {counts[UNCHANGED]}"
