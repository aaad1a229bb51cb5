"""Dump the PostgreSQL database with pg_dump (custom format); the logic is in ``safeguards.backups``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguards.backups import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = (
        "Back up the configured PostgreSQL database with pg_dump --format=custom to --output "
        "(default: BACKUP_DIR or var/backups, carereg-YYYYmmdd-HHMMSS.dump), with the row counts and "
        "money totals of the same snapshot in <dump>.json for the restore drill. Audited as backup.create."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="file to write (its folder is created if missing)")
        parser.add_argument(
            "--keep-days",
            type=int,
            help="after a successful backup, delete carereg-*.dump files older than this in the same folder "
            "(the newest 7 always stay)",
        )
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup = backup_create(options["output"], alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{backup.path} {backup.size} bytes ({backup.size / 1_048_576:.1f} MiB) in {backup.seconds:.1f} s, "
            f"{len(backup.facts.tables)} tables, {sum(backup.facts.tables.values())} rows\n"
            f"sha256 {backup.sha256}\nfacts {backup.manifest_path}"
        )
        if options["keep_days"] is not None:
            for path in backups_prune(backup.path.parent, keep_days=options["keep_days"]):
                self.stdout.write(f"deleted {path}")
