"""Snapshots: one per indicator, division, month and kind; a month is taken once (again
only with recompute), audited once per run; the command backfills; the beat task takes
the last closed month."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from factories import KUNDULUN, division
from indicator_support import JUNE

from indicators.models import Indicator, IndicatorSnapshot
from indicators.snapshots import last_closed_month, take_snapshots
from indicators.tasks import take_monthly_snapshots
from registry.models import ProviderKind
from registry.periods import add_months
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


def audits() -> int:
    return AuditEntry.objects.filter(action="indicators.snapshot").count()


def test_a_month_is_taken_once_and_audited_once(june: Any) -> None:
    assert take_snapshots(month=JUNE)["months taken"] == 1
    rows = IndicatorSnapshot.objects.filter(month=JUNE).count()
    assert rows > 0 and audits() == 1
    nursing = IndicatorSnapshot.objects.get(
        indicator__code="nursing_bed_share", division=division(KUNDULUN), month=JUNE
    )
    assert nursing.value == Decimal("53.33")

    assert take_snapshots(month=datetime.date(2025, 6, 17)) == {"months skipped": 1}  # any day of the month
    assert IndicatorSnapshot.objects.filter(month=JUNE).count() == rows and audits() == 1


def test_recompute_replaces_the_month(june: Any) -> None:
    take_snapshots(month=JUNE)
    june["a"].nursing_beds = 100
    june["a"].save()
    take_snapshots(month=JUNE, recompute=True)
    nursing = IndicatorSnapshot.objects.get(
        indicator__code="nursing_bed_share", division=division(KUNDULUN), month=JUNE
    )
    assert nursing.value == Decimal("80.00")  # (100 + 20) / 150
    assert audits() == 2


def test_the_database_refuses_a_second_snapshot(divisions: Any) -> None:
    indicator = Indicator.objects.get(code="occupancy_by_kind")
    row = {"indicator": indicator, "division": divisions[KUNDULUN], "month": JUNE}
    IndicatorSnapshot.objects.create(**row, dimension=ProviderKind.NURSERY, value=Decimal(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorSnapshot.objects.create(**row, dimension=ProviderKind.NURSERY, value=Decimal(2))


def test_a_month_that_has_not_ended_is_refused(divisions: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        take_snapshots(month=timezone.localdate())
    assert "month" in refused.value.message_dict


def test_the_command_backfills_months_and_skips_those_taken(june: Any) -> None:
    out = io.StringIO()
    call_command("take_indicator_snapshots", "--month", "2025-06", "--months", "3", stdout=out)
    assert "months taken: 3" in out.getvalue()
    months = set(IndicatorSnapshot.objects.values_list("month", flat=True))
    assert months == {datetime.date(2025, 4, 1), datetime.date(2025, 5, 1), JUNE}

    out = io.StringIO()
    call_command("take_indicator_snapshots", "--month", "2025-06", "--months", "2", stdout=out)
    assert "months skipped: 2" in out.getvalue()
    call_command("take_indicator_snapshots", "--month", "2025-06", "--recompute", stdout=io.StringIO())
    assert audits() == 4


def test_the_command_says_what_is_wrong(divisions: Any) -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("take_indicator_snapshots", "--month", "June")
    with pytest.raises(CommandError):
        call_command("take_indicator_snapshots", "--months", "0")


def test_the_beat_task_takes_the_last_closed_month_once(divisions: Any) -> None:
    assert take_monthly_snapshots() == {"months taken": 1, "snapshots": IndicatorSnapshot.objects.count()}
    assert set(IndicatorSnapshot.objects.values_list("month", flat=True)) == {last_closed_month()}
    assert last_closed_month() == add_months(timezone.localdate().replace(day=1), -1)
    assert take_monthly_snapshots() == {"months skipped": 1}
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "indicators.tasks.take_monthly_snapshots" in schedule
