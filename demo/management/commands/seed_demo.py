"""Load the Baotou demo data set as of today (or ``--date``): providers, residents,
caregivers and demo staff users, then each app's demo activity up to that day (licences
renewed and reports sent, inspections, construction grants, grant runs and payments,
living allowances), then the reminders of the last 30 days (demo/reminders.py), a year of
citizens' concerns (demo/concerns.py: the last line names one to look up), the
indicators' demo inputs and 24 months of snapshots (demo/indicators.py), a clerk with
three backup codes left (demo/two_factor.py: printed the run they are made) and two
roster uploads never imported, one due for the retention purge (demo/roster_uploads.py).

Idempotent and deterministic for a given day; run again on a later day it moves the demo
forward without duplicating anything. Refuses to run with the production settings. The
logic is in ``demo.seed`` and the modules named below."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo import (
    childcare,
    concerns,
    construction,
    indicators,
    inspections,
    living_allowances,
    portal,
    reminders,
    roster_uploads,
    seed,
    sign_ins,
    subsidies,
    two_factor,
    upkeep,
)
from registry.public_cache import public_data_changed


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class Command(BaseCommand):
    help = (
        "Create deterministic demo data for Baotou (150200) as of today: about 60 providers of every kind and "
        "status, their residents, caregivers, licences and fees, a year of inspections and payments, and one "
        "demo staff user per role. Running it again the same day changes nothing; on a later day it moves the "
        "demo forward. Refuses to run with config.settings.prod."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_day, help="The day the demo is for (YYYY-MM-DD; default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.localdate()
        try:
            summary = seed.seed(today)
        except seed.DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(seed.format_summary(summary))
        activities = (
            ("registry", upkeep),
            ("infant care", childcare),
            ("inspections", inspections),
            ("construction grants", construction),
            ("subsidies", subsidies),
            ("living allowances", living_allowances),
            ("reminders", reminders),
            ("sign-ins", sign_ins),
            ("two-factor", two_factor),
            ("rosters", roster_uploads),
            ("provider portal", portal),
            ("concerns", concerns),
            ("indicators", indicators),
        )
        for app, activity in activities:
            for what, count in activity.seed(today).items():
                self.stdout.write(f"{app}: {what}: {count}")
        for note in two_factor.notes():  # the backup codes left, printed the one time they are made
            self.stdout.write(note)
        reference = concerns.lookup_reference()
        if reference:
            self.stdout.write(f"concerns: look up {reference} at /concerns/lookup/ (closed, with the bureau's reply)")
        seed.analyze_tables()
        public_data_changed()  # much of it was written in bulk, without signals
