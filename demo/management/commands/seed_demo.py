"""Load the Baotou demo data set: providers, residents, caregivers and demo staff users,
then each app's demo activity (inspections recorded, a grant run paid).

Idempotent and deterministic; refuses to run with the production settings. The logic is
in ``demo.seed``, ``demo.inspections``, ``demo.subsidies`` and ``demo.living_allowances``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from demo import inspections, living_allowances, seed, subsidies


class Command(BaseCommand):
    help = (
        "Create deterministic demo data for Baotou (150200): about 60 providers of every kind and status, "
        "their residents, caregivers, licences and fees, and one demo staff user per role. "
        "Running it again changes nothing. Refuses to run with config.settings.prod."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = seed.seed()
        except seed.DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(seed.format_summary(summary))
        activities = (("inspections", inspections), ("subsidies", subsidies), ("living allowances", living_allowances))
        for app, activity in activities:
            for what, count in activity.seed().items():
                self.stdout.write(f"{app}: {what}: {count}")
