"""Operating grants weighted towards disabled residents (000:906-908: "对养老机构的运行补贴
应根据接收失能老年人等情况合理发放"; 000:920-925: "对服务失能老年人的补贴标准应予以适当倾斜").

The texts give no figure: the weights are data per scheme, care level and dates, 1.00 by
default. The 1.5 used here is a test value, not the policy's."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from factories import ResidentFactory

from registry.models import CareLevel
from registry.staff import roles
from safeguards.models import AuditEntry
from subsidies.care_weights import weight_delete, weight_save
from subsidies.explain import explain_line
from subsidies.models import CareLevelWeight, GrantLine, OccupancyRule, SubsidyScheme
from subsidies.services import run_approve, run_refresh

pytestmark = pytest.mark.django_db

D = datetime.date
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
BT = "BT-OPERATING"  # 100 yuan per resident counted a month, at least 15 days present (004:80)
SELF_CARE, DISABLED = CareLevel.SELF_CARE, CareLevel.DISABLED


def refresh(period=NOV):
    return run_refresh(scheme_code=BT, period=period)


def line_of(run, provider):
    return run.lines.get(provider=provider, kind=GrantLine.Kind.REGULAR)


def residents(provider, n, care_level, **fields):
    return [ResidentFactory(provider=provider, care_level=care_level, **fields) for _ in range(n)]


def set_weight(level, weight, *, start, user=None):
    """The bureau's weight for ``level`` from ``start``: the weight in force is ended the
    day before (one weight per care level and day), then the new one is added."""
    current = CareLevelWeight.objects.get(scheme__code=BT, care_level=level, effective_to__isnull=True)
    current.effective_to = start - datetime.timedelta(days=1)
    weight_save(weight=current, user=user)
    return weight_save(
        weight=CareLevelWeight(
            scheme=SubsidyScheme.objects.get(code=BT),
            care_level=level,
            weight=Decimal(weight),
            effective_from=start,
            source="test value",
        ),
        user=user,
    )


@pytest.fixture
def home(make_provider):
    """A certified Baotou home with 2 self-care and 2 disabled residents present all month."""
    provider = make_provider()
    residents(provider, 2, SELF_CARE)
    residents(provider, 2, DISABLED)
    return provider


def test_reference_data_gives_every_care_level_weight_1_with_the_citation(divisions):
    for code in ["IM-OPERATING", "BT-OPERATING"]:
        rows = CareLevelWeight.objects.filter(scheme__code=code)
        assert sorted(rows.values_list("care_level", flat=True)) == sorted(CareLevel.values)
        assert {(row.weight, row.effective_to, row.source) for row in rows} == {
            (Decimal("1.00"), None, "000:906-908, 000:920-925")
        }


def test_with_every_weight_1_the_line_counts_heads_as_before(home):
    line = line_of(refresh(), home)

    assert (line.quantity, line.amount) == (Decimal(4), Decimal("400.00"))
    assert line.basis["residents_counted"] == "4"
    assert "weighted_count" not in line.basis and "weights" not in line.basis


def test_a_scheme_without_weight_rows_counts_every_level_once(home):
    CareLevelWeight.objects.filter(scheme__code=BT).delete()

    line = line_of(refresh(), home)

    assert (line.quantity, line.amount) == (Decimal(4), Decimal("400.00"))


def test_disabled_residents_weighted_1_5_make_two_self_care_and_two_disabled_count_5(home):
    set_weight(DISABLED, "1.5", start=NOV)

    line = line_of(refresh(), home)

    assert (line.quantity, line.rate, line.amount) == (Decimal(5), Decimal("100.00"), Decimal("500.00"))
    assert line.basis["residents_counted"] == "4"  # heads
    assert line.basis["weighted_count"] == "5.0000"
    assert line.basis["weights"] == {
        "cognitively_impaired": "1.00",
        "disabled": "1.50",
        "partly_disabled": "1.00",
        "self_care": "1.00",
    }
    assert line.basis["capped"] is False
    with translation.override("en"):
        explained = explain_line(line)
    assert "Disabled 1.50" in explained and "5 weighted residents" in explained  # issue 21: no "5.0000"


def test_the_min_days_rule_adds_the_weight_only_for_residents_it_counts(home):
    set_weight(DISABLED, "1.5", start=NOV)
    residents(home, 1, DISABLED, admitted_on=D(2026, 11, 17))  # 14 days: not counted
    residents(home, 1, DISABLED, admitted_on=D(2026, 11, 16))  # 15 days: counted

    line = line_of(refresh(), home)

    assert (line.basis["residents_counted"], line.quantity, line.amount) == ("5", Decimal("6.5"), Decimal("650.00"))


def test_pro_rata_adds_weight_times_days_over_days_in_month(make_provider):
    SubsidyScheme.objects.filter(code=BT).update(occupancy_rule=OccupancyRule.PRO_RATA, occupancy_min_days=None)
    set_weight(DISABLED, "1.5", start=NOV)
    provider = make_provider()
    residents(provider, 1, SELF_CARE)  # 30 of 30 days: 1
    residents(provider, 1, DISABLED, admitted_on=D(2026, 11, 16))  # 15 of 30 days × 1.5: 0.75

    line = line_of(refresh(), provider)

    assert line.basis["residents_counted"] == "1.5000"  # resident-days ÷ 30
    assert (line.quantity, line.amount) == (Decimal("1.75"), Decimal("175.00"))


def test_census_day_adds_the_weight_of_those_present(make_provider):
    SubsidyScheme.objects.filter(code=BT).update(
        occupancy_rule=OccupancyRule.CENSUS_DAY, occupancy_min_days=None, census_day=20
    )
    set_weight(DISABLED, "1.5", start=NOV)
    provider = make_provider()
    residents(provider, 1, SELF_CARE)
    residents(provider, 1, DISABLED)
    residents(provider, 1, DISABLED, discharged_on=D(2026, 11, 19))  # gone on the 20th

    line = line_of(refresh(), provider)

    assert (line.basis["residents_counted"], line.quantity) == ("2", Decimal("2.5"))


def test_a_weight_applies_from_its_date_not_to_months_before(home, reviewer):
    set_weight(DISABLED, "1.5", start=NOV)

    october = refresh(OCT)
    run_approve(run=october, approver=reviewer)
    november = refresh(NOV)

    assert line_of(october, home).quantity == Decimal(4)
    assert line_of(november, home).quantity == Decimal(5)
    # October's approved line was right under October's weights: no adjustment in November.
    assert not november.lines.filter(kind=GrantLine.Kind.ADJUSTMENT).exists()


def test_a_weight_changed_mid_year_is_read_on_the_months_last_day(home):
    set_weight(DISABLED, "1.5", start=D(2026, 7, 1))
    set_weight(DISABLED, "2", start=D(2026, 11, 15))

    assert line_of(refresh(OCT), home).quantity == Decimal(5)  # 2 + 2 × 1.5
    assert line_of(refresh(NOV), home).quantity == Decimal(6)  # 2 + 2 × 2, in force on 30 November


def test_the_bed_cap_is_on_heads_and_scales_the_weighted_count(make_provider):
    set_weight(DISABLED, "1.5", start=NOV)
    small = make_provider(beds=2, nursing_beds=0)
    residents(small, 1, SELF_CARE)
    residents(small, 2, DISABLED)  # 3 residents, 4.0 weighted, 2 beds

    line = line_of(refresh(), small)

    # Each of the 2 beds carries the residents' average weight 4.0 ÷ 3.
    assert (line.quantity, line.amount) == (Decimal("2.6667"), Decimal("266.67"))
    assert (line.basis["residents_counted"], line.basis["weighted_count"]) == ("3", "4.0000")
    assert (line.basis["cap_beds"], line.basis["capped"]) == (2, True)


def test_duplicate_residents_are_left_out_of_the_weighted_count_too(home, make_provider):
    set_weight(DISABLED, "1.5", start=NOV)
    other = make_provider()
    [twice] = residents(home, 1, DISABLED)
    ResidentFactory(provider=other, id_number=twice.id_number, care_level=DISABLED)

    line = line_of(refresh(), home)

    assert (line.basis["residents_excluded_as_duplicates"], line.quantity) == (1, Decimal(5))


# --- the weights as data ----------------------------------------------------------------


def test_a_second_weight_in_force_on_the_same_day_is_refused(divisions):
    scheme = SubsidyScheme.objects.get(code=BT)

    with pytest.raises(ValidationError) as refused:
        weight_save(
            weight=CareLevelWeight(
                scheme=scheme, care_level=DISABLED, weight=Decimal("1.5"), effective_from=NOV, source="x"
            ),
            user=None,
        )

    assert "effective_from" in refused.value.message_dict
    assert CareLevelWeight.objects.filter(scheme=scheme, care_level=DISABLED).count() == 1


def test_ending_the_old_weight_and_starting_the_new_one_the_next_day_is_accepted(divisions):
    set_weight(DISABLED, "1.5", start=NOV)

    in_force = CareLevelWeight.objects.filter(scheme__code=BT, care_level=DISABLED).order_by("effective_from")
    assert [(w.weight, w.effective_to) for w in in_force] == [
        (Decimal("1.00"), D(2026, 10, 31)),
        (Decimal("1.50"), None),
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weight": Decimal("0")}, "weight"),
        ({"weight": Decimal("-1")}, "weight"),
        ({"effective_to": D(2026, 10, 1)}, "effective_to"),
        ({"scheme_code": "BT-CAREGIVER"}, "scheme"),
    ],
)
def test_bad_weights_are_refused_naming_the_field(divisions, fields, field):
    fields = {"scheme_code": BT, "weight": Decimal("1.5"), "effective_to": None, **fields}
    weight = CareLevelWeight(
        scheme=SubsidyScheme.objects.get(code=fields["scheme_code"]),
        care_level=CareLevel.PARTLY_DISABLED,
        weight=fields["weight"],
        effective_from=D(2030, 1, 1),
        effective_to=fields["effective_to"],
        source="x",
    )

    with pytest.raises(ValidationError) as refused:
        weight_save(weight=weight, user=None)

    assert field in refused.value.message_dict


def test_every_weight_change_is_audited(divisions, clerk):
    added = set_weight(DISABLED, "1.5", start=NOV, user=clerk)
    weight_delete(weight=added, user=clerk)

    [change] = AuditEntry.objects.filter(action="care_level_weight.change")
    [add] = AuditEntry.objects.filter(action="care_level_weight.add")
    [delete] = AuditEntry.objects.filter(action="care_level_weight.delete")
    assert (change.actor, change.before, change.after) == (
        clerk,
        {"effective_to": None},
        {"effective_to": "2026-10-31"},
    )
    assert (add.object_id, add.after["weight"], add.after["care_level"]) == (str(added.pk), "1.50", "disabled")
    assert (delete.object_id, delete.before["weight"]) == (add.object_id, "1.50")


def test_the_schemes_page_edits_weights_through_the_audited_service(divisions, superuser, client_for, admin_form_data):
    scheme = SubsidyScheme.objects.get(code=BT)
    weight = scheme.care_level_weights.get(care_level=DISABLED)
    client = client_for(superuser)
    url = reverse("admin:subsidies_subsidyscheme_change", args=[scheme.pk])
    data = admin_form_data(client.get(url))
    [prefix] = {k.rsplit("-", 1)[0] for k, v in data.items() if k.endswith("-id") and str(v) == str(weight.pk)}
    data[f"{prefix}-weight"] = "1.25"

    response = client.post(url, data)

    assert response.status_code == 302
    [entry] = AuditEntry.objects.filter(action="care_level_weight.change")
    assert (entry.actor, entry.after) == (superuser, {"weight": "1.25"})


def test_the_weight_page_shows_an_overlap_as_an_error_on_the_field(divisions, superuser, client_for):
    scheme = SubsidyScheme.objects.get(code=BT)
    client = client_for(superuser)

    response = client.post(
        reverse("admin:subsidies_carelevelweight_add"),
        {
            "scheme": scheme.pk,
            "care_level": DISABLED,
            "weight": "1.50",
            "effective_from": "2026-11-01",
            "source": "x",
        },
    )

    assert response.status_code == 200
    assert "effective_from" in response.context["adminform"].form.errors
    assert not AuditEntry.objects.filter(action="care_level_weight.add").exists()


def test_the_city_reviewer_keeps_the_weights_and_the_other_money_roles_read_them(db):
    def codenames(role):
        group = Group.objects.get(name=role)
        return set(group.permissions.filter(codename__endswith="_carelevelweight").values_list("codename", flat=True))

    assert codenames(roles.CITY_REVIEWER) == {"view_carelevelweight", "add_carelevelweight", "change_carelevelweight"}
    for role in (roles.DISTRICT_CLERK, roles.FINANCE, roles.AUDIT_ADMIN):
        assert codenames(role) == {"view_carelevelweight"}


def test_a_disabled_resident_who_moves_homes_counts_at_their_weight_where_they_are_counted(make_provider):
    set_weight(DISABLED, "1.5", start=NOV)
    first, second = make_provider(), make_provider()
    [moved] = residents(first, 1, DISABLED, discharged_on=D(2026, 11, 10))  # 10 days here
    ResidentFactory(provider=second, id_number=moved.id_number, care_level=DISABLED, admitted_on=D(2026, 11, 11))

    run = refresh()

    assert line_of(run, first).quantity == Decimal(0)
    assert (line_of(run, second).quantity, line_of(run, second).amount) == (Decimal("1.5"), Decimal("150.00"))
