"""Who may receive what (DOMAIN §7, issue 13 part 1), each case written from its seed line:
ownership and legal form (000:1011-1022, 000:1044-1052, 004:80), the fixed construction
awards by kind of facility (004:80), caregivers of every kind of elderly service provider
(004:82), and a month counted only on the days the provider was filed or certified."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from factories import CaregiverFactory, ResidentFactory

from registry.models import LegalForm, OperationMode, Provider, ProviderKind, ProviderStatusChange
from subsidies.models import ConstructionGrant, GrantLine, OccupancyRule, SubsidyScheme
from subsidies.services import grant_approve, grant_prepare, run_approve, run_refresh

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
D = datetime.date
NOV = D(2026, 11, 1)
PUBLIC = {"legal_form": LegalForm.NON_PROFIT, "operation_mode": OperationMode.PUBLIC}
PUBLIC_BUILT = {"legal_form": LegalForm.NON_PROFIT, "operation_mode": OperationMode.PUBLIC_BUILT_PRIVATE_RUN}
PRIVATE_NON_PROFIT = {"legal_form": LegalForm.NON_PROFIT, "operation_mode": OperationMode.PRIVATE}
AIDED_NON_PROFIT = {"legal_form": LegalForm.NON_PROFIT, "operation_mode": OperationMode.PRIVATE_BUILT_PUBLIC_AID}
PRIVATE_FOR_PROFIT = {"legal_form": LegalForm.FOR_PROFIT, "operation_mode": OperationMode.PRIVATE}


def residents(provider: Provider, n: int, **fields: object) -> None:
    for _ in range(n):
        ResidentFactory(provider=provider, **fields)


def line_of(run, provider):
    return run.lines.get(provider=provider, kind=GrantLine.Kind.REGULAR)


def prepare(provider, clerk, scheme_code="BT-CONSTRUCT-BED", basis="new_build", beds=10, area="300"):
    return grant_prepare(
        provider=provider,
        scheme_code=scheme_code,
        basis=basis,
        beds_claimed=beds,
        floor_area_m2=Decimal(area),
        prepared_by=clerk,
    )


# --- region operating grant: social-run non-profits and 公建民营 (000:1044-1052) ----------


def test_region_operating_grant_is_not_paid_to_a_public_home(make_provider):
    """000:1044-1052: "对社会力量举办的非营利性养老机构 … 公建民营养老服务机构与非营利性民办养老服务机构
    享受同等床位运营补贴政策". A 公办 non-profit home is neither."""
    public = make_provider(grade=3, kind=ProviderKind.TOWNSHIP_HOME, **PUBLIC)
    social = make_provider(grade=3, **PRIVATE_NON_PROFIT)
    aided = make_provider(grade=3, **AIDED_NON_PROFIT)
    public_built = make_provider(grade=3, **PUBLIC_BUILT)
    for provider in (public, social, aided, public_built):
        residents(provider, 2)

    run = run_refresh(scheme_code="IM-OPERATING", period=NOV)

    assert not run.lines.filter(provider=public).exists()
    assert {line.provider_id for line in run.lines.all()} == {social.pk, aided.pk, public_built.pk}


def test_a_run_is_refused_at_approval_when_a_provider_has_become_public(make_provider, run_approver):
    """Eligibility is checked again when the run is approved."""
    provider = make_provider(grade=3, **PRIVATE_NON_PROFIT)
    residents(provider, 2)
    run = run_refresh(scheme_code="IM-OPERATING", period=NOV)
    Provider.objects.filter(pk=provider.pk).update(operation_mode=OperationMode.PUBLIC)

    with pytest.raises(ValidationError) as error:
        run_approve(run=run, approver=run_approver)

    assert "IM-OPERATING" in str(error.value)
    run.refresh_from_db()
    assert run.status == run.Status.DRAFT


# --- construction grants: social-run only; no grant for premises built with public money --


@pytest.mark.parametrize("owner", [PUBLIC, PUBLIC_BUILT], ids=["public", "public_built_private_run"])
def test_baotou_construction_grant_is_refused_to_publicly_built_premises(make_provider, clerk, owner):
    """004:80: "对新建的、在民政部门登记备案的社会办养老服务机构，每张床位 … 给予5000元的建设补贴"."""
    township_home = make_provider(kind=ProviderKind.TOWNSHIP_HOME, **owner)

    with pytest.raises(ValidationError) as error:
        prepare(township_home, clerk)

    assert "BT-CONSTRUCT-BED" in str(error.value)
    assert not ConstructionGrant.objects.exists()


