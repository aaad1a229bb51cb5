"""Monthly operating grant runs: one line per eligible provider with its basis, caps,
holds, duplicate residents, idempotent refresh, frozen approved runs and adjustments,
the management command and the Celery task."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from factories import (
    DONGHE,
    HOHHOT,
    KUNDULUN,
    CreditRecordFactory,
    ProviderHoldFactory,
    ResidentFactory,
    division,
    noon,
)

from registry.holds import providers_on_hold
from registry.models import LegalForm, OperationMode, ProviderKind, ProviderStatusChange
from registry.periods import previous_month
from safeguards.identifiers import mask_id_number
from subsidies.models import GrantLine, GrantRun, PayerLevel, PaymentItem, Rate
from subsidies.services import batch_create, run_approve, run_refresh
from subsidies.tasks import refresh_monthly_runs

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
D = datetime.date
SEP = D(2026, 9, 1)
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
DEC = D(2026, 12, 1)
BT = "BT-OPERATING"


def residents(provider, n, **fields):
    return [ResidentFactory(provider=provider, **fields) for _ in range(n)]


def refresh(period=NOV, scheme_code=BT, **kwargs):
    return run_refresh(scheme_code=scheme_code, period=period, **kwargs)


def regular_line(run, provider):
    return run.lines.get(provider=provider, kind=GrantLine.Kind.REGULAR)


def hold_codes(line):
    return sorted(hold["code"] for hold in line.holds)


def snapshot(run):
    return sorted(
        (line.provider_id, line.kind, line.period, line.quantity, line.rate, line.amount, json.dumps(line.holds))
        for line in run.lines.all()
    )


@pytest.fixture
def provider(make_provider):
    """Certified in January 2026, 100 beds, three residents present all November."""
    provider = make_provider()
    residents(provider, 3)
    return provider


# --- one line per eligible provider, with its basis ---------------------------------------


def test_one_line_per_eligible_provider_with_its_basis(provider, make_provider):
    filed_for_profit = make_provider(status="filed", legal_form=LegalForm.FOR_PROFIT, division=division(DONGHE))
    make_provider(kind=ProviderKind.DAY_CARE_CENTRE)  # not an institution: not in this scheme
    make_provider(status="draft")  # not filed
    make_provider(division=division(HOHHOT))  # outside Baotou

    run = refresh()

    assert run.status == GrantRun.Status.DRAFT
    assert sorted(run.lines.values_list("provider_id", flat=True)) == sorted([provider.pk, filed_for_profit.pk])
    line = regular_line(run, provider)
    rate = Rate.objects.get(scheme__code=BT, key="any")
    assert (line.period, line.quantity, line.rate, line.amount) == (
        NOV,
        Decimal(3),
        Decimal("100.00"),
        Decimal("300.00"),
    )
    assert line.holds == [] and line.flags == [] and line.payable
    assert line.basis == {
        "rule": "min_days",
        "min_days": 15,
        "census_day": None,
        "eligible_days": [["2026-11-01", "2026-11-30"]],
        "residents_counted": "3",
        "residents_excluded_as_duplicates": 0,
        "cap_beds": 100,
        "capped": False,
        "grade": 0,
        "rate_key": "any",
        "rate_id": rate.pk,
    }


def test_a_resident_present_fewer_than_15_days_is_not_counted(provider):
    ResidentFactory(provider=provider, admitted_on=D(2026, 11, 17))  # 14 days
    ResidentFactory(provider=provider, admitted_on=D(2026, 11, 16))  # 15 days
    ResidentFactory(provider=provider, admitted_on=D(2024, 1, 1), discharged_on=D(2026, 10, 31))  # gone

    line = regular_line(refresh(), provider)

    assert (line.quantity, line.amount) == (Decimal(4), Decimal("400.00"))


def test_occupancy_is_capped_at_the_approved_beds(make_provider):
    small = make_provider(beds=2, nursing_beds=0)
    residents(small, 3)

    line = regular_line(refresh(), small)

    assert (line.quantity, line.amount) == (Decimal(2), Decimal("200.00"))
    assert line.basis["residents_counted"] == "3"
    assert (line.basis["cap_beds"], line.basis["capped"]) == (2, True)


def test_a_provider_without_residents_gets_a_zero_line(make_provider):
    empty = make_provider()

    line = regular_line(refresh(), empty)

    assert (line.quantity, line.amount) == (Decimal(0), Decimal("0.00"))
    assert not line.payable


def test_a_division_run_covers_only_that_division(provider, make_provider):
    other = make_provider(division=division(DONGHE))
    residents(other, 1)

    run = refresh(division_code=DONGHE)

    assert list(run.lines.values_list("provider_id", flat=True)) == [other.pk]


# --- holds --------------------------------------------------------------------------------


def test_suspended_during_the_month_takes_out_only_the_days_suspended(provider, lifecycle):
    """DOMAIN §7: status decides which days count, it does not hold the month. 10-19
    November suspended: 9 + 11 = 20 days ≥ 15, so the three residents count."""
    lifecycle(provider, Action.SUSPEND, D(2026, 11, 10))
    lifecycle(provider, Action.REINSTATE, D(2026, 11, 20))

    november = regular_line(refresh(NOV), provider)
    october = regular_line(refresh(OCT), provider)

    assert november.basis["eligible_days"] == [["2026-11-01", "2026-11-09"], ["2026-11-20", "2026-11-30"]]
    assert hold_codes(november) == []
    assert november.amount == Decimal("300.00") and november.payable
    assert hold_codes(october) == [] and october.payable


def test_suspended_the_whole_month_is_neither_filed_nor_certified(provider, lifecycle):
    lifecycle(provider, Action.SUSPEND, D(2026, 10, 20))

    line = regular_line(refresh(NOV), provider)

    assert hold_codes(line) == ["not_filed"]
    assert line.basis["eligible_days"] == []
    assert not line.payable


def test_closed_during_the_month_counts_only_the_days_before_and_closed_before_gets_none(
    provider, make_provider, lifecycle
):
    lifecycle(provider, Action.CLOSE, D(2026, 11, 10))
    closed_earlier = make_provider()
    residents(closed_earlier, 2)
    lifecycle(closed_earlier, Action.CLOSE, D(2026, 10, 15))

    run = refresh(NOV)

    line = regular_line(run, provider)
    assert line.basis["eligible_days"] == [["2026-11-01", "2026-11-09"]]
    assert (line.quantity, line.amount) == (Decimal(0), Decimal("0.00"))  # 9 days < 15
    assert not run.lines.filter(provider=closed_earlier).exists()


def test_a_blacklisting_during_the_month_does_not_change_the_line(provider, make_provider):
    # Holds pause payment (the batch decides), they do not forfeit the month (DOMAIN §7).
    CreditRecordFactory(provider=provider, start_on=D(2026, 11, 30))

    line = regular_line(refresh(NOV), provider)

    assert hold_codes(line) == [] and line.amount == Decimal("300.00") and line.payable


def test_an_open_provider_hold_does_not_change_the_line(provider):
    # Opened on 10 November (not "now": the test must not depend on the day it runs).
    ProviderHoldFactory(
        provider=provider, source="finding:7", reason="重大火灾隐患未整改", started_at=noon(D(2026, 11, 10))
    )

    november = regular_line(refresh(NOV), provider)

    assert november.holds == [] and november.amount == Decimal("300.00")
    assert provider in providers_on_hold()  # the payment batch leaves it out (test_holds_pause_money)


# --- duplicate residents ------------------------------------------------------------------


def test_a_resident_in_two_providers_in_one_month_is_flagged_on_both_and_counted_on_neither(provider, make_provider):
    other = make_provider()
    residents(other, 1)
    twice = ResidentFactory(provider=provider, admitted_on=D(2026, 1, 1))
    ResidentFactory(provider=other, id_number=twice.id_number, admitted_on=D(2026, 11, 10))

    run = refresh()

    mine, theirs = regular_line(run, provider), regular_line(run, other)
    assert (mine.quantity, theirs.quantity) == (Decimal(3), Decimal(1))
    expected_flag = {
        "code": "duplicate_resident",
        "resident": mask_id_number(twice.id_number),
        "providers": sorted([provider.pk, other.pk]),
    }
    assert mine.flags == [expected_flag]
    assert theirs.flags == [expected_flag]
    assert mine.basis["residents_excluded_as_duplicates"] == 1
    assert twice.id_number not in json.dumps([mine.flags, mine.basis, theirs.flags, theirs.basis])


def test_a_resident_in_three_providers_is_flagged_on_all_three(provider, make_provider):
    second, third = make_provider(), make_provider()
    thrice = ResidentFactory(provider=provider, admitted_on=D(2026, 1, 1))
    for other in (second, third):
        ResidentFactory(provider=other, id_number=thrice.id_number, admitted_on=D(2026, 11, 10))

    run = refresh()

    everywhere = sorted([provider.pk, second.pk, third.pk])
    for home in (provider, second, third):
        assert [flag["providers"] for flag in regular_line(run, home).flags] == [everywhere]
    assert regular_line(run, second).quantity == Decimal(0)


def test_a_move_between_providers_across_a_month_end_is_not_a_duplicate(provider, make_provider):
    other = make_provider()
    moved = ResidentFactory(provider=provider, admitted_on=D(2025, 1, 1), discharged_on=D(2026, 10, 31))
    ResidentFactory(provider=other, id_number=moved.id_number, admitted_on=D(2026, 11, 1))

    run = refresh()

    assert regular_line(run, provider).flags == []
    assert (regular_line(run, other).quantity, regular_line(run, other).flags) == (Decimal(1), [])


# --- refresh and approval -----------------------------------------------------------------


def test_refreshing_a_draft_replaces_its_lines(provider, make_provider):
    other = make_provider()
    residents(other, 2)
    first = refresh()
    before = snapshot(first)

    again = refresh()

    assert again.pk == first.pk
    assert snapshot(again) == before
    assert GrantLine.objects.count() == 2
    assert GrantRun.objects.count() == 1


def test_refreshing_picks_up_roster_changes(provider):
    run = refresh()
    ResidentFactory(provider=provider)

    refresh()

    assert run.lines.get().quantity == Decimal(4)


def test_an_approved_run_refuses_a_refresh(provider, approved_run):
    run = approved_run(BT, NOV)
    before = list(run.lines.values_list("pk", "amount"))
    ResidentFactory(provider=provider)

    with pytest.raises(ValidationError):
        refresh()

    assert list(run.lines.values_list("pk", "amount")) == before
    assert GrantRun.objects.get(pk=run.pk).status == GrantRun.Status.APPROVED


def test_whoever_prepared_a_run_cannot_approve_it(provider, clerk, make_staff):
    from django.contrib.auth.models import Permission

    run = refresh(user=clerk, division_code=KUNDULUN)  # the city-wide run is not a district clerk's
    clerk.user_permissions.add(Permission.objects.get(codename="approve_grantrun"))
    clerk = type(clerk).objects.get(pk=clerk.pk)

    with pytest.raises(PermissionDenied):
        run_approve(run=run, approver=clerk)
    with pytest.raises(PermissionDenied):
        run_approve(run=run, approver=make_staff(None, KUNDULUN))  # no permission

    assert GrantRun.objects.get(pk=run.pk).status == GrantRun.Status.DRAFT


def test_a_run_is_approved_once(provider, approved_run, make_approver):
    run = approved_run(BT, NOV)

    with pytest.raises(ValidationError):
        run_approve(run=run, approver=make_approver("approve_grantrun"))


# --- corrections after approval -----------------------------------------------------------


def test_a_discharge_corrected_after_approval_gives_an_adjustment_at_the_approved_rate(provider, approved_run):
    october = approved_run(BT, OCT)
    october_line = regular_line(october, provider)
    assert october_line.amount == Decimal("300.00")
    # The roster is corrected: one resident actually left on 5 October (5 days < 15)…
    resident = provider.residents.order_by("pk").first()
    resident.discharged_on = D(2026, 10, 5)
    resident.save()
    # …and the rate is edited since: the correction must use the rate approved in October.
    Rate.objects.filter(scheme__code=BT, key="any").update(amount=Decimal("150.00"))

    november = refresh(NOV)

    regular = regular_line(november, provider)
    assert (regular.quantity, regular.rate, regular.amount) == (Decimal(2), Decimal("150.00"), Decimal("300.00"))
    adjustment = november.lines.get(kind=GrantLine.Kind.ADJUSTMENT)
    assert adjustment.provider == provider
    assert adjustment.period == OCT
    assert adjustment.adjusts == october_line
    assert (adjustment.quantity, adjustment.rate, adjustment.amount) == (
        Decimal(-1),
        Decimal("100.00"),
        Decimal("-100.00"),
    )
    # October itself is untouched.
    assert GrantLine.objects.get(pk=october_line.pk).amount == Decimal("300.00")


def test_a_resident_reported_late_gives_a_positive_adjustment_once(provider, approved_run, monkeypatch):
    approved_run(BT, OCT)
    ResidentFactory(provider=provider, admitted_on=D(2026, 9, 1))  # was there all October

    november = refresh(NOV)
    assert list(november.lines.filter(kind=GrantLine.Kind.ADJUSTMENT).values_list("period", "amount")) == [
        (OCT, Decimal("100.00"))
    ]
    refresh(NOV)  # a second refresh does not add a second adjustment
    assert november.lines.filter(kind=GrantLine.Kind.ADJUSTMENT).count() == 1
    approved_run(BT, NOV)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2027, 1, 4))  # December has ended

    december = refresh(DEC)

    assert not december.lines.filter(kind=GrantLine.Kind.ADJUSTMENT).exists()


def test_no_adjustment_when_nothing_changed(provider, approved_run):
    approved_run(BT, OCT)

    assert not refresh(NOV).lines.filter(kind=GrantLine.Kind.ADJUSTMENT).exists()


# --- zero lines ---------------------------------------------------------------------------


def test_zero_amount_lines_are_not_put_into_payment_batches(provider, make_provider, approved_run, finance):
    empty = make_provider()
    run = approved_run(BT, NOV)
    assert regular_line(run, empty).amount == Decimal("0.00")

    batch = batch_create(
        name="11月", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance
    )

    assert list(batch.items.values_list("provider_id", "amount")) == [(provider.pk, Decimal("300.00"))]
    assert not PaymentItem.objects.filter(provider=empty).exists()


# --- region scheme: rates by grade --------------------------------------------------------


def test_region_operating_grant_uses_the_grade_rate(make_provider):
    grade3 = make_provider(grade=3)
    residents(grade3, 3)
    unrated = make_provider(grade=0)
    residents(unrated, 2)
    for_profit = make_provider(grade=3, legal_form=LegalForm.FOR_PROFIT, operation_mode=OperationMode.PRIVATE)
    public_built = make_provider(
        grade=5, legal_form=LegalForm.FOR_PROFIT, operation_mode=OperationMode.PUBLIC_BUILT_PRIVATE_RUN
    )
    residents(public_built, 1)

    run = refresh(NOV, scheme_code="IM-OPERATING")

    line = regular_line(run, grade3)
    assert (line.rate, line.amount, line.basis["grade"], line.basis["rate_key"]) == (
        Decimal("200.00"),
        Decimal("600.00"),
        3,
        "3",
    )
    assert line.payable
    assert hold_codes(regular_line(run, unrated)) == ["no_rate"]
    assert not regular_line(run, unrated).payable
    assert not run.lines.filter(provider=for_profit).exists()
    assert regular_line(run, public_built).amount == Decimal("300.00")
    assert run.division.code == "150000"


# --- management command -------------------------------------------------------------------


def run_command(*args):
    out = io.StringIO()
    call_command("run_operating_grants", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_writes_the_lines_as_csv_with_a_bom(provider, tmp_path):
    path = tmp_path / "f.csv"

    run_command("--period", "2026-11", "--output", str(path))

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["uscc", "provider", "counted_residents", "rate", "amount", "holds"]
    # Both operating schemes: Baotou's pays 100/bed; the region's has no rate for grade 0.
    assert sorted((r[0], r[1], Decimal(r[2]), r[3], r[4], r[5]) for r in rows[1:]) == sorted(
        [
            (provider.uscc, provider.name, Decimal(3), "100.00", "300.00", ""),
            (provider.uscc, provider.name, Decimal(3), "0.00", "0.00", "no_rate"),
        ]
    )


def test_command_csv_keeps_a_pro_rata_count_to_four_places(make_provider, tmp_path):
    from subsidies.models import SubsidyScheme

    SubsidyScheme.objects.filter(code=BT).update(occupancy_rule="pro_rata", occupancy_min_days=None)
    provider = make_provider()
    residents(provider, 2)
    ResidentFactory(provider=provider, admitted_on=D(2026, 11, 21))  # 10 of 30 days
    path = tmp_path / "f.csv"

    run_command("--period", "2026-11", "--scheme", BT, "--output", str(path))

    [row] = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]
    assert row[4] == "233.33"
    assert (Decimal(row[2]) * Decimal(row[3])).quantize(Decimal("0.01")) == Decimal(row[4])


def test_command_for_one_scheme_and_division(provider, make_provider, tmp_path):
    other = make_provider(division=division(DONGHE))
    path = tmp_path / "f.csv"

    run_command("--period", "2026-11", "--scheme", BT, "--division", KUNDULUN, "--output", str(path))

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [provider.uscc]
    assert not GrantLine.objects.filter(provider=other).exists()
    assert GrantRun.objects.get().division.code == KUNDULUN


def test_command_twice_leaves_one_run_with_the_same_lines(provider):
    run_command("--period", "2026-11", "--scheme", BT)
    before = snapshot(GrantRun.objects.get())

    run_command("--period", "2026-11", "--scheme", BT)

    assert snapshot(GrantRun.objects.get()) == before


@pytest.mark.parametrize("period", ["2026-13", "2026/11", "November", "2026-11-01", ""])
def test_command_refuses_a_bad_period(divisions, period):
    with pytest.raises(CommandError):
        run_command("--period", period)
    assert not GrantRun.objects.exists()


def test_command_refuses_an_unknown_scheme(divisions):
    with pytest.raises(CommandError):
        run_command("--period", "2026-11", "--scheme", "XX-NOPE")


def test_command_refuses_an_unknown_division(divisions):
    with pytest.raises(CommandError):
        run_command("--period", "2026-11", "--scheme", BT, "--division", "159999")


# --- Celery task --------------------------------------------------------------------------


def test_the_monthly_task_twice_gives_the_same_lines(provider):
    first = refresh_monthly_runs.delay("2026-11").get()
    before = {run.scheme.code: snapshot(run) for run in GrantRun.objects.all()}

    second = refresh_monthly_runs.delay("2026-11").get()

    assert second == first
    assert first[BT] == "1 lines"
    assert {run.scheme.code: snapshot(run) for run in GrantRun.objects.all()} == before
    assert GrantRun.objects.filter(scheme__code=BT).count() == 1


def test_the_monthly_task_leaves_approved_runs_alone(provider, approved_run):
    run = approved_run(BT, NOV)
    before = snapshot(run)

    result = refresh_monthly_runs.delay("2026-11").get()

    assert BT in result and result[BT] != "1 lines"  # refused with a message
    assert snapshot(run) == before


def test_the_monthly_task_defaults_to_last_month(provider):
    refresh_monthly_runs.delay().get()

    assert set(GrantRun.objects.values_list("period", flat=True)) == {previous_month(timezone.localdate())}


def test_a_run_outside_the_schemes_jurisdiction_is_refused(divisions):
    with pytest.raises(ValidationError):
        refresh(division_code=HOHHOT)
    assert not GrantRun.objects.exists()


def test_a_scheme_that_is_not_monthly_has_no_run(divisions):
    with pytest.raises(ValidationError):
        refresh(scheme_code="BT-CONSTRUCT-BED")
