"""The management commands (plan_inspections, send_reminders, verify_draw) and the
Celery tasks run eagerly (the test settings' default)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, ManagementUtility, call_command
from factories import BAOTOU, DONGHE, KUNDULUN, division
from inspection_support import CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY

from inspections.models import Draw, Frequency, InspectionTask, InspectorLevel, Notification, Regime
from inspections.random_draw import draw_freeze
from inspections.tasks import plan_inspection_tasks, send_daily_reminders
from registry.models import ProviderKind
from registry.staff import roles

pytestmark = pytest.mark.django_db

D = datetime.date


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def manage(*args: str) -> int:
    """Run ``manage.py <args>`` in this process (same test database); the exit code."""
    try:
        ManagementUtility(["manage.py", *args]).execute()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


# --- plan_inspections ----------------------------------------------------------------------


def test_plan_inspections_plans_the_periods_of_the_date_and_is_idempotent(regimes, make_provider):
    provider = make_provider()

    out = run("plan_inspections", "--date", "2026-02-10")
    again = run("plan_inspections", "--date", "2026-03-31")

    assert f"{DISTRICT_SAFETY}: 1" in out and f"{CITY_JOINT}: 1" in out and f"{INTERNAL_MONTHLY}: 1" in out
    assert "cancelled: 0" in out
    assert f"{DISTRICT_SAFETY}: 0" in again and f"{INTERNAL_MONTHLY}: 1" in again  # March is a new month
    due = dict(
        InspectionTask.objects.filter(provider=provider, period_start__month__lte=2).values_list(
            "regime__code", "due_on"
        )
    )
    assert due == {CITY_JOINT: D(2026, 6, 30), DISTRICT_SAFETY: D(2026, 3, 31), INTERNAL_MONTHLY: D(2026, 2, 28)}


def test_plan_inspections_refuses_a_malformed_date(regimes):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("plan_inspections", "--date", "10/02/2026")
    assert not InspectionTask.objects.exists()


# --- send_reminders ------------------------------------------------------------------------


def test_send_reminders_creates_and_sends_once(regimes, make_provider, district_inspector, district_clerk):
    make_provider(contact_email="home@example.cn")
    run("plan_inspections", "--date", "2026-12-01")

    out = run("send_reminders", "--date", "2026-12-17")
    again = run("send_reminders", "--date", "2026-12-17")

    created = Notification.objects.count()
    assert created == 4  # quarterly: inspector + clerk; monthly: provider + clerk (no city staff here)
    assert out.strip() == f"notifications created: {created}, digests sent: 3"
    assert again.strip() == "notifications created: 0, digests sent: 0"
    assert len(mail.outbox) == 3


# --- verify_draw ---------------------------------------------------------------------------


@pytest.fixture
def frozen_draw(make_provider, make_staff, clerk):
    for code in (KUNDULUN, DONGHE):
        for _ in range(3):
            make_provider(division=division(code))
    draw = Draw.objects.create(
        name="抽查", jurisdiction=division(BAOTOU), sample_count=3, team_size=1, random_value="88", created_by=clerk
    )
    draw.inspector_pool.set([make_staff(roles.INSPECTOR, KUNDULUN), make_staff(roles.INSPECTOR, DONGHE)])
    return draw_freeze(draw=draw, user=clerk)


def test_verify_draw_says_it_matches_and_exits_0(frozen_draw, capsys):
    assert manage("verify_draw", str(frozen_draw.pk)) == 0

    out = capsys.readouterr().out
    assert f"draw {frozen_draw.pk}: MATCHES the published results" in out
    for row in frozen_draw.results:
        assert row["uscc"] in out and row["team"][0] in out


def test_verify_draw_detects_tampering_and_exits_1(frozen_draw, capsys):
    results = list(reversed(frozen_draw.results))  # ranks no longer in order
    Draw.objects.filter(pk=frozen_draw.pk).update(results=results)

    assert manage("verify_draw", str(frozen_draw.pk)) == 1

    captured = capsys.readouterr()
    assert f"draw {frozen_draw.pk}: DOES NOT MATCH the published results" in captured.err
    assert "MATCHES" not in captured.out


def test_verify_draw_refuses_unknown_and_draft_draws(frozen_draw, clerk):
    draft = Draw.objects.create(
        name="草稿", jurisdiction=division(BAOTOU), sample_count=1, random_value="1", created_by=clerk
    )
    with pytest.raises(CommandError, match="no draw"):
        run("verify_draw", str(frozen_draw.pk + 1000))
    with pytest.raises(CommandError, match="not been made"):
        run("verify_draw", str(draft.pk))


# --- Celery tasks, eagerly -----------------------------------------------------------------


def test_the_celery_tasks_run_the_same_services(regimes, make_provider, district_inspector, district_clerk):
    make_provider(contact_email="home@example.cn")

    planned = plan_inspection_tasks.delay("2026-12-01").get()
    again = plan_inspection_tasks.delay("2026-12-01").get()
    reminded = send_daily_reminders.delay("2026-12-17").get()

    assert planned[DISTRICT_SAFETY] == 1 and again[DISTRICT_SAFETY] == 0
    assert InspectionTask.objects.count() == 3
    assert reminded == {"created": 4, "digests": 3}
    assert send_daily_reminders.delay("2026-12-17").get() == {"created": 0, "digests": 0}


# --- regimes as reference data, role permissions --------------------------------------------


def test_the_regimes_are_loaded_as_data_and_a_reload_keeps_staff_edits(regimes):
    expected = {
        CITY_JOINT: (Frequency.HALF_YEARLY, InspectorLevel.CITY),
        DISTRICT_SAFETY: (Frequency.QUARTERLY, InspectorLevel.COUNTY),
        INTERNAL_MONTHLY: (Frequency.MONTHLY, InspectorLevel.PROVIDER),
        "IM-AD-HOC": (Frequency.AD_HOC, InspectorLevel.COUNTY),
        "IM-CHILDCARE-HEALTH": (Frequency.HALF_YEARLY, InspectorLevel.COUNTY),
        "IM-CHILDCARE-FIRE": (Frequency.HALF_YEARLY, InspectorLevel.COUNTY),
        "IM-CHILDCARE-QUALITY": (Frequency.YEARLY, InspectorLevel.COUNTY),
    }
    assert {code: (r.frequency, r.inspector_level) for code, r in regimes.items()} == expected
    assert all(r.reminder_offsets == [-14, -3, 1] for r in regimes.values())
    assert all(r.source for r in regimes.values())
    joint = regimes[CITY_JOINT]
    assert joint.joint_departments == ["emergency_management", "market_regulation"]
    assert {"fire-detectors", "fire-sprinklers", "fire-lighting", "fire-extinguishers"} <= {
        item["code"] for item in joint.checklist
    }  # the small-building fire measures (004:60)
    assert {item["area"] for item in joint.checklist} == {"fire", "food", "medication", "building", "service"}
    assert all(item["text_zh"] and item["text_en"] for r in regimes.values() for item in r.checklist)
    assert set(regimes["IM-CHILDCARE-FIRE"].provider_kinds) == set(ProviderKind.childcare())
    assert regimes["IM-CHILDCARE-FIRE"].lead_department == "emergency_management"
    assert regimes["IM-CHILDCARE-HEALTH"].lead_department == "health_commission"

    Regime.objects.filter(code=DISTRICT_SAFETY).update(reminder_offsets=[-7, 2])
    out = run("load_reference_data")

    assert "inspections: inspection regimes: 0" in out
    assert Regime.objects.get(code=DISTRICT_SAFETY).reminder_offsets == [-7, 2]
    assert Regime.objects.count() == len(expected)


@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (roles.INSPECTOR, {"add_inspection", "change_finding", "verify_finding", "view_draw"}, {"add_draw"}),
        (roles.DISTRICT_CLERK, {"add_inspection", "change_finding", "add_draw", "add_evidence"}, {"verify_finding"}),
        (roles.CITY_REVIEWER, {"add_draw", "change_regime", "view_finding"}, {"verify_finding", "add_inspection"}),
        (roles.FINANCE, {"view_notification"}, {"view_inspection", "verify_finding"}),
    ],
)
def test_role_permissions(divisions, role, granted, refused):
    codenames = set(
        Group.objects.get(name=role)
        .permissions.filter(content_type__app_label="inspections")
        .values_list("codename", flat=True)
    )
    assert granted <= codenames
    assert not refused & codenames
