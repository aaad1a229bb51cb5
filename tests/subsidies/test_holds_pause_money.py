"""Holds pause money; they do not forfeit it (DOMAIN §7, §4 "suspends … until verified
fixed"), and a payment batch can never hold a line of a provider on hold, a month not yet
ended, or days before the provider was filed (issue 13)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from factories import CreditRecordFactory, LicenceFactory, ProviderHoldFactory, ResidentFactory, noon

from registry.holds import hold_close, hold_spans, providers_on_hold
from registry.models import Licence
from registry.periods import add_months, month_bounds, previous_month
from safeguards.models import AuditEntry
from subsidies.models import GrantLine, GrantRun, Instalment, PaymentItem
from subsidies.services import batch_approve, batch_create, batch_submit, run_approve, run_refresh
from subsidies.withholding import describe_withholding, line_withholdings, with_withheld_totals, withheld_lines

pytestmark = pytest.mark.django_db

BT = "BT-OPERATING"


def today() -> datetime.date:
    return timezone.localdate()


LAST_MONTH = previous_month(today())


@pytest.fixture
def home(make_provider):
    """A certified Kundulun home with three residents all year."""
    provider = make_provider()
    for _ in range(3):
        ResidentFactory(provider=provider, admitted_on=datetime.date(2025, 6, 1))
    return provider


@pytest.fixture
def paid_in(finance, batch_approver, divisions):
    """``paid_in()``: a league/city batch of Kundulun created now → the items it took."""

    def make():
        from registry.models import Division

        batch = batch_create(
            name="月度", division=Division.objects.get(code="150203"), payer_level="league_city", prepared_by=finance
        )
        return batch, list(batch.items.order_by("pk"))

    return make


def line_of(run: GrantRun, provider) -> GrantLine:
    return run.lines.get(provider=provider, kind=GrantLine.Kind.REGULAR)


def test_an_open_major_hazard_keeps_last_month_out_of_the_batch_and_its_end_releases_it(home, approved_run, paid_in):
    # 000 / DOMAIN §4: an open major hazard suspends the money "until verified fixed".
    ProviderHoldFactory(provider=home, source="finding:1", started_at=noon(LAST_MONTH))
    line = line_of(approved_run(BT, LAST_MONTH), home)
    assert line.amount == Decimal("300.00") and line.holds == []  # the month is earned …

    _batch, items = paid_in()
    assert [item.grant_line_id for item in items] == []  # … but not paid while the hazard is open
    assert list(withheld_lines()) == [line]

    hold_close(provider=home, source="finding:1")
    _batch, items = paid_in()

    assert [item.grant_line_id for item in items] == [line.pk]
    assert list(withheld_lines()) == []
    [span] = line_withholdings([line])[line.pk]
    assert (span.started_on, span.released_on) == (LAST_MONTH, today())
    with translation.override("en"):
        text = describe_withholding(span)
    assert text.startswith(f"withheld from {LAST_MONTH} to {today()}, released on {today()}")


def test_a_hold_that_ended_before_the_month_was_paid_costs_nothing(home, approved_run, paid_in):
    # The old rule kept a month with a hold on any day unpaid for ever.
    first = month_bounds(LAST_MONTH)[0]
    ProviderHoldFactory(provider=home, started_at=noon(first), ended_at=noon(first + datetime.timedelta(days=9)))
    line = line_of(approved_run(BT, LAST_MONTH), home)

    _batch, items = paid_in()

    assert [item.grant_line_id for item in items] == [line.pk]
    assert line_withholdings([line]) == {}  # it was never payable while the hold was open


def test_a_blacklisted_provider_is_paid_nothing_of_any_scheme_until_the_blacklisting_ends(
    home, approved_run, paid_in, released_instalment
):
    instalment = released_instalment(home)
    line = line_of(approved_run(BT, LAST_MONTH), home)
    record = CreditRecordFactory(provider=home, start_on=today() - datetime.timedelta(days=3))

    _batch, items = paid_in()
    assert items == []
    assert home in providers_on_hold()
    [totals] = with_withheld_totals(providers_on_hold().filter(pk=home.pk))
    assert (totals.withheld_lines, totals.withheld_amount) == (1, Decimal("300.00"))

    record.end_on = today() - datetime.timedelta(days=1)
    record.save()
    _batch, items = paid_in()

    assert {(item.grant_line_id, item.instalment_id) for item in items} == {(line.pk, None), (None, instalment.pk)}


def test_insurance_co_funding_waits_for_the_hold_too(make_provider, approved_run, paid_in):
    home = make_provider()
    LicenceFactory(
        provider=home,
        kind=Licence.Kind.LIABILITY_INSURANCE,
        issued_on=LAST_MONTH + datetime.timedelta(days=4),
        expires_on=add_months(LAST_MONTH, 12),
        premium_yuan=Decimal("10000.00"),
    )
    run = approved_run("BT-INSURANCE-532", LAST_MONTH)
    assert run.lines.filter(provider=home).exists()
    ProviderHoldFactory(provider=home, source="finding:9")

    _batch, items = paid_in()

    assert [item for item in items if item.provider_id == home.pk] == []


@pytest.mark.parametrize("kind", [Licence.Kind.FIRE_FILING, Licence.Kind.FOOD_BUSINESS])
def test_a_lapsed_licence_pauses_payment_until_a_new_one_is_recorded(home, approved_run, paid_in, kind):
    lapsed_on = today() - datetime.timedelta(days=20)
    LicenceFactory(provider=home, kind=kind, issued_on=datetime.date(2023, 1, 1), expires_on=lapsed_on)
    line = line_of(approved_run(BT, LAST_MONTH), home)

    assert paid_in()[1] == []

    LicenceFactory(provider=home, kind=kind, issued_on=today())
    _batch, items = paid_in()

    assert [item.grant_line_id for item in items] == [line.pk]
    [span] = hold_spans([home.pk], since=lapsed_on)[home.pk]
    assert (span.started_on, span.last_day, span.released_on) == (
        lapsed_on + datetime.timedelta(days=1),
        today() - datetime.timedelta(days=1),
        today(),
    )
    assert str(Licence.Kind(kind).label) in span.reason


def test_a_lapsed_liability_policy_does_not_pause_payment(home, approved_run, paid_in):
    LicenceFactory(
        provider=home, kind=Licence.Kind.LIABILITY_INSURANCE, expires_on=today() - datetime.timedelta(days=20)
    )
    line = line_of(approved_run(BT, LAST_MONTH), home)

    assert [item.grant_line_id for item in paid_in()[1]] == [line.pk]


def test_a_hold_opened_after_collection_takes_the_items_out_before_approval(
    home, make_provider, approved_run, paid_in, finance, batch_approver
):
    other = make_provider()
    ResidentFactory(provider=other, admitted_on=datetime.date(2025, 6, 1))
    run = approved_run(BT, LAST_MONTH)
    batch, items = paid_in()
    assert {item.provider_id for item in items} == {home.pk, other.pk}
    batch = batch_submit(batch=batch, user=finance)

    ProviderHoldFactory(provider=home, reason="重大火灾隐患未整改")
    approved = batch_approve(batch=batch, approver=batch_approver)

    assert [item.provider_id for item in approved.items.all()] == [other.pk]
    entry = AuditEntry.objects.get(action="batch.withhold")
    assert entry.after["providers"] == {home.name: ["重大火灾隐患未整改"]}
    # The line is not lost: it waits for the hold to end.
    assert list(withheld_lines()) == [line_of(run, home)]


def test_a_batch_whose_every_provider_is_on_hold_is_not_approved(home, approved_run, paid_in, finance, batch_approver):
    approved_run(BT, LAST_MONTH)
    batch, _items = paid_in()
    batch = batch_submit(batch=batch, user=finance)
    ProviderHoldFactory(provider=home)

    with translation.override("en"), pytest.raises(ValidationError, match="on hold"):
        batch_approve(batch=batch, approver=batch_approver)
    assert PaymentItem.objects.filter(batch=batch).count() == 1  # nothing changed


def test_a_month_not_yet_ended_is_never_in_a_batch(home, run_approver, paid_in):
    this_month = today().replace(day=1)
    month_end = month_bounds(this_month)[1]
    with mock.patch("subsidies.runs.timezone.localdate", return_value=month_end):  # prepared on its last day
        run = run_refresh(scheme_code=BT, period=this_month)
    run_approve(run=run, approver=run_approver)

    assert [item for item in paid_in()[1] if item.period == this_month] == []


def test_days_before_the_provider_was_filed_are_never_in_a_batch(make_provider, run_approver, paid_in):
    filed_on = previous_month(LAST_MONTH) + datetime.timedelta(days=14)
    home = make_provider(filed_on=filed_on)
    run = run_refresh(scheme_code=BT, period=LAST_MONTH)
    run_approve(run=run, approver=run_approver)
    # A line written for a month before the filing (an import, a hand edit): never paid.
    early = GrantLine.objects.create(
        run=run,
        scheme=run.scheme,
        provider=home,
        period=add_months(filed_on.replace(day=1), -1),
        kind=GrantLine.Kind.ADJUSTMENT,
        quantity=Decimal(1),
        rate=Decimal("100.00"),
        amount=Decimal("100.00"),
    )

    assert early.pk not in [item.grant_line_id for item in paid_in()[1]]


def test_next_years_instalment_is_never_in_a_batch_even_if_marked_released(home, released_instalment, paid_in):
    first = released_instalment(home)
    second = first.grant.instalments.get(number=2)
    Instalment.objects.filter(pk=second.pk).update(status=Instalment.Status.RELEASED)  # a hand edit

    assert [item.instalment_id for item in paid_in()[1]] == [first.pk]
