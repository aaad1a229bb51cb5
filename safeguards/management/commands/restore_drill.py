"""Restore a backup into a scratch database and compare; the logic is in ``safeguards.backups``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguards.backups import BackupError, format_drill_report, latest_backup, restore_drill


class Command(BaseCommand):
    help = (
        "Restore BACKUP_FILE (made by `manage.py backup`; default: the newest in BACKUP_DIR) into a scratch "
        "database, compare the row count of every table and the sum of every decimal (money) column with the "
        "facts recorded in BACKUP_FILE.json "
        "(or with the live database: --against-live), print the comparison, drop the scratch database. "
        "Exit status 0 when everything matches, 1 otherwise. The database role needs CREATEDB."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "backup_file", type=Path, nargs="?", help="default: the newest carereg-*.dump in BACKUP_DIR (var/backups)"
        )
        parser.add_argument(
            "--against-live",
            action="store_true",
            help="compare with the live database now instead of the facts recorded with the dump",
        )
        parser.add_argument("--mismatches-only", action="store_true", help="list only the checks that differ")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup = options["backup_file"] or latest_backup()
            report = restore_drill(backup, against_live=options["against_live"], alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(format_drill_report(report, verbose=not options["mismatches_only"]))
        if not report.ok:
            sys.exit(1)
