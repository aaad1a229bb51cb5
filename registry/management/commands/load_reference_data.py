"""Load reference data (divisions, rate tables, regimes …) of every app. Idempotent."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load or refresh reference data: divisions, rules, rate tables, inspection regimes."

    def handle(self, *args: Any, **options: Any) -> None:
        # registry first: every other app's data points at divisions.
        app_names = ["registry"] + [
            a.name for a in apps.get_app_configs() if a.name in {"subsidies", "inspections", "indicators", "childcare"}
        ]
        with transaction.atomic():
            for name in app_names:
                try:
                    module = importlib.import_module(f"{name}.reference_data")
                except ModuleNotFoundError:
                    continue
                for what, count in module.load().items():
                    self.stdout.write(f"{name}: {what}: {count} created or changed")
