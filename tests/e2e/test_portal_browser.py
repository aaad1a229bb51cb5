"""The provider portal end to end in Debian's Chromium (issue 18, "Done means"): the
district clerk invites a home's manager from the provider's page; on a 360 px phone the
manager opens the link, chooses a password and lands on the home's page; sends an
admission, the day's shift handover, the rectification of a finding with a photo and the
annual report with its signed PDF; the clerk accepts the admission and the report and
returns the handover with a reason; the public page then shows one bed fewer free and the
report's figures, and the manager reads the reason.

Everything the test needs from the database is made before the browser starts (see
``test_directory_browser.py`` on Playwright's event loop and Django's connections); what
happened is read from the pages, as the people would."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from e2e_browser import BROWSER_TEST, chromium
from factories import ProviderFactory, ResidentFactory

from inspections.models import Finding, Regime
from inspections.records import FindingInput, record_inspection
from registry.models import Division, LegalForm, OperationMode, ProviderStatus, User
from registry.staff import roles
from safeguards.identifiers import make_id_number

PASSWORD = "Bt-portal-2026!x"
KUNDULUN = "150203"

pytestmark = BROWSER_TEST


def png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (40, 30), (30, 120, 200)).save(path, format="PNG")
    return path


def pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def world(divisions: Any, tmp_path: Path) -> dict[str, Any]:
    today = timezone.localdate()
    home = ProviderFactory(
        name="昆都仑区测试颐养院",
        status=ProviderStatus.CERTIFIED,
        legal_form=LegalForm.NON_PROFIT,
        operation_mode=OperationMode.PRIVATE,
        beds=30,
        nursing_beds=0,
    )
    ResidentFactory.create_batch(10, provider=home, admitted_on=today - datetime.timedelta(days=40))
    clerk = User.objects.create_user(
        username="clerk_e2e", password=PASSWORD, is_staff=True, jurisdiction=Division.objects.get(code=KUNDULUN)
    )
    clerk.groups.add(Group.objects.get(name=roles.DISTRICT_CLERK))
    inspector = User.objects.create_user(
        username="inspector_e2e", is_staff=True, jurisdiction=Division.objects.get(code=KUNDULUN)
    )
    inspector.groups.add(Group.objects.get(name=roles.INSPECTOR))
    inspection = record_inspection(
        provider=home,
        regime=Regime.objects.get(code="BT-DISTRICT-SAFETY"),
        inspected_on=today - datetime.timedelta(days=5),
        recorded_by=inspector,
        inspectors=[inspector],
        findings=[
            FindingInput(
                Finding.Category.FIRE, Finding.Severity.GENERAL, "疏散通道堆放杂物", today + datetime.timedelta(days=9)
            )
        ],
    )
    return {
        "home": home,
        "finding": inspection.findings.get().pk,
        "year": today.year - 1,
        "vacant_before": 20,
        "new_id": make_id_number(KUNDULUN, datetime.date(1942, 3, 8), 17),
        "photo": png(tmp_path / "IMG_2031.png"),
        "report": pdf(tmp_path / "2025年度财务报告.pdf"),
    }


def text(page: Any) -> str:
    return re.sub(r"\s+", " ", page.locator("main").inner_text())


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide on a 360 px phone"


def send(page: Any) -> None:
    page.click("button[name=submit]")
    page.wait_for_load_state()
    assert "errorlist" not in page.content() and 'role="alert"' not in page.content(), text(page)[:800]


def test_invite_send_review_and_see_it_published(
    live_server: Any, world: dict[str, Any], save_screenshot: Callable[[Any, str], Path]
) -> None:
    base = live_server.url
    home = world["home"]
    with chromium() as browser:
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        desk.set_default_timeout(30_000)
        desk.goto(base + reverse("admin:login"))
        desk.fill("#id_username", "clerk_e2e")
        desk.fill("#id_password", PASSWORD)
        desk.click("input[type=submit]")
        desk.wait_for_load_state()

        # 1. The clerk invites the home's manager from the provider's page.
        desk.goto(base + reverse("admin:registry_provider_change", args=[home.pk]))
        desk.click("text=邀请使用机构门户")
        desk.fill("#id_name", "王院长")
        desk.fill("#id_email", "wang@example.invalid")
        desk.click("input[name=_save]")
        desk.wait_for_load_state()
        link = re.search(r"/portal/invitation/[^/\s<]+/", desk.content())
        assert link, desk.content()[:2000]

        # ... and the manager opens it on a phone and chooses a password.
        phone_context = browser.new_context(
            viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        phone = phone_context.new_page()
        phone.set_default_timeout(30_000)
        phone.goto(base + link.group())
        phone.fill("#id_username", "wang_yz")
        phone.fill("#id_password1", PASSWORD)
        phone.fill("#id_password2", PASSWORD)
        phone.click("button[type=submit]")
        phone.wait_for_url(re.compile(rf"/portal/{home.pk}/$"))
        assert home.name in phone.locator("h1").inner_text()
        fits(phone)
        save_screenshot(phone, "portal-home-360")

        # 2. An admission, then the day's shift handover (one tap: everything in order).
        phone.goto(base + reverse("portal:submission_new", args=[home.pk, "residents_change"]))
        fits(phone)
        assert phone.locator("input[name=movement][value=admission]").is_checked()
        phone.fill("input[name=day]", timezone.localdate().isoformat())
        phone.fill("input[name=name]", "赵秀英")
        phone.fill("input[name=id_number]", world["new_id"])
        phone.select_option("select[name=care_level]", "self_care")
        send(phone)
        assert "已报送，待审核" in text(phone)

        phone.goto(base + reverse("portal:submission_new", args=[home.pk, "shift_handover"]))
        fits(phone)
        phone.fill("input[name=people]", "李娜交班，张伟接班")
        send(phone)
        assert "已采纳" in text(phone)

        # 3. The rectification of the inspector's finding, with a photo.
        phone.goto(base + reverse("portal:findings", args=[home.pk]))
        assert "疏散通道堆放杂物" in text(phone)
        phone.goto(base + reverse("portal:finding_rectify", args=[home.pk, world["finding"]]))
        fits(phone)
        phone.fill("textarea[name=statement]", "杂物已清理，通道畅通")
        phone.set_input_files("input[name=files]", str(world["photo"]))
        send(phone)

        # 4. The annual report with its signed PDF.
        phone.goto(base + reverse("portal:submission_new", args=[home.pk, "annual_report"]))
        fits(phone)
        phone.select_option("select[name=year]", str(world["year"]))
        for name, value in {
            "total_income": "1250000.00",
            "total_expenditure": "1180000.50",
            "total_assets": "3400000.00",
            "subsidies_received": "420000.00",
            "subsidies_used": "355000.00",
        }.items():
            phone.fill(f"input[name={name}]", value)
        phone.set_input_files("input[name=files]", str(world["report"]))
        send(phone)
        save_screenshot(phone, "portal-report-sent-360")

        # 5. The clerk accepts the admission and the report, and returns the handover.
        desk.goto(base + reverse("admin:index"))
        desk.click("text=待审核的机构报送")
        desk.wait_for_load_state()
        rows = desk.locator("#result_list tbody tr")
        assert rows.count() == 2, desk.locator("#result_list").inner_text()
        for _ in range(2):
            desk.goto(base + reverse("admin:portal_submission_changelist") + "?status__exact=submitted")
            desk.locator("#result_list tbody tr th a").first.click()
            desk.wait_for_load_state()
            desk.click("text=采纳并生效")
            desk.wait_for_load_state()
            assert "已采纳并生效" in desk.content()
        desk.goto(base + reverse("admin:portal_submission_changelist") + "?kind=shift_handover")
        desk.locator("#result_list tbody tr th a").first.click()
        desk.wait_for_load_state()
        desk.click("text=退回机构")
        desk.fill("textarea[name=reason]", "交班记录未写明夜间巡查情况，请补充。")
        desk.click("input[type=submit]")
        desk.wait_for_load_state()

        # 6. The public page and the manager's page say so.
        public = desk.context.new_page()
        public.goto(base + f"/providers/{home.uscc}/")
        shown = text(public)
        assert re.search(rf"空余床位：\s*{world['vacant_before'] - 1}\b", shown), shown[:1500]
        assert "1,250,000.00" in shown and "3,400,000.00" in shown
        phone.goto(base + reverse("portal:provider", args=[home.pk]))
        assert "交班记录未写明夜间巡查情况" in text(phone)
        fits(phone)
        save_screenshot(phone, "portal-returned-360")
        browser.close()
