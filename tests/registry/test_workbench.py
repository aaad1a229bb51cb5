"""The workbench, the back-office's first screen: each role sees what waits for it today,
each count opens the list of exactly those rows, and the page costs the same number of
queries whatever the size of the register."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspections.models import Draw, Finding, Inspection, InspectionTask, Regime
from registry.models import AnnualReport, Licence, Provider, ProviderStatus, Resident, RoleGrant, User
from registry.personal_data import personal_data_reveal
from registry.staff import roles
from registry.staff.security_checks import use_is_unusual
from registry.workbench import workbench_sections
from safeguards.audit import audit_record
from tests.factories import BAOTOU, DONGHE, KUNDULUN, LicenceFactory, ProviderFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def items(user: User) -> dict[str, tuple[int, str]]:
    """label (in English) → (count, url) of every item with something waiting."""
    with translation.override("en"):
        return {str(i.label): (i.count, i.url) for s in workbench_sections(user) for i in s.items}


def waiting_nothing(user: User) -> set[str]:
    with translation.override("en"):
        return {str(label) for s in workbench_sections(user) for label in s.nothing_waiting}


def panels(user: User) -> dict[str, dict]:
    with translation.override("en"):
        return {str(p.label): p.context for s in workbench_sections(user) for p in s.panels}


def headings(user: User) -> list[str]:
    with translation.override("en"):
        return [str(s.heading) for s in workbench_sections(user)]


def list_rows(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context_data["cl"].result_count  # type: ignore[attr-defined]  # a changelist response


def test_home_is_the_workbench_and_the_stock_index_is_all_lists(clerk: User, client_for: Callable[[User], Client]):
    client = client_for(clerk)
    home = client.get("/admin/").content.decode()
    assert "工作台" in home and "registry/provider/" not in home.split('id="content-main"')[1].split("全部列表")[0]
    lists = client.get("/admin/lists/")
    assert lists.status_code == 200 and "/admin/registry/provider/" in lists.content.decode()
    assert 'href="/admin/lists/"' in home
    assert 'href="/admin/dashboard/"' in home  # the plan indicators, registered by their app


def test_clerk_items_count_their_jurisdiction_and_open_those_rows(
    clerk: User, outsider: User, client_for: Callable[[User], Client]
):
    today = timezone.localdate()
    ProviderFactory.create_batch(2, status=ProviderStatus.DRAFT)
    ProviderFactory(status=ProviderStatus.DRAFT, division_id=outsider.jurisdiction_id)
    certified = ProviderFactory(status=ProviderStatus.CERTIFIED, certified_on=datetime.date(2020, 1, 1))
    # Due: the latest food licence expires in ten days; a renewed policy is not due.
    LicenceFactory(provider=certified, expires_on=today + datetime.timedelta(days=10))
    LicenceFactory(
        provider=certified,
        kind=Licence.Kind.LIABILITY_INSURANCE,
        issued_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=35),
    )
    LicenceFactory(
        provider=certified,
        kind=Licence.Kind.LIABILITY_INSURANCE,
        issued_on=today - datetime.timedelta(days=34),
        expires_on=today + datetime.timedelta(days=330),
    )

    shown = items(clerk)
    client = client_for(clerk)
    assert shown["Providers in draft"][0] == 2
    assert list_rows(client, shown["Providers in draft"][1]) == 2
    assert shown["Licences, insurance and fire filings to renew"][0] == 1
    assert list_rows(client, shown["Licences, insurance and fire filings to renew"][1]) == 1
    # The non-profit certified in 2020 has sent no report for last year.
    assert shown["Annual financial reports overdue"][0] == 1
    assert list_rows(client, shown["Annual financial reports overdue"][1]) == 1
    assert items(outsider)["Providers in draft"][0] == 1

    AnnualReport.objects.create(
        provider=certified, year=today.year - 1 if today.month > 3 else today.year - 2, submitted_on=today
    )
    assert "Annual financial reports overdue" not in items(clerk)
    assert "Annual financial reports overdue" in waiting_nothing(clerk)


def test_nothing_waiting_is_one_line_not_a_card(clerk: User, client_for: Callable[[User], Client]):
    page = client_for(clerk).get("/admin/").content.decode()
    assert 'class="workbench-item' not in page
    line = re.search(r'class="nothing-waiting">(.*?)</p>', page, re.S)
    assert line and "机构草稿" not in page.split("nothing-waiting")[0]
    assert "处于草稿状态的机构" in line.group(1) or "Providers in draft" in line.group(1)


def test_each_role_sees_only_its_own_sections(
    make_staff: Callable[..., User], clerk: User, inspector: User, reviewer: User
):
    assert headings(clerk) == ["Registry and rosters"]
    assert headings(inspector) == ["Inspections"]
    security = make_staff(roles.SECURITY_ADMIN, BAOTOU)
    auditor = make_staff(roles.AUDIT_ADMIN, BAOTOU)
    assert headings(security) == ["Accounts and sign-in"]
    assert headings(auditor) == ["Personal data and sign-in"]


def _task(provider: Provider, regime: Regime, due: datetime.date) -> InspectionTask:
    return InspectionTask.objects.create(
        provider=provider, regime=regime, period_start=due.replace(day=1), period_end=due, due_on=due
    )


def test_inspector_tasks_overdue_first_then_by_risk_and_findings_to_verify(
    inspector: User, make_staff: Callable[..., User], client_for: Callable[[User], Client]
):
    today = timezone.localdate()
    regime = Regime.objects.filter(active=True).first()
    assert regime is not None
    calm, risky, graded = (ProviderFactory(name=n, grade=g) for n, g in (("安宁院", 3), ("隐患院", 3), ("五星院", 5)))
    late = ProviderFactory(name="逾期院", grade=5)
    past = Inspection.objects.create(
        provider=risky,
        regime=regime,
        inspected_on=today - datetime.timedelta(days=60),
        outcome="findings",
        recorded_by=inspector,
    )
    past.inspectors.add(inspector)
    Finding.objects.create(
        inspection=past,
        category="fire",
        severity="general",
        description="灭火器过期",
        deadline=today,
        status=Finding.Status.RECTIFIED,
        rectified_on=today,
    )
    Finding.objects.create(
        inspection=past,
        category="food",
        severity="general",
        description="留样不足",
        deadline=today,
        status=Finding.Status.VERIFIED,
        verified_on=today,
    )
    sunday = today + datetime.timedelta(days=6 - today.weekday())
    for provider in (graded, calm, risky):
        _task(provider, regime, sunday)
    _task(late, regime, today - datetime.timedelta(days=3))
    _task(ProviderFactory(name="下周院"), regime, sunday + datetime.timedelta(days=1))

    panel = panels(inspector)["Your inspections to do: overdue first, then due this week"]
    names = [row["task"].provider.name for row in panel["rows"]]
    # Overdue first; on one day: open findings, then past hazards, then the lower grade.
    assert names == ["逾期院", "隐患院", "安宁院", "五星院"]
    assert panel["rows"][0]["overdue"] and not panel["rows"][1]["overdue"]

    shown = items(inspector)
    client = client_for(inspector)
    assert shown["Inspections overdue"][0] == 1 == list_rows(client, shown["Inspections overdue"][1])
    verify = shown["Rectifications waiting for your verification"]
    assert verify[0] == 1 == list_rows(client, verify[1])
    colleague = make_staff(roles.INSPECTOR, KUNDULUN)
    assert "Rectifications waiting for your verification" not in items(colleague)


def test_draws_to_run(inspector: User, divisions: dict, client_for: Callable[[User], Client]):
    Draw.objects.create(
        name="第四季度双随机抽查", jurisdiction=divisions[BAOTOU], sample_ratio="0.2", created_by=inspector
    )
    shown = items(inspector)
    assert shown["Double-random draws to run"][0] == 1
    assert list_rows(client_for(inspector), shown["Double-random draws to run"][1]) == 1


def test_security_admin_sees_locks_second_factor_and_password_age(
    make_staff: Callable[..., User], clerk: User, outsider: User, client_for: Callable[[User], Client]
):
    security = make_staff(roles.SECURITY_ADMIN, BAOTOU)
    TOTPDevice.objects.create(user=security, name="手机", confirmed=True)
    TOTPDevice.objects.create(user=outsider, name="手机", confirmed=True)
    for user in (security, outsider, clerk):
        user.set_password("a-Long-pass-2026")
        user.save()
    User.objects.filter(pk=clerk.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS + 1)
    )
    AccessAttempt.objects.create(
        username="admin",
        ip_address="10.0.0.9",
        user_agent="x",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        http_accept="*/*",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
    )
    newcomer = make_staff(None, DONGHE)
    RoleGrant.objects.create(
        user=newcomer, group=Group.objects.get(name=roles.DISTRICT_CLERK), reason="新入职", requested_by=outsider
    )

    shown = items(security)
    client = client_for(security)
    assert shown["Staff without a second factor"][0] == 2  # the clerk and the newcomer
    assert list_rows(client, shown["Staff without a second factor"][1]) == 2
    assert shown["Passwords past their maximum age"][0] == 1
    assert list_rows(client, shown["Passwords past their maximum age"][1]) == 1
    assert shown["Locked-out sign-ins"][0] == 1 == list_rows(client, shown["Locked-out sign-ins"][1])
    assert shown["Role requests waiting for your decision"][0] == 1


def test_personal_data_use_flags_the_user_far_above_peers(make_staff: Callable[..., User], clerk: User, outsider: User):
    auditor = make_staff(roles.AUDIT_ADMIN, BAOTOU)
    residents = ResidentFactory.create_batch(21)
    for resident in residents:
        personal_data_reveal(person=resident, user=clerk)
    personal_data_reveal(person=residents[0], user=outsider)
    audit_record("login.failure", actor_name="nobody")

    shown = panels(auditor)
    rows = {r.user: r for r in shown["Personal data revealed and downloaded this week, per user"]["rows"]}
    assert rows[clerk.username].reveals == 21 and rows[clerk.username].flagged
    assert rows[outsider.username].reveals == 1 and not rows[outsider.username].flagged
    days = shown["Failed sign-ins by day"]["days"]
    assert len(days) == 14 and days[-1] == (timezone.localdate(), 1)


def test_unusual_use_needs_the_minimum_and_the_ratio():
    assert not use_is_unusual(19, [1])  # below the minimum
    assert use_is_unusual(20, [1, 2, 6])  # 20 > 3 × median 2
    assert not use_is_unusual(20, [7, 7])  # 20 ≤ 3 × 7
    assert use_is_unusual(25, [])  # nobody else: against 1


@pytest.mark.parametrize("role", [roles.DISTRICT_CLERK, roles.INSPECTOR, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN])
def test_workbench_queries_do_not_grow_with_the_register(
    role: str, make_staff: Callable[..., User], client_for: Callable[[User], Client]
):
    user = make_staff(role, BAOTOU)
    client = client_for(user)
    regime = Regime.objects.filter(active=True).first()

    def add(n: int) -> None:
        today = timezone.localdate()
        for provider in ProviderFactory.create_batch(n, status=ProviderStatus.CERTIFIED):
            LicenceFactory(provider=provider, expires_on=today)
            ResidentFactory(provider=provider)
            _task(provider, regime, today - datetime.timedelta(days=1))  # type: ignore[arg-type]  # reference data has regimes
        ProviderFactory.create_batch(n, status=ProviderStatus.DRAFT)

    add(1)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/admin/").status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/admin/").status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert Resident.objects.count() == 13
