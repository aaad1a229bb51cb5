"""The quarter overview: planned, done, overdue and coverage per district."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from factories import DONGHE, KUNDULUN, ProviderFactory, division

from inspections.models import Frequency, InspectionTask, Regime
from inspections.planning import quarter_overview
from registry.periods import period_bounds

pytestmark = pytest.mark.django_db

Q4_START, Q4_END = datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)


def task(
    county: str,
    status: str,
    due_on: datetime.date = Q4_END,
    period: tuple[datetime.date, datetime.date] = (Q4_START, Q4_END),
) -> InspectionTask:
    return InspectionTask.objects.create(
        provider=ProviderFactory(division=division(county)),
        regime=Regime.objects.get(code="BT-DISTRICT-SAFETY"),
        period_start=period[0],
        period_end=period[1],
        due_on=due_on,
        status=status,
    )


def overview(client, quarter: str = "2026-10-01") -> str:
    response = client.get(reverse("admin:inspections_inspectiontask_overview"), {"quarter": quarter})
    assert response.status_code == 200
    return response.content.decode()


def cells(html: str, district: str) -> list[str]:
    row = html.split(f'<th scope="row">{district}</th>', 1)[1].split("</tr>", 1)[0]
    return [cell.split("</td>")[0].strip() for cell in row.split("<td>")[1:]]


def test_counts_and_coverage_per_district(divisions):
    task(KUNDULUN, InspectionTask.Status.DONE)
    task(KUNDULUN, InspectionTask.Status.OPEN)
    task(KUNDULUN, InspectionTask.Status.CANCELLED)  # not planned any more
    task(DONGHE, InspectionTask.Status.OPEN, due_on=datetime.date(2026, 10, 31))

    mid_november = datetime.date(2026, 11, 15)  # the Donghe task is overdue, the Kundulun one not yet
    rows = {row.division: row for row in quarter_overview(InspectionTask.objects.all(), Q4_START, mid_november)}

    kundulun, donghe = rows["昆都仑区"], rows["东河区"]
    assert (kundulun.planned, kundulun.done, kundulun.overdue, kundulun.coverage) == (2, 1, 0, 50)
    assert (donghe.planned, donghe.done, donghe.overdue, donghe.coverage) == (1, 0, 1, 0)


def test_the_overview_page_shows_each_districts_counts(divisions, reviewer, client_for):
    # The quarter after today's: nothing in it can be overdue yet, whatever day the test runs.
    start = period_bounds(timezone.localdate(), Frequency.QUARTERLY)[1] + datetime.timedelta(days=1)
    end = period_bounds(start, Frequency.QUARTERLY)[1]
    for status in (InspectionTask.Status.DONE, InspectionTask.Status.OPEN, InspectionTask.Status.CANCELLED):
        task(KUNDULUN, status, due_on=end, period=(start, end))
    task(DONGHE, InspectionTask.Status.OPEN, due_on=start - datetime.timedelta(days=1))  # the quarter before

    html = overview(client_for(reviewer), quarter=start.isoformat())

    assert cells(html, "昆都仑区") == ["2", "1", "0", "50%"]
    assert "东河区" not in html


def test_a_district_clerk_sees_only_their_district(divisions, clerk, client_for):
    task(KUNDULUN, InspectionTask.Status.OPEN)
    task(DONGHE, InspectionTask.Status.OPEN)

    html = overview(client_for(clerk))

    assert "昆都仑区" in html and "东河区" not in html


def test_another_quarter_has_nothing_due(divisions, reviewer, client_for):
    task(KUNDULUN, InspectionTask.Status.OPEN)

    assert "昆都仑区" not in overview(client_for(reviewer), quarter="2027-01-01")
