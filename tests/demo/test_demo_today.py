"""The demo is alive on the day it runs (issue 14): each demo role logs in to a current,
non-empty work situation, and ``seed_demo`` run again on a later day moves it forward.

The demo is seeded once for the module, first as of ``EARLIER`` and then as of today
(as a fresh clone's ``make run`` would on two days), inside a transaction rolled back at
the end. Today is the real day: the services refuse to pay a month that has not ended by
the clock, so the demo cannot be seeded for a day in the future.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from demo import baotou
from demo.subsidies import last_closed_month
from inspections.models import Finding, InspectionTask, Notification
from registry.holds import providers_on_hold
from registry.models import (
    AnnualReport,
    Licence,
    Provider,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    Resident,
    User,
)
from registry.overlaps import overlapping_stays
from registry.public import annual_report_overdue
from registry.selectors import in_care_on
from subsidies.models import GrantLine, GrantRun, PaymentBatch, PaymentItem
from subsidies.withholding import withheld_lines

TODAY = timezone.localdate()
EARLIER = TODAY - datetime.timedelta(days=120)
RESIDENTIAL = [ProviderKind.ELDERLY_INSTITUTION, ProviderKind.MEDICAL_ELDERLY, ProviderKind.TOWNSHIP_HOME]


def seed(day: datetime.date) -> str:
    out = io.StringIO()
    call_command("seed_demo", f"--date={day.isoformat()}", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "providers": Provider.objects.count(),
        "residents": Resident.objects.count(),
        "status changes": ProviderStatusChange.objects.count(),
        "runs": GrantRun.objects.count(),
        "batches": PaymentBatch.objects.count(),
        "findings": Finding.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo seeded 120 days ago and again today; what the runs said and counted."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_reference_data", stdout=io.StringIO())
            seed(EARLIER)
            earlier = {
                **counts(),
                "waiting run": GrantRun.objects.get(scheme__code="BT-OPERATING", period=last_closed_month(EARLIER)).pk,
            }
            output = seed(TODAY)
            today = counts()
            again = seed(TODAY)
            yield {"earlier": earlier, "today": today, "output": output, "again": again}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _demo_in_savepoint(demo: dict[str, Any], db: None) -> None:
    """Each test reads the demo and leaves it as it found it."""


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def changelist(name: str) -> str:
    with translation.override("en"):
        return reverse(f"admin:{name}_changelist")


# ------------------------------------------------------------------- the calendar


def test_nothing_in_the_demo_happens_after_today() -> None:
    assert not ProviderStatusChange.objects.filter(effective_on__gt=TODAY).exists()
    assert not Licence.objects.filter(issued_on__gt=TODAY).exists()
    assert not Resident.objects.filter(admitted_on__gt=TODAY).exists()
    assert not Resident.objects.filter(discharged_on__gt=TODAY).exists()
    assert not AnnualReport.objects.filter(submitted_on__gt=TODAY).exists()
    assert not GrantRun.objects.filter(period__gte=TODAY.replace(day=1)).exists()


def test_the_last_closed_month_waits_for_review_and_the_months_before_are_paid() -> None:
    runs = GrantRun.objects.filter(scheme__code="BT-OPERATING", division__code="150200")
    newest = last_closed_month(TODAY)
    assert runs.get(period=newest).status == GrantRun.Status.DRAFT
    paid = runs.exclude(period=newest)
    assert paid.exists() and not paid.exclude(status=GrantRun.Status.APPROVED).exists()
    # Every approved line is paid or in a batch, except those of providers on hold
    # (withheld) and those that earn nothing.
    held = set(providers_on_hold().values_list("pk", flat=True))
    in_a_batch = [PaymentItem.State.PAID, PaymentItem.State.PENDING]  # pending: the batch awaiting approval
    unpaid = GrantLine.objects.filter(run__in=paid, amount__gt=0).exclude(payment_items__state__in=in_a_batch)
    assert unpaid.exists()  # the lines of the homes on hold
    assert set(unpaid.values_list("provider_id", flat=True)) <= held
    assert withheld_lines().exists()


def test_residential_homes_are_60_to_95_percent_full() -> None:
    homes = Provider.objects.filter(status=ProviderStatus.CERTIFIED, kind__in=RESIDENTIAL).annotate(
        in_care=Count("residents", filter=in_care_on(TODAY, prefix="residents__"))
    )
    assert homes.count() >= 10
    for home in homes:
        # One home gains the demo's transfer and overlap: two more people than planned.
        assert 0.6 * home.beds - 1 <= home.in_care <= 0.95 * home.beds + 2, (home.name, home.in_care, home.beds)


def test_annual_reports_are_current_but_for_the_two_homes_that_are_late() -> None:
    # As the public pages show them: of the listed (certified) providers.
    certified = Provider.objects.filter(status=ProviderStatus.CERTIFIED)
    overdue = {p.name for p in certified if annual_report_overdue(p, TODAY)}
    assert overdue == baotou.OVERDUE_REPORTS


def test_a_transfer_is_paid_once_and_an_overlap_waits_for_a_clerk() -> None:
    overlapping = list(overlapping_stays())
    assert len(overlapping) == 2 and {s.provider.name for s in overlapping} == {baotou.MOVED_FROM, baotou.MOVED_TO}
    arrivals = Resident.objects.filter(
        provider__name=baotou.MOVED_TO,
        id_number_hash__in=Resident.objects.filter(provider__name=baotou.MOVED_FROM).values("id_number_hash"),
    )
    transfer = arrivals.exclude(pk__in=[s.pk for s in overlapping]).get()
    left = Resident.objects.get(provider__name=baotou.MOVED_FROM, id_number_hash=transfer.id_number_hash)
    assert left.discharged_on is not None and left.discharged_on < transfer.admitted_on
    # In the month of the moves (paid), both homes' lines leave out the person in two homes
    # at once, and only them: the transfer is counted, once, where they spent more days.
    month = transfer.admitted_on.replace(day=1)
    lines = GrantLine.objects.filter(
        run__period=month, run__scheme__code="BT-OPERATING", provider__name__in=[baotou.MOVED_FROM, baotou.MOVED_TO]
    )
    assert len(lines) == 2 and all(line.run.status == GrantRun.Status.APPROVED for line in lines)
    flagged = {flag["resident"] for line in lines for flag in line.flags if flag["code"] == "duplicate_resident"}
    person = transfer.id_number
    assert len(flagged) == 1 and f"{person[:6]}********{person[-4:]}" not in flagged
    assert all(line.basis["residents_excluded_as_duplicates"] == 1 for line in lines)


# ---------------------------------------------------------------- each role's day


def test_district_clerks_have_reminders_in_their_inbox() -> None:
    for username in ["clerk_kundulun", "clerk_donghe", "clerk_qingshan", "clerk_xitu", "clerk_tuyou"]:
        user = User.objects.get(username=username)
        assert Notification.objects.filter(recipient=user).exists(), username
        response = login(username).get(changelist("inspections_notification"))
        assert response.status_code == 200


def test_the_reviewer_has_a_run_an_award_and_an_overdue_hazard_waiting() -> None:
    reviewer = User.objects.get(username="reviewer_baotou")
    assert GrantRun.objects.filter(status=GrantRun.Status.DRAFT).exclude(preparers=reviewer).exists()
    assert Notification.objects.filter(recipient=reviewer, kind=Notification.Kind.RECTIFICATION_OVERDUE).exists()
    assert PaymentBatch.objects.filter(state=PaymentBatch.State.SUBMITTED).exists()


def test_an_overdue_major_hazard_holds_money() -> None:
    overdue = Finding.objects.filter(severity=Finding.Severity.MAJOR, deadline__lt=TODAY).exclude(
        status=Finding.Status.VERIFIED
    )
    assert overdue.count() == 1
    assert providers_on_hold().filter(pk=overdue.get().inspection.provider_id).exists()


def test_this_quarters_inspections_are_planned_and_earlier_ones_done() -> None:
    quarter_start = datetime.date(TODAY.year, (TODAY.month - 1) // 3 * 3 + 1, 1)
    tasks = InspectionTask.objects.filter(regime__code="BT-DISTRICT-SAFETY")
    assert tasks.filter(period_start=quarter_start).exists()
    assert not tasks.filter(period_end__lt=quarter_start, status=InspectionTask.Status.OPEN).exists()
    assert Finding.objects.filter(inspection__inspected_on__gte=quarter_start).exists()


def test_inspectors_have_findings_to_verify() -> None:
    waiting = Finding.objects.filter(status=Finding.Status.RECTIFIED)
    assert waiting.filter(inspection__provider__division__code__in=["150203", "150204"]).exists()


def test_the_city_clerks_lists_have_a_second_page() -> None:
    client = login("clerk_baotou")
    for name in [
        "registry_provider",
        "registry_resident",
        "registry_caregiver",
        "registry_licence",
        "subsidies_grantline",
    ]:
        response = client.get(changelist(name), {"p": 2})
        assert response.status_code == 200, name
        assert response.context["cl"].paginator.num_pages >= 2, name


def test_finance_has_paid_batches_and_one_awaiting_approval() -> None:
    batches = PaymentBatch.objects.all()
    assert batches.filter(state=PaymentBatch.State.CLOSED).count() >= 2
    assert batches.filter(state=PaymentBatch.State.SUBMITTED).exists()


# ------------------------------------------------------------------ moving forward


def test_a_later_run_moves_the_demo_forward_without_duplicating(demo: dict[str, Any]) -> None:
    earlier, today = demo["earlier"], demo["today"]
    assert today["providers"] == earlier["providers"] == 60
    assert today["residents"] == earlier["residents"]
    assert today["status changes"] == earlier["status changes"]
    assert today["runs"] > earlier["runs"] and today["batches"] > earlier["batches"]
    # The run that waited for review 120 days ago has been approved and paid since.
    waited = GrantRun.objects.get(pk=earlier["waiting run"])
    assert waited.status == GrantRun.Status.APPROVED
    assert PaymentItem.objects.filter(grant_line__run=waited, state=PaymentItem.State.PAID).exists()
    # Licences that expired in between were renewed; reports that fell due were sent.
    assert "licences renewed: 0" not in demo["output"]
    # Run again the same day: nothing new.
    assert counts() == today
    assert "0 created, 60 already present" in demo["again"]
    assert Provider.objects.values("name").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    assert (
        not Licence.objects.values("provider", "kind", "issued_on")
        .annotate(n=Count("pk"))
        .filter(~Q(kind=Licence.Kind.MEDICAL_FILING), n__gt=1)
        .exists()
    )
