"""Recompute the audit log's hash chain; exit 1 and name the first entry that does not verify."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safeguards.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain; report the first entry that was changed or follows a removed one."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.intact:
            raise CommandError(
                f"audit chain broken at entry {report.first_break} ({report.reason}); {report.checked} checked"
            )
        self.stdout.write(f"audit chain intact: {report.checked} entries")
