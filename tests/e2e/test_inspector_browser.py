"""An inspector's task list in a real browser (issue #21, "Inspectors"): Debian's Chromium,
headless, driven by Playwright, at 1280 px.

A double-random draw (003:343, 004:92) puts a Qingshan inspector on two Kundulun homes;
the inspector signs in, finds both in the task list, finds one by searching its name, and
sees last year's unfinished task marked overdue. Screenshot: ``var/screenshots/``.

As in test_directory_browser.py, everything from the database is written and read before
the browser starts (Playwright's loop makes Django hand out another connection).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from e2e_browser import BROWSER_TEST, chromium
from factories import ProviderFactory, division

from inspections.models import Draw, Regime
from inspections.planning import plan_inspections
from inspections.random_draw import draw_freeze
from registry.models import Division, Provider, ProviderKind, ProviderStatus, User
from registry.periods import add_months
from registry.staff import roles

PASSWORD = "Inspect-Qingshan-2026"
KUNDULUN, QINGSHAN, BAOTOU = "150203", "150204", "150200"
DRAWN = ["昆都仑区抽查福寿养老院", "昆都仑区抽查康和医养中心"]
OWN = "青山区逾期检查养老院"

pytestmark = BROWSER_TEST


def _provider(name: str, code: str) -> Provider:
    return ProviderFactory(name=name, division=division(code), status=ProviderStatus.CERTIFIED)


@pytest.fixture
def site(live_server: Any) -> str:
    call_command("load_reference_data", stdout=io.StringIO())
    inspector = User.objects.create_user(
        username="inspector_qingshan_e2e", is_staff=True, jurisdiction=Division.objects.get(code=QINGSHAN)
    )
    inspector.set_password(PASSWORD)
    inspector.save()
    inspector.groups.add(Group.objects.get(name=roles.INSPECTOR))
    clerk = User.objects.create_user(
        username="clerk_baotou_e2e", is_staff=True, jurisdiction=Division.objects.get(code=BAOTOU)
    )
    clerk.groups.add(Group.objects.get(name=roles.DISTRICT_CLERK))
    for name in DRAWN:
        _provider(name, KUNDULUN)
    _provider(OWN, QINGSHAN)
    plan_inspections(on=add_months(timezone.localdate(), -12))  # last year's task, never done
    draw = Draw.objects.create(
        name="双随机抽查（浏览器测试）",
        jurisdiction=Division.objects.get(code=KUNDULUN),  # the two Kundulun homes
        regime=Regime.objects.get(code="BT-DISTRICT-SAFETY"),
        sample_count=2,
        team_size=1,
        random_value="2026-004-03-11",
        created_by=clerk,
        provider_kinds=[ProviderKind.ELDERLY_INSTITUTION],
    )
    draw.inspector_pool.set([inspector])
    frozen = draw_freeze(draw=draw, user=clerk)
    assert sorted(row["name"] for row in frozen.results) == sorted(DRAWN)
    return str(live_server.url)


@pytest.fixture
def desktop(site: str) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_the_inspectors_task_list_holds_their_draw_assignments(site: str, desktop: Any, save_screenshot: Any) -> None:
    page = desktop
    page.goto(f"{site}/admin/login/?next=/admin/inspections/inspectiontask/")
    page.fill("input[name=username]", "inspector_qingshan_e2e")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/inspections/inspectiontask/**")

    rows = page.locator("#result_list tbody tr")
    listed = " ".join(rows.all_inner_texts())
    for name in DRAWN:
        assert name in listed, f"{name} (a draw assignment) is missing from the task list"
    assert OWN in listed
    assert page.locator("#result_list .overdue").count() >= 1  # last year's task, marked
    save_screenshot(page, "inspector-task-list-1280")

    page.fill("#searchbar", DRAWN[0])
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    found = " ".join(page.locator("#result_list tbody tr").all_inner_texts())
    assert DRAWN[0] in found and DRAWN[1] not in found

    page.goto(f"{site}/admin/inspections/inspectiontask/?assigned=me")
    mine = " ".join(page.locator("#result_list tbody tr").all_inner_texts())
    assert all(name in mine for name in DRAWN)
