"""Send the background tasks kept while the broker (Redis) was unavailable."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safeguards.deferred import deferred_tasks_send


class Command(BaseCommand):
    help = "Send the background tasks that could not be enqueued while Redis was down (oldest first)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = deferred_tasks_send()
        self.stdout.write(f"sent {result['sent']}, failed {result['failed']}, still pending {result['pending']}")
