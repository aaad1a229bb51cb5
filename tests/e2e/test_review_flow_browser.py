"""The review flow in a real browser (issue 21, "Approvals"), as the demo's own users:
``clerk_baotou`` and ``finance_baotou`` prepare and submit, ``reviewer_baotou`` returns
with a reason and approves. For a run, a construction grant and a payment batch:
submit → return with a reason (a blank reason is refused on the page) → the preparer
reads the reason on the object's page → resubmit → approve, each step through its
confirmation page, which shows the number of lines and "payable X, withheld Y".

Debian's Chromium, headless, 1280 px. As in test_directory_browser.py, the database is
read before the browser starts and again after it has closed (Playwright's event loop
makes Django hand out another connection while it runs).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
from demo_snapshot import seeded_demo
from django.urls import reverse
from django.utils import timezone
from e2e_browser import BROWSER_TEST, chromium

from registry.models import User
from subsidies.models import ConstructionGrant, GrantRun, PaymentBatch
from subsidies.review import review_events, review_summary

PASSWORD = "demo-Pass-2026"  # README "Demo logins"
REASONS = {
    "run": "部分老人户籍县与花名册不一致，请核对后重新提交。",
    "grant": "请补充房屋测绘报告，核实建筑面积。",
    "batch": "收款账号待机构确认，请核对后重新提交。",
}

pytestmark = BROWSER_TEST


@dataclass(frozen=True)
class Item:
    """One object to take through the flow, as its pages are addressed."""

    key: str
    model: type[Any]
    pk: int
    maker: str
    change_url: str
    payable: str  # what the confirmation must show as payable


@pytest.fixture
def items(live_server: Any) -> list[Item]:
    """The demo (committed) and the three objects: the living-allowance run the clerk
    prepared (a draft), the per-bed grant the reviewer returned, the award batch finance
    submitted."""
    seeded_demo()  # seeded once per test process, copied back in for later tests
    run = GrantRun.objects.get(scheme__code="IM-LIVING-ALLOWANCE", status="draft", division__code="150200")
    grant = ConstructionGrant.objects.get(scheme__code="BT-CONSTRUCT-BED", status="draft")
    batch = PaymentBatch.objects.get(state="submitted")
    assert [event.action for event in review_events(grant)] == ["submitted", "returned"]

    def payable(obj: Any) -> str:
        summary = review_summary(obj)
        return f"{summary.lines} / {summary.payable} / {summary.withheld}"

    def change(model: type[Any], pk: int) -> str:
        return live_server.url + reverse(f"admin:subsidies_{model._meta.model_name}_change", args=[pk])

    return [
        Item("run", GrantRun, run.pk, "clerk_baotou", change(GrantRun, run.pk), payable(run)),
        Item("grant", ConstructionGrant, grant.pk, "clerk_baotou", change(ConstructionGrant, grant.pk), payable(grant)),
        Item("batch", PaymentBatch, batch.pk, "finance_baotou", change(PaymentBatch, batch.pk), payable(batch)),
    ]


def signed_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "login" not in page.url, page.url
    return page


def step(page: Any, item: Item, name: str, reason: str = "") -> str:
    """Click ``name`` on the object's page, read the confirmation, confirm; the money line
    the confirmation showed."""
    page.goto(item.change_url)
    page.click(f"a.review-{name}")
    money = page.locator("#review-rows tbody tr").first.inner_text()
    if reason:
        page.fill("textarea[name=reason]", reason)
    page.click("#review-confirm")
    page.wait_for_load_state()
    assert page.url.startswith(item.change_url), page.url
    return str(money)


def test_submit_return_resubmit_approve_for_a_run_a_grant_and_a_batch(
    items: list[Item], live_server: Any, save_screenshot: Any
) -> None:
    seen: dict[str, list[str]] = {}
    reviewer_id = User.objects.get(username="reviewer_baotou").pk
    started = timezone.localtime()  # the bureau's time (Asia/Shanghai), as the log shows it
    with chromium() as browser:
        reviewer = signed_in(browser, live_server.url, "reviewer_baotou")
        makers = {name: signed_in(browser, live_server.url, name) for name in ("clerk_baotou", "finance_baotou")}
        for item in items:
            maker = makers[item.maker]
            if item.key != "batch":  # the demo's batch is already submitted
                seen.setdefault(item.key, []).append(step(maker, item, "submit"))

            # A return without a reason is refused on the confirmation page.
            reviewer.goto(item.change_url)
            reviewer.click("a.review-return")
            save_screenshot(reviewer, f"review-{item.key}-return-confirm-1280")
            reviewer.click("#review-confirm")
            assert reviewer.locator(".errorlist").count() >= 1
            reviewer.fill("textarea[name=reason]", REASONS[item.key])
            reviewer.click("#review-confirm")
            reviewer.wait_for_load_state()
            assert reviewer.url.startswith(item.change_url)

            # The preparer reads the reason on the object's page and in its history.
            maker.goto(item.change_url)
            assert REASONS[item.key] in maker.locator("#review-reason").inner_text()
            assert REASONS[item.key] in maker.locator("#review-history").inner_text()
            save_screenshot(maker, f"review-{item.key}-returned-1280")

            seen.setdefault(item.key, []).append(step(maker, item, "submit"))
            reviewer.goto(item.change_url)
            assert reviewer.locator("a.review-approve").count() == 1
            seen[item.key].append(step(reviewer, item, "approve"))
            save_screenshot(reviewer, f"review-{item.key}-approved-1280")
            assert reviewer.locator("a.review-approve").count() == 0

        # The audit admin reads the reviewer's steps in the log, filtered by user, in the
        # bureau's time and in words: three returns and three approvals, all of today.
        auditor = signed_in(browser, live_server.url, "auditor")
        log = live_server.url + reverse("admin:safeguards_auditentry_changelist")
        auditor.goto(f"{log}?actor__id__exact={reviewer_id}")
        save_screenshot(auditor, "review-audit-log-by-reviewer-1280")
        everything = auditor.locator("#result_list tbody tr").all_inner_texts()
        # Each object's entries by this user ("every entry about this object" and the user).
        rows = {}
        for item in items:
            about = f"object_type={item.model._meta.label}&object_id={item.pk}"
            auditor.goto(f"{log}?actor__id__exact={reviewer_id}&{about}")
            rows[item.key] = auditor.locator("#result_list tbody tr").all_inner_texts()
        browser.close()

    assert everything and all("reviewer_baotou" in row for row in everything), everything
    finished = timezone.localtime()
    # 2026-12-05 12:07 or 2026年12月5日 12:07, as the page's date format writes it
    when = re.compile(r"(\d{4})[-年](\d{1,2})[-月](\d{1,2})日?\s*(\d{1,2}):(\d{2})")

    def during_this_test(row: str) -> bool:
        """Shown in the bureau's time (UTC would be eight hours off) within this test."""
        match = when.search(row)
        assert match is not None, row
        at = datetime.datetime(*map(int, match.groups()), tzinfo=started.tzinfo)
        return started.replace(second=0, microsecond=0) <= at <= finished

    for item in items:
        # The steps taken in the browser carry its address; the demo's own steps have none.
        mine = [row for row in rows[item.key] if "127.0.0.1" in row]
        assert mine and all(during_this_test(row) for row in mine), (mine, started, finished)
        assert sum("审核：退回经办" in row for row in mine) == 1, rows[item.key]
        assert sum("审核：审批通过" in row for row in mine) == 1, rows[item.key]

    for item in items:
        lines, payable, withheld = item.payable.split(" / ")
        for money in seen[item.key]:
            # The number of lines, the total, then "payable X, withheld Y" (应付 X，暂扣 Y).
            assert re.search(rf"\b{lines}\b", money) and payable in money and withheld in money, money
    run, grant, batch = (item.model.objects.get(pk=item.pk) for item in items)
    assert (run.status, run.approved_by.username) == ("approved", "reviewer_baotou")
    assert (grant.status, grant.approved_by.username) == ("approved", "reviewer_baotou")
    assert (batch.state, batch.approved_by.username) == ("approved", "reviewer_baotou")
    for obj, key in ((run, "run"), (grant, "grant"), (batch, "batch")):
        events = review_events(obj)
        assert [e.action for e in events][-4:] == ["submitted", "returned", "submitted", "approved"]
        assert events[-3].reason == REASONS[key] and events[-3].actor.username == "reviewer_baotou"
