"""The demo's inboxes: the reminders beat would have created had the platform been running
for the last ``REPLAYED_DAYS`` days up to the day the demo runs.

Beat fires ``send_reminders`` at 07:00; a demo loaded at 10:00 would otherwise show empty
inboxes until the next morning. Their email digests are left to that morning job (sending
claims rows in transactions of its own, which a caller's transaction must not hold).
Idempotent: a reminder's key is unique, so a replayed day creates nothing twice
(``inspections.reminders``)."""

from __future__ import annotations

import datetime

from inspections.reminders import create_reminders

REPLAYED_DAYS = 30


def seed(today: datetime.date) -> dict[str, int]:
    created = 0
    for back in range(REPLAYED_DAYS - 1, -1, -1):
        created += create_reminders(on=today - datetime.timedelta(days=back))
    return {"created": created}