@pytest.mark.parametrize("owner", [PRIVATE_FOR_PROFIT, AIDED_NON_PROFIT], ids=["private", "private_built_public_aid"])
def test_baotou_construction_grant_is_paid_to_social_run_providers_of_any_legal_form(make_provider, clerk, owner):
    """004:80 says "社会办" and sets no non-profit condition."""
    grant = prepare(make_provider(**owner), clerk)

    assert grant.total == Decimal("50000.00")


@pytest.mark.parametrize(
    "owner, eligible",
    [(PRIVATE_NON_PROFIT, True), (AIDED_NON_PROFIT, True), (PUBLIC_BUILT, False), (PUBLIC, False)],
    ids=["private", "private_built_public_aid", "public_built_private_run", "public"],
)
def test_region_construction_grant_only_to_social_run_non_profits(make_provider, clerk, owner, eligible):
    """000:1011-1013: "自治区财政对社会力量举办的非营利性养老机构给予每张床位 … 6000元的一次性建设补贴"."""
    provider = make_provider(**owner)

    if eligible:
        assert prepare(provider, clerk, scheme_code="IM-CONSTRUCT-BED").total == Decimal("60000.00")
    else:
        with pytest.raises(ValidationError):
            prepare(provider, clerk, scheme_code="IM-CONSTRUCT-BED")


def test_a_grant_is_refused_at_approval_when_the_provider_is_no_longer_social_run(make_provider, clerk, grant_approver):
    provider = make_provider(**PRIVATE_NON_PROFIT)
    grant = prepare(provider, clerk)
    Provider.objects.filter(pk=provider.pk).update(operation_mode=OperationMode.PUBLIC)

    with pytest.raises(ValidationError):
        grant_approve(grant=grant, approver=grant_approver)

    grant.refresh_from_db()
    assert grant.status == ConstructionGrant.Status.DRAFT
    assert not grant.instalments.exists()


# --- fixed construction awards by kind of facility (004:80) ------------------------------


@pytest.mark.parametrize(
    "kind, basis",
    [
        (ProviderKind.HAPPINESS_HOME, "day_care_centre"),
        (ProviderKind.HAPPINESS_HOME, "service_station"),
        (ProviderKind.DAY_CARE_CENTRE, "happiness_home"),
        (ProviderKind.DAY_CARE_CENTRE, "service_station"),
        (ProviderKind.SERVICE_STATION, "day_care_centre"),
    ],
)
def test_a_fixed_award_is_paid_only_to_its_own_kind_of_facility(make_provider, clerk, kind, basis):
    """004:80: 20万 for a new 农村牧区互助幸福院 (≥ 50 households), and for a new 社区老年人日间照料中心
    (≥ 150 m²) and 养老服务站 (≥ 100 m²) their own amounts: each award names its facility."""
    facility = make_provider(kind=kind, beds=0, nursing_beds=0, households_served=80)

    with pytest.raises(ValidationError) as error:
        prepare(facility, clerk, scheme_code="BT-CONSTRUCT-FIXED", basis=basis, beds=0, area="400")

    assert basis in str(error.value)
    assert not ConstructionGrant.objects.exists()


@pytest.mark.parametrize(
    "kind, area, total",
    [(ProviderKind.DAY_CARE_CENTRE, "150", "100000.00"), (ProviderKind.SERVICE_STATION, "100", "50000.00")],
)
def test_a_facility_of_its_size_receives_its_own_award(make_provider, clerk, kind, area, total):
    facility = make_provider(kind=kind, beds=0, nursing_beds=0)

    grant = prepare(facility, clerk, scheme_code="BT-CONSTRUCT-FIXED", basis=str(kind), beds=0, area=area)

    assert grant.total == Decimal(total)


# --- Baotou caregiver allowance: every kind of elderly service provider (004:82) ---------


@pytest.mark.parametrize("kind", [ProviderKind.DAY_CARE_CENTRE, ProviderKind.SERVICE_STATION])
def test_baotou_caregiver_allowance_covers_day_care_centres_and_stations(make_provider, kind):
    """004:82: "对各类养老服务机构中已取得初级、中级、高级职业资格证书且从事护理工作两年以上的养老护理员"."""
    centre = make_provider(kind=kind, beds=0, nursing_beds=0)
    caregiver = CaregiverFactory(provider=centre)

    run = run_refresh(scheme_code="BT-CAREGIVER", period=NOV)

    line = run.lines.get(subject=f"caregiver:{caregiver.pk}")
    assert line.provider == centre and line.payable


