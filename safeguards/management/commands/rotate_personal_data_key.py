"""Re-encrypt stored ID and phone numbers with the first key of PERSONAL_DATA_KEYS (key rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safeguards.audit import audit_record
from safeguards.key_rotation import rotate_personal_data_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored ID and phone number with the first key of PERSONAL_DATA_KEYS. Put the new key first, "
        "keep the old one after it, run this, then remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_personal_data_key()
        audit_record("personal_data.rotate_key", after=counts)
        for table, rows in counts.items():
            self.stdout.write(f"{table}: {rows} rows re-encrypted")
