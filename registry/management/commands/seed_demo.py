"""Load the Baotou demo data set: providers, residents, caregivers and demo staff users.

Idempotent and deterministic; refuses to run with the production settings. The logic is
in ``registry.demo``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registry import demo


class Command(BaseCommand):
    help = (
        "Create deterministic demo data for Baotou (150200): about 60 providers of every kind and status, "
        "their residents, caregivers, licences and fees, and one demo staff user per role. "
        "Running it again changes nothing. Refuses to run with config.settings.prod."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo.seed()
        except demo.DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(demo.format_summary(summary))
        # Then each app's demo activity (inspections recorded, a grant run paid …), if it
        # has any: the registry does not import the other apps.
        for app in ("inspections", "subsidies"):
            if importlib.util.find_spec(f"{app}.demo") is None:
                continue
            for what, count in importlib.import_module(f"{app}.demo").seed().items():
                self.stdout.write(f"{app}: {what}: {count}")