# --- a month counts only on the days the provider was filed or certified (DOMAIN §7) -----


def test_a_provider_filed_on_the_20th_is_not_paid_for_the_whole_month(make_provider):
    """Filed on 20 November: its residents have 11 eligible days, fewer than the 15 of 004:80's
    min-days rule, so none counts, although they lived there the whole month."""
    provider = make_provider(status="filed", filed_on=D(2026, 11, 20))
    residents(provider, 3, admitted_on=D(2026, 1, 1))

    line = line_of(run_refresh(scheme_code="BT-OPERATING", period=NOV), provider)

    assert (line.quantity, line.amount) == (Decimal(0), Decimal("0.00"))
    assert line.basis["eligible_days"] == [["2026-11-20", "2026-11-30"]]


def test_under_pro_rata_only_the_days_from_filing_are_paid(make_provider):
    SubsidyScheme.objects.filter(code="BT-OPERATING").update(occupancy_rule=OccupancyRule.PRO_RATA)
    provider = make_provider(status="filed", filed_on=D(2026, 11, 20))
    residents(provider, 3, admitted_on=D(2026, 1, 1))

    line = line_of(run_refresh(scheme_code="BT-OPERATING", period=NOV), provider)

    assert line.quantity == Decimal("1.1000")  # 3 residents × 11 days ÷ 30
    assert line.amount == Decimal("110.00")


def test_a_provider_closed_during_the_month_is_paid_only_for_its_days_before(make_provider, lifecycle):
    SubsidyScheme.objects.filter(code="BT-OPERATING").update(occupancy_rule=OccupancyRule.PRO_RATA)
    provider = make_provider()
    residents(provider, 3, admitted_on=D(2026, 1, 1))
    lifecycle(provider, Action.CLOSE, D(2026, 11, 11))

    line = line_of(run_refresh(scheme_code="BT-OPERATING", period=NOV), provider)

    assert line.basis["eligible_days"] == [["2026-11-01", "2026-11-10"]]
    assert line.quantity == Decimal("1.0000")  # 3 × 10 ÷ 30
    assert line.amount == Decimal("100.00")


def test_a_suspension_in_the_month_takes_out_only_its_days(make_provider, lifecycle):
    """Suspended 10-19 November, certified again on the 20th: 9 + 11 = 20 eligible days ≥ 15."""
    provider = make_provider()
    residents(provider, 3, admitted_on=D(2026, 1, 1))
    lifecycle(provider, Action.SUSPEND, D(2026, 11, 10))
    lifecycle(provider, Action.REINSTATE, D(2026, 11, 20))

    line = line_of(run_refresh(scheme_code="BT-OPERATING", period=NOV), provider)

    assert line.basis["eligible_days"] == [["2026-11-01", "2026-11-09"], ["2026-11-20", "2026-11-30"]]
    assert (line.quantity, line.amount) == (Decimal(3), Decimal("300.00"))
    assert line.holds == [] and line.payable


def test_changes_recorded_at_the_same_instant_count_in_the_order_they_were_made(make_provider, lifecycle):
    """Suspended and reinstated on 10 November, both recorded in the same instant (one
    import): the reinstatement came second, so the provider is eligible the whole month."""
    provider = make_provider()
    residents(provider, 3, admitted_on=D(2026, 1, 1))
    lifecycle(provider, Action.SUSPEND, D(2026, 11, 10))
    lifecycle(provider, Action.REINSTATE, D(2026, 11, 10))
    suspension, reinstatement = ProviderStatusChange.objects.filter(effective_on=D(2026, 11, 10)).order_by("pk")
    ProviderStatusChange.objects.filter(pk=reinstatement.pk).update(recorded_at=suspension.recorded_at)

    line = line_of(run_refresh(scheme_code="BT-OPERATING", period=NOV), provider)

    assert line.basis["eligible_days"] == [["2026-11-01", "2026-11-09"], ["2026-11-10", "2026-11-30"]]
    assert (line.quantity, line.amount) == (Decimal(3), Decimal("300.00"))
