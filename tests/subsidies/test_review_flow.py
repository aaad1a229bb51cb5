"""One review flow for every maker-checker object (issue 21, "Approvals"): prepare →
submit → approve, or return to the preparer with a required reason that the preparer
reads on the page and that stays in the object's history; a returned object is corrected
and submitted again. A construction grant can also be rejected for good.

On the pages: buttons on the detail page, each through a confirmation that shows the
number of lines and "payable X, withheld Y"; held lines struck with their hold named; a
grant that counts fewer beds than claimed says the floor-area rule that cut them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from factories import KUNDULUN, ResidentFactory

from registry.models import Division
from safeguards.models import AuditEntry
from subsidies.models import ConstructionGrant, GrantLine, GrantRun, PayerLevel, PaymentBatch
from subsidies.review import (
    RETURNED,
    SUBMITTED,
    approve,
    reject_grant,
    return_to_preparer,
    review_events,
    review_state,
    submit_for_review,
)
from subsidies.services import batch_create, grant_prepare, run_approve, run_refresh

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)
BT = "BT-OPERATING"
REASON = "入住人数与花名册不符，请核对后重新提交。"


def url(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(f"admin:{name}", args=args)


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def provider(make_provider):
    """A certified Kundulun home with three residents all November (300.00 at 100 a month)."""
    provider = make_provider()
    ResidentFactory.create_batch(3, provider=provider)
    return provider


@pytest.fixture
def run(provider, clerk) -> GrantRun:
    return run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=clerk)


@pytest.fixture
def grant(provider, clerk) -> ConstructionGrant:
    """12 beds claimed on 300 m²: the 30 m² a bed counts (004:80) approves 10."""
    return grant_prepare(
        provider=provider,
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=12,
        floor_area_m2=Decimal("300"),
        prepared_by=clerk,
    )


@pytest.fixture
def batch(run, finance, run_approver) -> PaymentBatch:
    run_approve(run=run, approver=run_approver)
    kundulun = Division.objects.get(code=KUNDULUN)
    return batch_create(name="11月运营补贴", division=kundulun, payer_level=PayerLevel.LEAGUE_CITY, prepared_by=finance)


# --- the services ------------------------------------------------------------------------------


def test_a_run_is_submitted_returned_with_a_reason_resubmitted_and_approved(run, clerk, run_approver):
    with pytest.raises(ValidationError):
        approve(obj=run, user=run_approver)  # nothing to approve before it is submitted
    submit_for_review(obj=run, user=clerk)
    assert review_state(run) == SUBMITTED

    with pytest.raises(ValidationError) as blank:
        return_to_preparer(obj=run, user=run_approver, reason="  ")
    assert "reason" in blank.value.message_dict
    return_to_preparer(obj=run, user=run_approver, reason=REASON)
    assert review_state(run) == RETURNED
    with pytest.raises(ValidationError):
        approve(obj=run, user=run_approver)  # returned: it must be corrected and submitted again

    run = run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=clerk)
    submit_for_review(obj=run, user=clerk)
    approved = approve(obj=run, user=run_approver)
    assert approved.status == GrantRun.Status.APPROVED and approved.approved_by == run_approver

    steps = [(event.action, event.actor, event.reason) for event in review_events(run)]
    assert steps == [
        ("submitted", clerk, ""),
        ("returned", run_approver, REASON),
        ("submitted", clerk, ""),
        ("approved", run_approver, ""),
    ]
    returned = AuditEntry.objects.get(action="review.returned")
    assert returned.actor == run_approver and REASON in str(returned.after)


def test_the_preparer_can_neither_return_nor_approve_what_they_submitted(run, clerk):
    # A clerk who also holds the approval permission (given directly, as test_maker_checker does).
    clerk.user_permissions.add(Permission.objects.get(codename="approve_grantrun"))
    preparer = type(clerk).objects.get(pk=clerk.pk)
    submit_for_review(obj=run, user=preparer)
    with pytest.raises(PermissionDenied):
        return_to_preparer(obj=run, user=preparer, reason=REASON)
    with pytest.raises(PermissionDenied):
        approve(obj=run, user=preparer)


def test_a_grant_returned_can_be_corrected_but_a_rejected_grant_is_final(grant, clerk, grant_approver, provider):
    submit_for_review(obj=grant, user=clerk)
    return_to_preparer(obj=grant, user=grant_approver, reason="请补充房屋测绘报告")
    assert review_state(grant) == RETURNED
    submit_for_review(obj=grant, user=clerk)

    rejected = reject_grant(grant=grant, user=grant_approver, reason="该机构为公建民营，不享受建设补贴")
    assert rejected.status == ConstructionGrant.Status.REJECTED
    with pytest.raises(ValidationError):
        submit_for_review(obj=rejected, user=clerk)
    # The rejected application no longer blocks a new one for the same provider and scheme.
    again = grant_prepare(
        provider=provider,
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=10,
        floor_area_m2=Decimal("300"),
        prepared_by=clerk,
    )
    assert again.status == ConstructionGrant.Status.DRAFT


def test_a_returned_batch_is_a_draft_again_and_can_be_submitted_again(batch, finance, batch_approver):
    submit_for_review(obj=batch, user=finance)
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.SUBMITTED
    return_to_preparer(obj=batch, user=batch_approver, reason="收款账号有误")
    batch.refresh_from_db()
    assert (batch.state, review_state(batch)) == (PaymentBatch.State.DRAFT, RETURNED)
    submit_for_review(obj=batch, user=finance)
    approved = approve(obj=batch, user=batch_approver)
    assert approved.state == PaymentBatch.State.APPROVED


# --- the pages ---------------------------------------------------------------------------------


def test_the_reviewer_returns_a_run_from_its_page_and_the_clerk_reads_why(run, clerk, reviewer, client_for):
    as_clerk, as_reviewer = client_for(clerk), client_for(reviewer)
    change = url("subsidies_grantrun_change", run.pk)
    assert "Submit for review" in page_text(as_clerk.get(change))
    assert "Return to the preparer" not in page_text(as_clerk.get(change))

    confirm = url("subsidies_grantrun_review", run.pk, "submit")
    shown = page_text(as_clerk.get(confirm))
    assert "1 line: payable 300.00 yuan, withheld 0.00 yuan" in shown
    assert review_state(run) != SUBMITTED  # the confirmation page changes nothing
    assert as_clerk.post(confirm).status_code == 302
    assert review_state(run) == SUBMITTED

    page = page_text(as_reviewer.get(change))
    assert "Approve" in page and "Return to the preparer" in page
    back = url("subsidies_grantrun_review", run.pk, "return")
    refused = as_reviewer.post(back, {"reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert review_state(run) == SUBMITTED
    assert as_reviewer.post(back, {"reason": REASON}).status_code == 302

    page = page_text(as_clerk.get(change))
    assert f"Returned with this reason: {REASON}" in page
    assert "Returned to the preparer" in page


def test_a_list_approval_asks_for_confirmation_first(run, clerk, reviewer, client_for):
    submit_for_review(obj=run, user=clerk)
    changelist = url("subsidies_grantrun_changelist")
    selected = {"action": "approve_runs", "_selected_action": [run.pk]}
    shown = client_for(reviewer).post(changelist, selected)
    assert shown.status_code == 200 and "payable 300.00 yuan" in page_text(shown)
    run.refresh_from_db()
    assert run.status == GrantRun.Status.DRAFT
    client_for(reviewer).post(changelist, {**selected, "confirm": "yes"})
    run.refresh_from_db()
    assert run.status == GrantRun.Status.APPROVED


def test_a_held_line_is_struck_with_its_hold_named_and_counted_as_withheld(run, clerk, client_for):
    GrantLine.objects.filter(run=run).update(holds=[{"code": "not_filed", "reason": "未备案"}])
    page = page_text(client_for(clerk).get(url("subsidies_grantrun_change", run.pk)))
    assert '<s class="held-amount">300.00</s>' in page
    assert "withheld: 未备案" in page
    assert "1 line: payable 0.00 yuan, withheld 300.00 yuan" in page


def test_a_grant_page_says_the_floor_area_rule_that_cut_the_beds(grant, clerk, client_for):
    assert (grant.beds_claimed, grant.eligible_beds) == (12, 10)
    page = page_text(client_for(clerk).get(url("subsidies_constructiongrant_change", grant.pk)))
    assert "12 beds claimed; by floor area 300 m² ÷ 30 m²/bed, 10 beds approved." in page


def test_a_batch_page_says_payable_and_withheld(batch, finance, client_for):
    page = page_text(client_for(finance).get(url("subsidies_paymentbatch_change", batch.pk)))
    assert "1 line: payable 300.00 yuan, withheld 0.00 yuan" in page
    assert "Submit for review" in page


def test_the_runs_list_says_which_runs_wait_for_review_in_as_many_queries_for_any_number(
    run, clerk, reviewer, client_for
):
    as_reviewer = client_for(reviewer)
    changelist = url("subsidies_grantrun_changelist")

    def shown() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            page = page_text(as_reviewer.get(changelist))
        return page, len(queries)

    submit_for_review(obj=run, user=clerk)
    page, one_row = shown()
    assert "Waiting for review" in page

    october = run_refresh(scheme_code=BT, period=datetime.date(2026, 10, 1), division_code=KUNDULUN, user=clerk)
    submit_for_review(obj=october, user=clerk)
    return_to_preparer(obj=october, user=reviewer, reason=REASON)
    page, two_rows = shown()
    assert "Waiting for review" in page and "Returned to the preparer" in page
    assert two_rows == one_row  # the review state comes with the rows, not a query per row
