"""Delete audit entries older than --days (default and minimum: 180)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from safeguards.audit import prune_audit


class Command(BaseCommand):
    help = "Delete audit log entries older than --days; entries younger than 180 days are always kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.AUDIT_MIN_RETENTION_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT has_table_privilege('registry_auditentry', 'DELETE')")
                if not cursor.fetchone()[0]:
                    raise CommandError(
                        "this database role may not delete audit entries: run prune_audit as the owner role "
                        "(carereg-manage --owner prune_audit, or the carereg-prune-audit unit)"
                    )
        deleted = prune_audit(older_than_days=options["days"])
        self.stdout.write(f"deleted {deleted} audit entries")
