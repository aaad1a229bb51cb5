"""Double-random, one-public draws: deterministic from the published inputs, sample size
by count or ratio (rounded up), teams of the right size never from the provider's own
county, frozen once made, verifiable and tamper-evident, no personal data and no login
name published (the pool by public inspector code, issue 19); a draw made before codes,
with usernames, still verifies and assigns its teams."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from factories import BAOTOU, DONGHE, HOHHOT, KUNDULUN, CaregiverFactory, ResidentFactory, division
from inspection_support import QINGSHAN, SHIGUAI, as_made_before_codes

from inspections.inspector_codes import draw_members, inspector_code
from inspections.models import Draw, InspectionTask
from inspections.random_draw import compute_results, draw_freeze, draw_inputs, draw_verify
from inspections.workbench import draw_assign_tasks
from registry.models import ProviderKind, ProviderStatus, StaffDepartment, User
from registry.staff import roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

COUNTIES = [KUNDULUN, DONGHE, QINGSHAN, SHIGUAI]


@pytest.fixture
def pool(make_staff):
    """Two inspectors in each of four Baotou counties (with names and e-mails)."""
    return [
        make_staff(
            roles.INSPECTOR,
            code,
            first_name=f"检查员{i}",
            last_name="王",
            email=f"inspector{code}{i}@example.cn",
        )
        for code in COUNTIES
        for i in range(2)
    ]


@pytest.fixture
def providers(make_provider):
    """Five certified providers in each of the four counties (20 in all)."""
    return [make_provider(division=division(code)) for code in COUNTIES for _ in range(5)]


@pytest.fixture
def make_draw(clerk, pool):
    def make(*, pool_users=None, random_value="2026-11-21 福彩3D 527", **fields) -> Draw:
        fields.setdefault("sample_count", 5)
        draw = Draw.objects.create(
            name="2026年第四季度双随机抽查",
            jurisdiction=division(fields.pop("jurisdiction", BAOTOU)),
            random_value=random_value,
            created_by=clerk,
            **fields,
        )
        draw.inspector_pool.set(pool if pool_users is None else pool_users)
        return draw

    return make


def selected(results):
    return [row["uscc"] for row in results]


def test_the_same_inputs_give_the_same_results_and_another_random_value_others(providers, make_draw, clerk):
    draw = make_draw()
    inputs = draw_inputs(draw)

    first, second = compute_results(inputs), compute_results(copy.deepcopy(inputs))
    frozen = draw_freeze(draw=draw, user=clerk)

    assert first == second == frozen.results
    assert frozen.inputs == inputs
    others = [selected(compute_results({**inputs, "random_value": value})) for value in ("1", "2", "3")]
    assert any(set(other) != set(selected(first)) for other in others)
    assert len({tuple(other) for other in others}) > 1


def test_the_selection_ranks_by_the_published_hash(providers, make_draw):
    import hashlib

    draw = make_draw(sample_count=3)
    inputs = draw_inputs(draw)

    def rank(uscc):
        return hashlib.sha256(f"{draw.pk}|{draw.random_value}|{uscc}".encode()).hexdigest()

    expected = sorted((p.uscc for p in providers), key=rank)[:3]
    results = compute_results(inputs)
    assert selected(results) == expected
    assert [row["rank"] for row in results] == [1, 2, 3]


@pytest.mark.parametrize(
    ("ratio", "count", "expected"),
    [
        ("0.2500", None, 5),  # 0.25 × 20 = 5
        ("0.1200", None, 3),  # 2.4 → 3 (rounded up)
        ("0.0100", None, 1),  # 0.2 → 1
        ("0.1500", None, 3),  # exactly 3: no floating-point error rounds it up to 4
        (None, 7, 7),
        (None, 50, 20),  # never more than there are
        ("0.5000", 2, 2),  # a count wins over a ratio
        ("1.0000", None, 20),
    ],
)
def test_sample_size_from_a_ratio_rounded_up_or_a_count(providers, make_draw, ratio, count, expected):
    draw = make_draw(sample_ratio=Decimal(ratio) if ratio else None, sample_count=count)
    draw.refresh_from_db()  # the ratio as stored

    results = compute_results(draw_inputs(draw))

    assert len(results) == expected
    assert len(set(selected(results))) == expected


def test_only_operating_providers_of_the_kinds_inside_the_jurisdiction_are_drawn(providers, make_provider, make_draw):
    make_provider(ProviderStatus.DRAFT)
    make_provider(ProviderStatus.CLOSED)
    make_provider(division=division(HOHHOT))
    nursery = make_provider(kind=ProviderKind.NURSERY)

    everything = draw_inputs(make_draw())
    elderly = draw_inputs(make_draw(provider_kinds=[ProviderKind.ELDERLY_INSTITUTION]))
    childcare = draw_inputs(make_draw(provider_kinds=[ProviderKind.NURSERY]))

    assert {p["uscc"] for p in everything["providers"]} == {p.uscc for p in providers} | {nursery.uscc}
    assert {p["uscc"] for p in elderly["providers"]} == {p.uscc for p in providers}
    assert [p["uscc"] for p in childcare["providers"]] == [nursery.uscc]


def test_no_inspector_gets_a_provider_in_their_own_county_and_teams_have_the_team_size(
    providers, pool, make_draw, clerk
):
    draw = draw_freeze(draw=make_draw(sample_count=20, team_size=3), user=clerk)
    county_of = {inspector_code(user): user.jurisdiction.path for user in pool}
    division_of = {p.uscc: p.division.path for p in providers}

    assert len(draw.results) == 20
    for row in draw.results:
        assert len(row["team"]) == 3
        assert len(set(row["team"])) == 3
        for code in row["team"]:
            assert not division_of[row["uscc"]].startswith(county_of[code]), row
    # the pool is really used across counties
    assert len({code for row in draw.results for code in row["team"]}) > 3
    assert draw_verify(draw)


def test_a_draw_needing_more_inspectors_from_other_counties_than_there_are_is_refused(
    providers, make_staff, make_draw, clerk
):
    own_county = [make_staff(roles.INSPECTOR, KUNDULUN) for _ in range(2)]
    one_other = [make_staff(roles.INSPECTOR, DONGHE)]
    draw = make_draw(pool_users=own_county + one_other, sample_count=20, team_size=2)

    with pytest.raises(ValidationError) as error:
        draw_freeze(draw=draw, user=clerk)

    message = " ".join(error.value.messages)
    kundulun = [p.uscc for p in providers if p.division.code == KUNDULUN]
    assert kundulun and all(uscc in message for uscc in kundulun)  # only one inspector from elsewhere
    assert not any(p.uscc in message for p in providers if p.division.code != KUNDULUN)

    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAFT and draw.results == []


def test_an_empty_pool_is_refused(providers, make_draw, clerk):
    with pytest.raises(ValidationError):
        draw_freeze(draw=make_draw(pool_users=[]), user=clerk)


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_random_value_is_refused(providers, make_draw, clerk, value):
    draw = make_draw(random_value=value)

    with pytest.raises(ValidationError) as error:
        draw_freeze(draw=draw, user=clerk)

    assert "random_value" in error.value.message_dict
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAFT


def test_a_frozen_draw_cannot_be_drawn_again(providers, make_draw, clerk):
    draw = draw_freeze(draw=make_draw(), user=clerk)
    results, frozen_at = draw.results, draw.frozen_at
    Draw.objects.filter(pk=draw.pk).update(random_value="another value")

    with pytest.raises(ValidationError):
        draw_freeze(draw=draw, user=clerk)

    draw.refresh_from_db()
    assert draw.status == Draw.Status.FROZEN
    assert (draw.results, draw.frozen_at) == (results, frozen_at)
    assert draw.inputs["random_value"] == "2026-11-21 福彩3D 527"


def test_verify_matches_and_detects_tampering(providers, make_draw, clerk):
    draw = draw_freeze(draw=make_draw(), user=clerk)
    draw.refresh_from_db()
    assert draw_verify(draw)

    tampered = copy.deepcopy(draw.results)
    tampered[0]["team"] = list(reversed(tampered[0]["team"]))
    Draw.objects.filter(pk=draw.pk).update(results=tampered)
    draw.refresh_from_db()
    assert not draw_verify(draw)

    swapped = copy.deepcopy(draw.inputs)
    swapped["random_value"] = "0"
    Draw.objects.filter(pk=draw.pk).update(results=compute_results(draw.inputs), inputs=swapped)
    draw.refresh_from_db()
    assert not draw_verify(draw)


def test_a_draft_draw_does_not_verify(providers, make_draw):
    assert not draw_verify(make_draw())


def test_the_published_inputs_hold_no_personal_data(providers, pool, make_draw, clerk):
    residents = [ResidentFactory(provider=provider) for provider in providers[:3]]
    caregivers = [CaregiverFactory(provider=provider) for provider in providers[:3]]
    draw = draw_freeze(draw=make_draw(), user=clerk)
    published = json.dumps([draw.inputs, draw.results], ensure_ascii=False)

    assert set(draw.inputs) == {
        "draw",
        "random_value",
        "sample_ratio",
        "sample_count",
        "team_size",
        "departments",
        "providers",
        "inspectors",
    }
    assert all(set(p) == {"uscc", "name", "division_path", "kind"} for p in draw.inputs["providers"])
    assert all(set(i) == {"inspector", "jurisdiction_path", "department"} for i in draw.inputs["inspectors"])
    for person in [*residents, *caregivers]:
        assert person.id_number not in published
        assert person.name not in published
        assert person.phone not in published
    for user in pool:
        assert user.email not in published
        assert user.first_name not in published
        assert f'"{user.username}"' not in published  # the login name, half of signing in (issue 21)
    json.loads(json.dumps(draw.inputs))  # plain JSON, publishable as it is


def test_the_inputs_list_the_pool_by_public_code_in_code_order(providers, pool, make_draw):
    inputs = draw_inputs(make_draw())

    codes = [i["inspector"] for i in inputs["inspectors"]]
    assert codes == sorted(codes) == sorted(f"I{u.pk:04d}" for u in pool)
    assert [p["uscc"] for p in inputs["providers"]] == sorted(p.uscc for p in providers)
    assert not {u.username for u in User.objects.all()} & set(codes)


def test_making_a_draw_writes_one_audit_entry_and_a_refused_one_none(providers, make_draw, clerk):
    draw = draw_freeze(draw=make_draw(), user=clerk)
    with pytest.raises(ValidationError):
        draw_freeze(draw=draw, user=clerk)

    [entry] = AuditEntry.objects.filter(action="draw.freeze")
    assert (entry.object_type, entry.object_id, entry.actor) == ("inspections.Draw", str(draw.pk), clerk)
    assert entry.after is not None and entry.after["selected"] == selected(draw.results)


# --- departments: who may be drawn for whom -------------------------------------------------


@pytest.fixture
def department_pool(make_staff):
    """In each of the four counties: a health-commission, a civil-affairs and an
    emergency-management inspector."""
    return {
        department: [make_staff(roles.INSPECTOR, code, department=department) for code in COUNTIES]
        for department in (
            StaffDepartment.HEALTH_COMMISSION,
            StaffDepartment.CIVIL_AFFAIRS,
            StaffDepartment.EMERGENCY_MANAGEMENT,
        )
    }


def drawn(draw):
    return {code for row in draw.results for code in row["team"]}


def codes(users):
    """How a draw names these inspectors in its teams: by public code."""
    return {inspector_code(user) for user in users}


def test_the_draw_never_sends_a_health_commission_inspector_to_an_elderly_home(
    providers, department_pool, regimes, make_draw, clerk
):
    everyone = [user for users in department_pool.values() for user in users]
    draw = make_draw(
        pool_users=everyone, regime=regimes["BT-DISTRICT-SAFETY"], sample_count=20, team_size=2
    )  # 20 elderly homes

    frozen = draw_freeze(draw=draw, user=clerk)

    assert len(frozen.results) == 20 and all(len(row["team"]) == 2 for row in frozen.results)
    assert not drawn(frozen) & codes(department_pool[StaffDepartment.HEALTH_COMMISSION])
    # civil affairs leads the district safety inspection, emergency management joins it
    assert drawn(frozen) <= codes(
        department_pool[StaffDepartment.CIVIL_AFFAIRS] + department_pool[StaffDepartment.EMERGENCY_MANAGEMENT]
    )
    assert draw_verify(frozen)


def test_a_childcare_health_supervision_draw_sends_health_commission_inspectors_only(
    department_pool, regimes, make_provider, make_draw, clerk
):
    nurseries = [make_provider(kind=ProviderKind.NURSERY, division=division(code)) for code in COUNTIES]
    everyone = [user for users in department_pool.values() for user in users]
    draw = make_draw(
        pool_users=everyone,
        regime=regimes["IM-CHILDCARE-HEALTH"],
        provider_kinds=[ProviderKind.NURSERY],
        sample_count=4,
        team_size=2,
    )

    frozen = draw_freeze(draw=draw, user=clerk)

    assert {row["uscc"] for row in frozen.results} == {n.uscc for n in nurseries}
    assert drawn(frozen) <= codes(department_pool[StaffDepartment.HEALTH_COMMISSION])


def test_a_draw_with_only_inspectors_of_another_department_is_refused_naming_the_providers(
    providers, department_pool, regimes, make_draw, clerk
):
    draw = make_draw(
        pool_users=department_pool[StaffDepartment.HEALTH_COMMISSION],
        regime=regimes["BT-DISTRICT-SAFETY"],
        sample_count=3,
        team_size=1,
    )

    with pytest.raises(ValidationError) as error:
        draw_freeze(draw=draw, user=clerk)

    message = " ".join(error.value.messages)
    assert sum(provider.uscc in message for provider in providers) == 3  # the three drawn, none staffed
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAFT


def test_a_draw_published_before_departments_is_recomputed_as_it_was_made(providers, pool, make_draw, clerk):
    frozen = draw_freeze(draw=make_draw(sample_count=10, team_size=2), user=clerk)
    old_inputs = copy.deepcopy(frozen.inputs)
    del old_inputs["departments"]
    for provider in old_inputs["providers"]:
        del provider["kind"]
    for inspector in old_inputs["inspectors"]:
        del inspector["department"]

    assert compute_results(old_inputs) == frozen.results


# --- draws made before inspector codes: the pool by login name -------------------------------


def test_a_draw_made_before_codes_still_verifies_and_its_teams_are_its_users(providers, pool, make_draw, clerk):
    draw = as_made_before_codes(draw_freeze(draw=make_draw(sample_count=8, team_size=2), user=clerk))
    by_username = {user.username: user for user in pool}

    assert all("username" in entry and "inspector" not in entry for entry in draw.inputs["inspectors"])
    assert {name for row in draw.results for name in row["team"]} <= set(by_username)
    assert draw_verify(draw)
    members = draw_members([draw])[draw.pk]
    assert members == {name: by_username[name] for name in by_username}

    tampered = copy.deepcopy(draw.results)
    tampered[0]["team"] = list(reversed(tampered[0]["team"]))
    Draw.objects.filter(pk=draw.pk).update(results=tampered)
    draw.refresh_from_db()
    assert not draw_verify(draw)


def test_a_draw_made_before_codes_puts_its_teams_on_their_tasks(providers, pool, make_draw, clerk, regimes):
    draw = as_made_before_codes(
        draw_freeze(draw=make_draw(regime=regimes["BT-DISTRICT-SAFETY"], sample_count=4, team_size=2), user=clerk)
    )
    InspectionTask.objects.all().delete()

    tasks = draw_assign_tasks(draw=draw, on=timezone.localdate())

    assert len(tasks) == 4
    for task, row in zip(tasks, draw.results, strict=True):
        assert task.provider.uscc == row["uscc"]
        assert sorted(u.username for u in task.assignees.all()) == sorted(row["team"])


def test_new_draws_put_the_coded_teams_on_their_tasks(providers, pool, make_draw, clerk, regimes):
    draw = draw_freeze(draw=make_draw(regime=regimes["BT-DISTRICT-SAFETY"], sample_count=4, team_size=2), user=clerk)

    for row in draw.results:
        task = InspectionTask.objects.get(provider__uscc=row["uscc"], regime=draw.regime)
        assert sorted(inspector_code(u) for u in task.assignees.all()) == sorted(row["team"])
