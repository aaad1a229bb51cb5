"""The workbench in a real browser (issue 16), as each of the demo's roles: after signing
in, every user lands on what waits for their role today, and nothing of another role's.
Screenshots at 1280 px and at 360 px (a phone), where the cards wrap into two columns.
Then the plan-indicator dashboard, linked from the workbench: its charts drawn, their
tables beside them, a division's drill-down.

Debian's Chromium, headless. The demo is read before the browser starts (Playwright's event
loop makes Django hand out another connection while it runs).
"""

from __future__ import annotations

from typing import Any

from demo_snapshot import seeded_demo
from django.urls import reverse
from e2e_browser import BROWSER_TEST, chromium

from indicators.models import Indicator

PASSWORD = "demo-Pass-2026"  # README "Demo logins"

# user → (the heading of their section, a card or table that must be on it)
ROLES = {
    "clerk_kundulun": ("登记与名册", "待续期的许可、保险和消防备案"),
    "clerk_baotou": ("登记与名册", "处于草稿状态的机构"),
    "reviewer_baotou": ("待您审批", None),
    "finance_baotou": ("支付", None),
    "inspector_qingshan": ("安全检查", "您的检查任务：先逾期，后本周到期"),
    "secadmin": ("账户与登录", "被锁定的登录"),
    "auditor": ("个人信息与登录", "本周各用户查看和下载个人信息情况"),
}
HEADINGS = {heading for heading, _card in ROLES.values()}

pytestmark = BROWSER_TEST


def sign_in(browser: Any, base: str, username: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "login" not in page.url, page.url
    return page


def test_each_demo_role_lands_on_its_own_work(live_server: Any, save_screenshot: Any) -> None:
    seeded_demo()
    indicators = Indicator.objects.count()  # one panel each (read before the browser starts)
    with chromium() as browser:
        for username, (heading, card) in ROLES.items():
            for width in (1280, 360):
                page = sign_in(browser, live_server.url, username, width)
                # Signing in leads to the workbench, not to Django's list of models.
                assert page.url.rstrip("/").endswith("/admin"), page.url
                headings = page.locator(".workbench-section h2").all_inner_texts()
                assert heading in headings, (username, headings)
                assert not (HEADINGS - {heading}) & set(headings), (username, headings)
                section = page.locator(".workbench-section", has=page.locator("h2", has_text=heading))
                # Something waits for every demo role: a card with a count, or a table.
                assert section.locator(".workbench-item, .workbench-panel").count() >= 1, username
                if card:
                    assert card in section.inner_text(), (username, section.inner_text())
                counts = section.locator(".workbench-item .count").all_inner_texts()
                assert all(count.strip().isdigit() and int(count) > 0 for count in counts), counts
                if width == 360:
                    # No sideways scrolling of the page on a phone.
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    assert overflow <= 1, (username, overflow)
                save_screenshot(page, f"workbench-{username}-{width}")
                page.context.close()
        # The first card's link opens a list that shows the rows counted.
        page = sign_in(browser, live_server.url, "clerk_kundulun", 1280)
        card = page.locator(".workbench-item a").first
        expected = int(card.locator(".count").inner_text())
        card.click()
        page.wait_for_load_state()
        assert page.locator("#result_list tbody tr").count() == expected
        page.goto(live_server.url + reverse("admin:all_lists"))
        assert page.locator(".app-registry").count() == 1
        page.context.close()

        # The plan indicators, from the reviewer's workbench: every chart is drawn by the
        # vendored ECharts (a canvas each), each with its table; a division drills down.
        for width in (1280, 360):
            page = sign_in(browser, live_server.url, "reviewer_baotou", width)
            errors: list[str] = []
            page.on("console", lambda message, errors=errors: message.type == "error" and errors.append(message.text))
            page.click(f"a[href='{reverse('indicators:dashboard')}']")
            page.wait_for_load_state("networkidle")
            panels = page.locator(".indicator-panel")
            assert panels.count() == indicators >= 6, panels.count()
            charts = page.locator(".indicator-chart")
            assert page.locator(".indicator-chart canvas").count() == charts.count() > 0
            assert page.locator(".indicator-table table").count() == charts.count()
            assert "包头市" in page.locator("h1").inner_text()
            assert not errors, errors
            save_screenshot(page, f"dashboard-reviewer_baotou-{width}")
            if width == 1280:
                page.locator(".indicator-table a", has_text="昆都仑区").first.click()
                page.wait_for_load_state("networkidle")
                assert "division=150203" in page.url
                assert "昆都仑区" in page.locator("h1").inner_text()
                save_screenshot(page, "dashboard-kundulun-1280")
            page.context.close()
        browser.close()
