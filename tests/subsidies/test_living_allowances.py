"""Living allowances of residents in extreme poverty or on dibao in social-run institutions
(000:1056-1063): "对社会办养老服务机构内安置特困对象及其他低收入老年人 … 当地财政应将上述人员的基本
生活费拨入养老服务机构 … 该费用低于当地政府规定的生活、医疗、照料服务等费用标准部分，由其户籍所在地
旗县(市、区)补足。"

The rates are the counties' own (none in the seeds): these tests enter them as a county would.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation
from factories import DONGHE, KUNDULUN, ResidentFactory, division

from registry.models import OperationMode, ProviderStatusChange, Resident, ResidentCategory
from registry.overlaps import overlap_decide
from registry.rosters.engine import apply_roster, validate_roster
from registry.rosters.formats import read_table
from registry.rosters.kinds import KINDS
from safeguards.identifiers import make_id_number
from subsidies.explain import explain_line
from subsidies.models import GrantLine, GrantRun, PayerLevel, Rate, SchemeKind, SubsidyScheme
from subsidies.services import batch_create, run_refresh

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
D = datetime.date
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
SCHEME = "IM-LIVING-ALLOWANCE"
EXTREME_POVERTY = ResidentCategory.EXTREME_POVERTY
DIBAO = ResidentCategory.DIBAO


def county_rates(code: str, **amounts: str) -> None:
    """What a county enters: its monthly allowance per category and its cost standard."""
    scheme = SubsidyScheme.objects.get(code=SCHEME)
    for key, amount in amounts.items():
        Rate.objects.create(
            scheme=scheme,
            key=f"{code}:{key}",
            amount=Decimal(amount),
            effective_from=D(2026, 1, 1),
            source="test: the county's own figures",
        )


@pytest.fixture
def rates(divisions):
    county_rates(KUNDULUN, extreme_poverty="800", dibao="700", standard="1500")
    county_rates(DONGHE, extreme_poverty="900", standard="1200")


@pytest.fixture
def home(make_provider):
    """A social-run (民办) non-profit elderly institution in Kundulun, filed and certified in January."""
    return make_provider()


def resident(provider, categories=(EXTREME_POVERTY,), home_county=KUNDULUN, **fields):
    return ResidentFactory(
        provider=provider,
        categories=[str(c) for c in categories],
        home_county=division(home_county) if home_county else None,
        **fields,
    )


def lines_of(run):
    return {line.subject: line for line in run.lines.all()}


def amounts(run):
    return {subject: line.amount for subject, line in lines_of(run).items()}


def test_the_scheme_is_data_with_its_citation(divisions):
    scheme = SubsidyScheme.objects.get(code=SCHEME)

    assert scheme.kind == SchemeKind.LIVING_ALLOWANCE
    assert scheme.source == "000:1056-1063"
    assert scheme.payer_level == PayerLevel.COUNTY
    assert scheme.resident_categories == ["extreme_poverty", "dibao"]
    # "社会办养老服务机构": social-run, whatever the legal form; not 公办, not 公建民营.
    assert scheme.eligibility == [{"operation_mode": ["private", "private_built_public_aid"]}]
    assert not scheme.rates.exists()  # the seeds give no figures: each county enters its own


def test_extreme_poverty_resident_allowance_is_paid_to_the_institution(rates, home):
    person = resident(home)

    line = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))[f"resident:{person.pk}"]

    assert line.provider == home
    assert line.amount == Decimal("800.00")
    assert line.payer_level == PayerLevel.COUNTY
    assert line.payer_division.code == KUNDULUN
    assert line.payable


def test_the_shortfall_below_the_standard_is_made_up_by_the_home_county(rates, home):
    person = resident(home, categories=[DIBAO])

    lines = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))

    make_up = lines[f"resident:{person.pk}:make_up"]
    assert lines[f"resident:{person.pk}"].amount == Decimal("700.00")
    assert make_up.amount == Decimal("800.00")  # standard 1,500 − allowance 700
    assert (make_up.provider, make_up.payer_level, make_up.payer_division.code) == (home, "county", KUNDULUN)


def test_a_resident_registered_in_another_county_is_paid_by_that_county(rates, home, approved_run, finance):
    person = resident(home, home_county=DONGHE)

    run = approved_run(SCHEME, NOV)

    assert amounts(run) == {
        f"resident:{person.pk}": Decimal("900.00"),
        f"resident:{person.pk}:make_up": Decimal("300.00"),
    }
    donghe = batch_create(name="东河11月", division=division(DONGHE), payer_level="county", prepared_by=finance)
    kundulun = batch_create(name="昆区11月", division=division(KUNDULUN), payer_level="county", prepared_by=finance)
    assert sorted(donghe.items.values_list("amount", flat=True)) == [Decimal("300.00"), Decimal("900.00")]
    assert {item.provider for item in donghe.items.all()} == {home}  # paid into the institution
    assert not kundulun.items.exists()


def test_no_make_up_when_the_allowance_reaches_the_standard(divisions, home):
    county_rates(KUNDULUN, extreme_poverty="1500", standard="1500")
    person = resident(home)

    assert amounts(run_refresh(scheme_code=SCHEME, period=NOV)) == {f"resident:{person.pk}": Decimal("1500.00")}


def test_residents_of_other_categories_get_nothing(rates, home):
    resident(home, categories=[ResidentCategory.ADVANCED_AGE, ResidentCategory.MARGINAL_LOW_INCOME])
    resident(home, categories=[])

    assert not run_refresh(scheme_code=SCHEME, period=NOV).lines.exists()


@pytest.mark.parametrize("mode", [OperationMode.PUBLIC, OperationMode.PUBLIC_BUILT_PRIVATE_RUN])
def test_a_home_that_is_not_social_run_gets_nothing(rates, make_provider, mode):
    resident(make_provider(operation_mode=mode))

    assert not run_refresh(scheme_code=SCHEME, period=NOV).lines.exists()


def test_a_for_profit_social_run_home_is_paid(rates, make_provider):
    person = resident(make_provider(legal_form="for_profit"))

    assert f"resident:{person.pk}" in amounts(run_refresh(scheme_code=SCHEME, period=NOV))


def test_a_resident_discharged_mid_month_is_paid_for_the_days_in_care(rates, home):
    person = resident(home, categories=[DIBAO], discharged_on=D(2026, 11, 10))

    lines = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))

    # 10 of 30 days, the discharge day included: 700 × 10/30 and (1,500 × 10/30) − that.
    assert lines[f"resident:{person.pk}"].amount == Decimal("233.33")
    assert lines[f"resident:{person.pk}:make_up"].amount == Decimal("266.67")
    assert lines[f"resident:{person.pk}"].basis["days_in_care"] == 10
    with translation.override("en"):
        assert "10 of 30 days in care" in explain_line(lines[f"resident:{person.pk}"])
        assert "make-up to the cost standard 1500.00 yuan" in explain_line(lines[f"resident:{person.pk}:make_up"])


def test_a_transfer_pays_each_home_its_days_and_the_person_once(rates, home, make_provider):
    other = make_provider()
    first = resident(home, admitted_on=D(2026, 1, 1), discharged_on=D(2026, 11, 10))
    second = resident(other, id_number=first.id_number, admitted_on=D(2026, 11, 11))

    got = amounts(run_refresh(scheme_code=SCHEME, period=NOV))

    assert got[f"resident:{first.pk}"] == Decimal("266.67")
    assert got[f"resident:{second.pk}"] == Decimal("533.33")
    assert got[f"resident:{first.pk}"] + got[f"resident:{second.pk}"] == Decimal("800.00")


def test_the_same_person_in_two_homes_on_the_same_day_is_flagged_and_paid_at_neither(rates, home, make_provider):
    first = resident(home, discharged_on=D(2026, 11, 11))
    second = resident(make_provider(), id_number=first.id_number, admitted_on=D(2026, 11, 11))

    lines = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))

    for person in (first, second):
        line = lines[f"resident:{person.pk}"]
        assert line.amount == 0 and not line.payable
        assert [flag["code"] for flag in line.flags] == ["duplicate_resident"]
        assert f"resident:{person.pk}:make_up" not in lines


def test_a_clerks_overlap_decision_pays_the_right_home_and_catches_up_the_month(
    rates, home, make_provider, clerk, approved_run
):
    other = make_provider()
    # Home A never recorded the discharge; home B admitted the person on 1 October.
    at_a = resident(home, admitted_on=D(2025, 1, 1))
    at_b = resident(other, id_number=at_a.id_number, admitted_on=OCT)
    october = approved_run(SCHEME, OCT)
    assert {line.amount for line in october.lines.all()} == {Decimal("0.00")}

    overlap_decide(kept=at_b, user=clerk, note="乙养老院入住合同及甲养老院出院证明")
    november = run_refresh(scheme_code=SCHEME, period=NOV)

    regular = {line.subject: line.amount for line in november.lines.filter(kind=GrantLine.Kind.REGULAR)}
    assert regular == {f"resident:{at_b.pk}": Decimal("800.00"), f"resident:{at_b.pk}:make_up": Decimal("700.00")}
    caught_up = november.lines.filter(kind=GrantLine.Kind.ADJUSTMENT)
    assert sorted((line.provider_id, line.period, line.amount) for line in caught_up) == [
        (other.pk, OCT, Decimal("700.00")),
        (other.pk, OCT, Decimal("800.00")),
    ]


def test_only_days_the_home_was_filed_count(rates, make_provider):
    late = make_provider(filed_on=D(2026, 11, 20))
    person = resident(late)

    line = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))[f"resident:{person.pk}"]

    assert line.basis["days_in_care"] == 11  # 20-30 November
    assert line.amount == Decimal("293.33")  # 800 × 11/30


def test_a_home_suspended_mid_month_is_not_paid_for_the_days_after(rates, home, lifecycle):
    person = resident(home)
    lifecycle(home, Action.SUSPEND, D(2026, 11, 16))

    line = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))[f"resident:{person.pk}"]

    assert line.amount == Decimal("400.00")  # 1-15 November


def test_a_resident_without_a_home_county_is_flagged_not_paid(rates, home):
    person = resident(home, home_county=None)

    lines = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))

    line = lines[f"resident:{person.pk}"]
    assert (line.amount, line.payable) == (Decimal("0.00"), False)
    assert [flag["code"] for flag in line.flags] == ["no_home_county"]
    assert list(lines) == [f"resident:{person.pk}"]


def test_a_county_without_a_rate_is_flagged_not_paid(rates, home):
    person = resident(home, categories=[DIBAO], home_county=DONGHE)  # Donghe entered no dibao rate

    line = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))[f"resident:{person.pk}"]

    assert line.amount == 0
    assert [flag["code"] for flag in line.flags] == ["no_rate"]


def test_a_county_without_a_standard_pays_the_allowance_and_says_so(divisions, home):
    county_rates(KUNDULUN, extreme_poverty="800")
    person = resident(home)

    lines = lines_of(run_refresh(scheme_code=SCHEME, period=NOV))

    assert list(lines) == [f"resident:{person.pk}"]
    assert lines[f"resident:{person.pk}"].amount == Decimal("800.00")
    assert [flag["code"] for flag in lines[f"resident:{person.pk}"].flags] == ["no_standard"]


def test_a_month_left_unpaid_for_want_of_a_home_county_is_paid_once_it_is_recorded(rates, home, approved_run):
    person = resident(home, home_county=None)
    approved_run(SCHEME, OCT)
    person.home_county = division(KUNDULUN)
    person.save()

    november = run_refresh(scheme_code=SCHEME, period=NOV)
    again = run_refresh(scheme_code=SCHEME, period=NOV)

    caught_up = again.lines.filter(kind=GrantLine.Kind.ADJUSTMENT, period=OCT)
    assert sorted(caught_up.values_list("subject", "amount")) == [
        (f"resident:{person.pk}", Decimal("800.00")),
        (f"resident:{person.pk}:make_up", Decimal("700.00")),
    ]
    assert november.pk == again.pk


def test_refreshing_is_idempotent_and_pays_each_resident_once_per_month(rates, home):
    resident(home)
    resident(home, categories=[DIBAO])

    first = sorted(run_refresh(scheme_code=SCHEME, period=NOV).lines.values_list("subject", "amount"))
    second = sorted(run_refresh(scheme_code=SCHEME, period=NOV).lines.values_list("subject", "amount"))
    county_run = run_refresh(scheme_code=SCHEME, period=NOV, division_code=KUNDULUN)

    assert first == second and len(first) == 4
    assert not county_run.lines.exists()  # the region-wide run already has them
    assert GrantLine.objects.filter(scheme__code=SCHEME, period=NOV).count() == 4


def test_the_home_county_is_a_banner_county_or_district(divisions, home):
    person = resident(home, home_county="150200")  # Baotou city

    with pytest.raises(ValidationError) as error:
        person.full_clean()

    assert "home_county" in error.value.message_dict


# --- the residents roster carries the home county (户籍所在地) --------------------------


def residents_roster(provider, home_county: str) -> bytes:
    header = [column.header for column in KINDS["residents"].columns]
    row = {
        "身份证号": make_id_number("150203", D(1941, 3, 8), 7),
        "姓名": "王桂芝",
        "机构统一社会信用代码": provider.uscc,
        "入住日期": "2026-03-01",
        "照护等级": "失能",
        "人员类别": "特困人员",
        "户籍所在地": home_county,
    }
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, [row.get(name, "") for name in header]])
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("cell", ["东河区", DONGHE])
def test_the_residents_roster_records_a_home_county_outside_the_clerks_district(home, clerk, cell):
    plan = validate_roster(KINDS["residents"], read_table(residents_roster(home, cell), "r.csv"), user=clerk)
    assert plan.valid, plan.errors

    apply_roster(plan, user=clerk)

    assert Resident.objects.get(name="王桂芝").home_county.code == DONGHE


def test_the_residents_roster_refuses_a_home_county_that_is_not_a_county(home, clerk):
    plan = validate_roster(KINDS["residents"], read_table(residents_roster(home, "150200"), "r.csv"), user=clerk)

    assert [(error.row, error.column) for error in plan.errors] == [(2, "户籍所在地")]


# --- the demo ------------------------------------------------------------------------


def test_the_demo_prepares_a_living_allowance_run_with_demo_rates(divisions):
    call_command("seed_demo", "--date=2025-11-05", stdout=io.StringIO())  # last closed month: October 2025
    run = GrantRun.objects.get(scheme__code=SCHEME)
    lines = run.lines.all()

    assert run.status == GrantRun.Status.DRAFT and run.period == D(2025, 10, 1)
    assert any(line.payable for line in lines)
    assert all(line.payer_division is not None for line in lines)
    rates = Rate.objects.filter(scheme__code=SCHEME)
    assert rates.exists() and all(rate.is_example and "demo value" in rate.source for rate in rates)

    before = sorted(lines.values_list("pk", "subject", "amount"))

    out = io.StringIO()
    call_command("seed_demo", "--date=2025-11-05", stdout=out)  # again: nothing changes

    assert "living allowances: runs: 0" in out.getvalue()
    assert sorted(GrantRun.objects.get(scheme__code=SCHEME).lines.values_list("pk", "subject", "amount")) == before
