"""Construction grants: quote (saves nothing), fixed-scheme thresholds, preparation and
eligibility, approval by someone else, 3:3:4 instalments, and the yearly review that
releases, withholds or cancels them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from factories import BAOTOU, CreditRecordFactory

from registry.holds import hold_close, hold_open
from registry.models import LegalForm, ProviderKind, ProviderStatusChange
from registry.periods import years_later
from subsidies.models import ConstructionGrant, Instalment, Rate, SubsidyScheme
from subsidies.services import construction_quote, grant_approve, grant_prepare, instalments_review
from subsidies.tasks import review_instalments

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
S = Instalment.Status


def today() -> datetime.date:
    return timezone.localdate()


def quote(**kwargs):
    defaults = {"first_year": 2026}
    return construction_quote(**{**defaults, **kwargs})


def with_permission(user, codename):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="subsidies", codename=codename))
    return type(user).objects.get(pk=user.pk)


def statuses(grant: ConstructionGrant) -> list[str]:
    return list(grant.instalments.order_by("number").values_list("status", flat=True))


# --- quote --------------------------------------------------------------------------------


def test_quote_saves_nothing(divisions):
    models = [ConstructionGrant, Instalment, SubsidyScheme, Rate, SubsidyScheme.history.model, Rate.history.model]
    before = [model.objects.count() for model in models]

    result = quote(scheme_code="BT-CONSTRUCT-BED", basis="new_build", beds=120, floor_area_m2=Decimal("3600"))

    assert result.total == Decimal("600000.00")
    assert [model.objects.count() for model in models] == before


def test_quote_for_a_scheme_that_is_not_a_construction_subsidy_is_refused(divisions):
    with pytest.raises(ValidationError):
        quote(scheme_code="BT-OPERATING", basis="any", beds=10, floor_area_m2=Decimal("300"))


def test_quote_for_a_basis_without_rate_is_refused(divisions):
    # Baotou has no rate for leased premises.
    with pytest.raises(ValidationError):
        quote(scheme_code="BT-CONSTRUCT-BED", basis="leased_5y", beds=10, floor_area_m2=Decimal("300"))


@pytest.mark.parametrize(
    "basis, extra, total",
    [
        ("happiness_home", {"households_served": 49}, "0.00"),
        ("happiness_home", {"households_served": 50}, "200000.00"),
        ("happiness_home", {"households_served": None}, "0.00"),
        ("day_care_centre", {"floor_area_m2": Decimal("149.99")}, "0.00"),
        ("day_care_centre", {"floor_area_m2": Decimal("150")}, "100000.00"),
        ("service_station", {"floor_area_m2": Decimal("99.99")}, "0.00"),
        ("service_station", {"floor_area_m2": Decimal("100.00")}, "50000.00"),
    ],
)
def test_fixed_scheme_thresholds(divisions, basis, extra, total):
    kwargs = {"beds": 0, "floor_area_m2": Decimal("80"), **extra}

    result = quote(scheme_code="BT-CONSTRUCT-FIXED", basis=basis, **kwargs)

    assert result.total == Decimal(total)
    assert result.instalments == [(2026, Decimal(total))]  # one payment: the text gives no schedule
    assert bool(result.problems) == (result.total == 0)


def test_a_fixed_quote_below_its_threshold_says_what_is_missing(divisions):
    with translation.override("en"):
        result = quote(
            scheme_code="BT-CONSTRUCT-FIXED",
            basis="happiness_home",
            beds=0,
            floor_area_m2=Decimal("80"),
            households_served=49,
        )

    assert result.problems == ["Needs households served of at least 50.00."]  # the field by its name


# --- prepare ------------------------------------------------------------------------------


def test_prepare_records_the_computed_figures_as_a_draft(make_provider, clerk):
    provider = make_provider()

    grant = grant_prepare(
        provider=provider,
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=37,
        floor_area_m2=Decimal("1000"),
        prepared_by=clerk,
    )

    grant.refresh_from_db()
    assert grant.status == ConstructionGrant.Status.DRAFT
    assert (grant.eligible_beds, grant.rate_amount, grant.total) == (33, Decimal("5000.00"), Decimal("165000.00"))
    assert grant.prepared_by == clerk
    assert not grant.instalments.exists()


def test_a_for_profit_provider_is_refused_the_region_per_bed_subsidy(make_provider, clerk):
    provider = make_provider(legal_form=LegalForm.FOR_PROFIT)

    with pytest.raises(ValidationError):
        grant_prepare(
            provider=provider,
            scheme_code="IM-CONSTRUCT-BED",
            basis="new_build",
            beds_claimed=10,
            floor_area_m2=Decimal("300"),
            prepared_by=clerk,
        )
    assert not ConstructionGrant.objects.exists()


def test_a_provider_that_has_not_filed_is_refused(make_provider, clerk):
    provider = make_provider(status="draft")

    with pytest.raises(ValidationError):
        grant_prepare(
            provider=provider,
            scheme_code="BT-CONSTRUCT-BED",
            basis="new_build",
            beds_claimed=10,
            floor_area_m2=Decimal("300"),
            prepared_by=clerk,
        )


def _prepare_leased(provider, clerk, lease_end):
    return grant_prepare(
        provider=provider,
        scheme_code="IM-CONSTRUCT-BED",
        basis="leased_5y",
        beds_claimed=10,
        floor_area_m2=Decimal("300"),
        prepared_by=clerk,
        lease_end=lease_end,
    )


@pytest.mark.parametrize("years, days", [(4, 0), (5, -1), (None, 0)])
def test_a_lease_shorter_than_five_years_is_refused_on_the_lease_end(make_provider, clerk, years, days):
    provider = make_provider()
    lease_end = None if years is None else years_later(today(), years) + datetime.timedelta(days=days)

    with pytest.raises(ValidationError) as error:
        _prepare_leased(provider, clerk, lease_end)

    assert list(error.value.message_dict) == ["lease_end"]
    assert not ConstructionGrant.objects.exists()


def test_a_lease_of_exactly_five_years_is_accepted(make_provider, clerk):
    provider = make_provider()

    grant = _prepare_leased(provider, clerk, years_later(today(), 5))

    assert grant.total == Decimal("20000.00")


def test_prepare_a_happiness_home_checks_households_served(make_provider, clerk):
    small = make_provider(kind=ProviderKind.HAPPINESS_HOME, beds=0, nursing_beds=0, households_served=49)
    large = make_provider(kind=ProviderKind.HAPPINESS_HOME, beds=0, nursing_beds=0, households_served=50)
    kwargs = {
        "scheme_code": "BT-CONSTRUCT-FIXED",
        "basis": "happiness_home",
        "beds_claimed": 0,
        "floor_area_m2": Decimal("200"),
        "prepared_by": clerk,
    }

    with pytest.raises(ValidationError):
        grant_prepare(provider=small, **kwargs)
    grant = grant_prepare(provider=large, **kwargs)

    assert grant.total == Decimal("200000.00")


# --- approve ------------------------------------------------------------------------------


@pytest.fixture
def draft_grant(make_provider, clerk):
    return grant_prepare(
        provider=make_provider(beds=120),
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=120,
        floor_area_m2=Decimal("3600"),
        prepared_by=clerk,
    )


def test_the_preparer_cannot_approve_even_with_the_permission(draft_grant, clerk):
    preparer = with_permission(clerk, "approve_constructiongrant")

    with pytest.raises(PermissionDenied):
        grant_approve(grant=draft_grant, approver=preparer)

    assert ConstructionGrant.objects.get(pk=draft_grant.pk).status == ConstructionGrant.Status.DRAFT
    assert not Instalment.objects.exists()


def test_an_approver_without_the_permission_is_refused(draft_grant, make_staff):
    without = make_staff(None, BAOTOU)

    with pytest.raises(PermissionDenied):
        grant_approve(grant=draft_grant, approver=without)

    assert ConstructionGrant.objects.get(pk=draft_grant.pk).status == ConstructionGrant.Status.DRAFT
    assert not Instalment.objects.exists()


def test_approval_schedules_334_in_the_approval_year_and_the_next_two(draft_grant, grant_approver):
    grant = grant_approve(grant=draft_grant, approver=grant_approver, on=datetime.date(2026, 11, 23))

    grant.refresh_from_db()
    assert grant.status == ConstructionGrant.Status.APPROVED
    assert (grant.approved_by, grant.approved_on) == (grant_approver, datetime.date(2026, 11, 23))
    rows = list(grant.instalments.order_by("number").values_list("number", "year", "amount", "status"))
    assert rows == [
        (1, 2026, Decimal("180000.00"), S.SCHEDULED),
        (2, 2027, Decimal("180000.00"), S.SCHEDULED),
        (3, 2028, Decimal("240000.00"), S.SCHEDULED),
    ]
    assert sum(row[2] for row in rows) == grant.total


def test_a_grant_cannot_be_approved_twice(draft_grant, grant_approver, make_approver):
    grant_approve(grant=draft_grant, approver=grant_approver)

    with pytest.raises(ValidationError):
        grant_approve(grant=draft_grant, approver=make_approver("approve_constructiongrant"))
    assert Instalment.objects.filter(grant=draft_grant).count() == 3


def test_a_rate_edited_after_approval_does_not_change_approved_figures(draft_grant, grant_approver):
    grant = grant_approve(grant=draft_grant, approver=grant_approver, on=datetime.date(2026, 11, 23))
    rate = Rate.objects.get(scheme__code="BT-CONSTRUCT-BED", key="new_build")
    rate.amount = Decimal("5500.00")
    rate.save()

    instalments_review(year=2028, on=today())

    grant.refresh_from_db()
    assert (grant.rate_amount, grant.total) == (Decimal("5000.00"), Decimal("600000.00"))
    assert list(grant.instalments.order_by("number").values_list("amount", flat=True)) == [
        Decimal("180000.00"),
        Decimal("180000.00"),
        Decimal("240000.00"),
    ]
    # …while a new quote uses the edited rate.
    assert quote(
        scheme_code="BT-CONSTRUCT-BED", basis="new_build", beds=120, floor_area_m2=Decimal("3600")
    ).total == Decimal("660000.00")


# --- yearly review ------------------------------------------------------------------------


@pytest.fixture
def provider(make_provider):
    return make_provider()


@pytest.fixture
def grant(provider, approved_grant):
    """BT-CONSTRUCT-BED, 10 beds, 50,000.00 approved this year: 15,000 / 15,000 / 20,000."""
    return approved_grant(provider)


def test_review_releases_this_years_instalment_of_a_certified_provider(grant):
    counts = instalments_review(year=today().year, on=today())

    assert counts == {"released": 1, "withheld": 0, "cancelled": 0}
    assert statuses(grant) == [S.RELEASED, S.SCHEDULED, S.SCHEDULED]
    first = grant.instalments.get(number=1)
    assert (first.withheld_reason, first.decided_on) == ("", today())


def test_review_of_a_later_year_releases_only_the_instalments_of_this_year(grant):
    # DOMAIN §7: instalments are released only in their own year, never earlier.
    instalments_review(year=today().year + 1, on=today())

    assert statuses(grant) == [S.RELEASED, S.SCHEDULED, S.SCHEDULED]


def test_a_second_review_changes_nothing(grant):
    instalments_review(year=today().year, on=today())
    before = list(grant.instalments.values_list("pk", "status", "withheld_reason", "decided_on"))

    counts = instalments_review(year=today().year, on=today())

    assert counts == {"released": 0, "withheld": 0, "cancelled": 0}
    assert list(grant.instalments.values_list("pk", "status", "withheld_reason", "decided_on")) == before
    assert Instalment.objects.count() == 3


def test_the_yearly_task_twice_decides_once(grant):
    first = review_instalments.delay(today().year).get()
    second = review_instalments.delay(today().year).get()

    assert first == {"released": 1, "withheld": 0, "cancelled": 0}
    assert second == {"released": 0, "withheld": 0, "cancelled": 0}
    assert statuses(grant) == [S.RELEASED, S.SCHEDULED, S.SCHEDULED]


def test_a_suspended_provider_has_its_instalment_withheld_then_released_on_reinstatement(grant, provider, lifecycle):
    lifecycle(provider, Action.SUSPEND, today())

    with translation.override("en"):
        instalments_review(year=today().year, on=today())
    first = grant.instalments.get(number=1)
    assert first.status == S.WITHHELD
    assert "Suspended" in first.withheld_reason

    lifecycle(provider, Action.REINSTATE, today())
    instalments_review(year=today().year, on=today())

    first.refresh_from_db()
    assert (first.status, first.withheld_reason) == (S.RELEASED, "")


def test_a_blacklisted_provider_has_its_instalment_withheld_until_delisted(grant, provider):
    record = CreditRecordFactory(provider=provider, start_on=today() - datetime.timedelta(days=30))

    with translation.override("en"):
        instalments_review(year=today().year, on=today())
    first = grant.instalments.get(number=1)
    assert first.status == S.WITHHELD
    assert "blacklisted" in first.withheld_reason

    record.end_on = today() - datetime.timedelta(days=1)
    record.save()
    instalments_review(year=today().year, on=today())

    first.refresh_from_db()
    assert first.status == S.RELEASED


def test_an_open_hold_withholds_the_instalment_with_its_reason_until_closed(grant, provider):
    hold_open(provider=provider, source="finding:42", reason="重大火灾隐患未整改")

    instalments_review(year=today().year, on=today())
    first = grant.instalments.get(number=1)
    assert (first.status, first.withheld_reason) == (S.WITHHELD, "重大火灾隐患未整改")

    hold_close(provider=provider, source="finding:42")
    instalments_review(year=today().year, on=today())

    first.refresh_from_db()
    assert first.status == S.RELEASED


def test_a_closed_provider_has_its_due_instalments_cancelled(grant, provider, lifecycle):
    lifecycle(provider, Action.CLOSE, today())

    with translation.override("en"):
        counts = instalments_review(year=today().year + 2, on=today())

    assert counts == {"released": 0, "withheld": 0, "cancelled": 3}
    assert statuses(grant) == [S.CANCELLED] * 3
    assert "Closed" in grant.instalments.get(number=1).withheld_reason


def test_a_withheld_instalment_is_cancelled_when_the_provider_then_closes(grant, provider, lifecycle):
    lifecycle(provider, Action.SUSPEND, today())
    instalments_review(year=today().year, on=today())
    lifecycle(provider, Action.CLOSE, today())

    instalments_review(year=today().year, on=today())

    assert statuses(grant) == [S.CANCELLED, S.SCHEDULED, S.SCHEDULED]


def test_instalments_of_a_draft_grant_are_never_reviewed(make_provider, clerk):
    grant_prepare(
        provider=make_provider(),
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=10,
        floor_area_m2=Decimal("300"),
        prepared_by=clerk,
    )

    assert instalments_review(year=today().year, on=today()) == {"released": 0, "withheld": 0, "cancelled": 0}


def test_each_instalment_decision_is_kept_in_its_history(grant):
    instalments_review(year=today().year, on=today())

    first = grant.instalments.get(number=1)
    assert list(first.history.order_by("history_date").values_list("status", flat=True)) == [S.SCHEDULED, S.RELEASED]


@pytest.mark.parametrize(
    "lease_end, accepted", [(datetime.date(2033, 2, 28), True), (datetime.date(2033, 2, 27), False)]
)
def test_five_years_from_29_february_end_on_28_february_as_every_other_period(
    make_provider, clerk, lease_end, accepted
):
    # 民法典 art. 202: a period in years with no corresponding day ends on the month's last day;
    # the same rule as nursing years (periods.years_later).
    provider = make_provider()
    with mock.patch("subsidies.instalments.timezone.localdate", return_value=datetime.date(2028, 2, 29)):
        if accepted:
            assert _prepare_leased(provider, clerk, lease_end).total == Decimal("20000.00")
        else:
            with pytest.raises(ValidationError, match="2033-02-28"):
                _prepare_leased(provider, clerk, lease_end)
