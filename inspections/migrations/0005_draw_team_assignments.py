"""Draws made before issue 21 put their teams on no task: put each drawn team on its
provider's task (the draw's regime, the period of the day it was drawn), as
``inspections.workbench.draw_assign_tasks`` now does when a draw is made."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone

from registry.periods import period_bounds


def assign(apps: Any, schema_editor: Any) -> None:
    Draw = apps.get_model("inspections", "Draw")
    InspectionTask = apps.get_model("inspections", "InspectionTask")
    Provider = apps.get_model("registry", "Provider")
    User = apps.get_model("registry", "User")
    for draw in Draw.objects.filter(status="frozen", regime__isnull=False, frozen_at__isnull=False):
        frequency = draw.regime.frequency
        start, end = period_bounds(
            timezone.localtime(draw.frozen_at).date(), "quarterly" if frequency == "ad_hoc" else frequency
        )
        for row in draw.results:
            provider = Provider.objects.filter(uscc=row["uscc"]).first()
            if provider is None:
                continue
            task, _created = InspectionTask.objects.get_or_create(
                provider=provider,
                regime=draw.regime,
                period_start=start,
                defaults={"period_end": end, "due_on": end},
            )
            task.assignees.add(*User.objects.filter(username__in=row["team"]))


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_notification_digest_claim")]

    operations = [migrations.RunPython(assign, migrations.RunPython.noop)]
