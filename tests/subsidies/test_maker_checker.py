"""Maker-checker on everything that is approved (issue 23, finding 2).

Whoever created, refreshed, edited, collected or submitted a grant run, a construction
grant or a payment batch is one of its preparers, and no preparer approves it; no preparer
of a grant releases its instalments. Only a clerk whose jurisdiction contains a run's
division creates or refreshes it. The database refuses an approver among the preparers
too, and a data migration fills the preparers of objects made before they were kept.
"""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from factories import BAOTOU, KUNDULUN, ResidentFactory, division

from registry.staff import roles
from subsidies.models import ConstructionGrant, GrantRun, Instalment, PayerLevel, PaymentBatch
from subsidies.payments import batch_collect
from subsidies.services import (
    batch_approve,
    batch_create,
    batch_submit,
    grant_approve,
    grant_prepare,
    instalments_review,
    run_approve,
    run_refresh,
)

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)
NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)
BT = "BT-OPERATING"


def today() -> datetime.date:
    return timezone.localdate()


def with_permission(user, codename):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="subsidies", codename=codename))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def provider(make_provider):
    """A certified Kundulun provider with three residents all November (300.00 a month)."""
    provider = make_provider()
    ResidentFactory.create_batch(3, provider=provider)
    return provider


@pytest.fixture
def clerk_with_approval(make_staff):
    """``clerk_with_approval("approve_grantrun")``: a Kundulun clerk who also holds an approval
    permission (given directly: the role-level rule is registry/staff/separation.py's)."""

    def make(codename: str, division_code: str = KUNDULUN):
        return with_permission(make_staff(roles.DISTRICT_CLERK, division_code), codename)

    return make


# --- grant runs -----------------------------------------------------------------------------


def test_whoever_refreshed_another_persons_run_cannot_approve_it(provider, clerk, clerk_with_approval, run_approver):
    run = run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=clerk)
    refresher = clerk_with_approval("approve_grantrun")
    run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=refresher)

    with translation.override("en"), pytest.raises(PermissionDenied, match="You created or refreshed this run"):
        run_approve(run=run, approver=refresher)
    assert GrantRun.objects.get(pk=run.pk).status == GrantRun.Status.DRAFT

    assert run_approve(run=run, approver=run_approver).approved_by == run_approver


def test_a_run_the_monthly_task_created_is_approved_by_none_of_its_refreshers(
    provider, clerk_with_approval, run_approver
):
    run = run_refresh(scheme_code=BT, period=NOV)  # the beat task: no user
    city_clerk = clerk_with_approval("approve_grantrun", BAOTOU)
    run_refresh(scheme_code=BT, period=NOV, user=city_clerk)

    with pytest.raises(PermissionDenied):
        run_approve(run=run, approver=city_clerk)
    assert set(GrantRun.objects.get(pk=run.pk).preparers.all()) == {city_clerk}
    assert run_approve(run=run, approver=run_approver).status == GrantRun.Status.APPROVED


def test_a_district_clerk_cannot_refresh_the_city_wide_run_a_city_clerk_can(provider, clerk, outsider, make_staff):
    run = run_refresh(scheme_code=BT, period=NOV)  # Baotou, every district's lines
    ResidentFactory(provider=provider)  # a roster change a refresh would pick up

    with pytest.raises(PermissionDenied, match="包头市 超出您的管辖范围"):  # Chinese by default
        run_refresh(scheme_code=BT, period=NOV, user=clerk)
    assert run.lines.get().quantity == Decimal(3)
    assert not run.preparers.exists()
    # Nor may the district clerk create the city-wide run of a month that has none.
    with translation.override("en"), pytest.raises(PermissionDenied, match="包头市 is outside your jurisdiction"):
        run_refresh(scheme_code=BT, period=DEC, user=clerk)
    assert not GrantRun.objects.filter(period=DEC).exists()
    # Another district's run is out of reach too; the clerk's own district's run is not.
    with pytest.raises(PermissionDenied):
        run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=outsider)
    own = run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=clerk)
    assert set(own.preparers.all()) == {clerk}

    city_clerk = make_staff(roles.DISTRICT_CLERK, BAOTOU)
    run_refresh(scheme_code=BT, period=NOV, user=city_clerk)
    assert run.lines.get().quantity == Decimal(4)
    assert set(run.preparers.all()) == {city_clerk}


def test_refreshing_a_run_needs_the_permission_to_change_runs(provider, reviewer):
    with pytest.raises(PermissionDenied):
        run_refresh(scheme_code=BT, period=NOV, user=reviewer)  # the reviewer approves, never prepares
    assert not GrantRun.objects.exists()


# --- construction grants and their instalments ------------------------------------------------


@pytest.fixture
def draft_grant(make_provider, clerk):
    return grant_prepare(
        provider=make_provider(beds=120),
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=120,
        floor_area_m2=Decimal("3600"),
        prepared_by=clerk,
    )


def test_whoever_edited_a_grant_in_the_admin_cannot_approve_it(
    draft_grant, clerk, clerk_with_approval, grant_approver, client_for, admin_form_data
):
    editor = clerk_with_approval("approve_constructiongrant")
    with translation.override("en"):
        url = reverse("admin:subsidies_constructiongrant_change", args=[draft_grant.pk])
    client = client_for(editor)
    response = client.post(url, {**admin_form_data(client.get(url)), "beds_claimed": "100"})
    assert response.status_code == 302
    draft_grant.refresh_from_db()
    assert (draft_grant.eligible_beds, draft_grant.total) == (100, Decimal("500000.00"))
    assert draft_grant.prepared_by == clerk  # the first preparer stays on record

    with translation.override("en"), pytest.raises(PermissionDenied, match="You prepared or edited this grant"):
        grant_approve(grant=draft_grant, approver=editor)
    assert ConstructionGrant.objects.get(pk=draft_grant.pk).status == ConstructionGrant.Status.DRAFT
    assert not Instalment.objects.exists()

    assert grant_approve(grant=draft_grant, approver=grant_approver).status == ConstructionGrant.Status.APPROVED
    assert set(draft_grant.preparers.all()) == {clerk, editor}


def test_no_preparer_of_a_grant_releases_its_instalments(draft_grant, clerk, grant_approver):
    preparer = with_permission(clerk, "approve_constructiongrant")
    grant = grant_approve(grant=draft_grant, approver=grant_approver, on=today())

    counts = instalments_review(year=today().year, on=today(), user=preparer)

    assert counts == {"released": 0, "withheld": 0, "cancelled": 0, "left": 1}
    assert grant.instalments.get(number=1).status == Instalment.Status.SCHEDULED
    # The approver of the grant (no preparer) releases it, and is recorded as the one who did.
    assert instalments_review(year=today().year, on=today(), user=grant_approver)["released"] == 1
    first = grant.instalments.get(number=1)
    assert (first.status, first.decided_by) == (Instalment.Status.RELEASED, grant_approver)


# --- payment batches ------------------------------------------------------------------------


@pytest.fixture
def payable(provider, approved_run):
    return approved_run(BT, NOV)


def new_batch(user):
    return batch_create(name="11月", division=division(KUNDULUN), payer_level=PayerLevel.LEAGUE_CITY, prepared_by=user)


def test_whoever_submitted_a_colleagues_batch_cannot_approve_it(payable, finance, make_staff, batch_approver):
    colleague = make_staff(roles.FINANCE, BAOTOU)  # finance both prepares and approves batches
    assert colleague.has_perm("subsidies.approve_paymentbatch")
    batch = batch_submit(batch=new_batch(finance), user=colleague)

    with translation.override("en"), pytest.raises(PermissionDenied, match="collected or submitted this batch"):
        batch_approve(batch=batch, approver=colleague)
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.SUBMITTED

    assert batch_approve(batch=batch, approver=batch_approver).state == PaymentBatch.State.APPROVED
    assert set(batch.preparers.all()) == {finance, colleague}


def test_whoever_collected_into_a_colleagues_batch_cannot_approve_it(payable, finance, make_staff, batch_approver):
    colleague = make_staff(roles.FINANCE, BAOTOU)
    batch = new_batch(finance)
    batch_collect(batch, user=colleague)
    batch = batch_submit(batch=batch, user=finance)

    with pytest.raises(PermissionDenied):
        batch_approve(batch=batch, approver=colleague)
    assert batch_approve(batch=batch, approver=batch_approver).state == PaymentBatch.State.APPROVED


def test_the_colleague_who_only_approves_may(payable, finance, make_staff):
    colleague = make_staff(roles.FINANCE, BAOTOU)
    batch = batch_submit(batch=new_batch(finance), user=finance)

    assert batch_approve(batch=batch, approver=colleague).approved_by == colleague


# --- what the database refuses --------------------------------------------------------------


def refused(queryset, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


def test_the_database_refuses_an_approver_among_the_preparers(provider, clerk, clerk_with_approval, finance):
    refresher = clerk_with_approval("approve_grantrun")
    run = run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=clerk)
    run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=refresher)
    runs = GrantRun.objects.filter(pk=run.pk)
    refused(runs, approved_by=clerk, status=GrantRun.Status.APPROVED)  # the creator: a check constraint
    refused(runs, approved_by=refresher, status=GrantRun.Status.APPROVED)  # a refresher: the trigger

    grant = grant_prepare(
        provider=provider,
        scheme_code="BT-CONSTRUCT-BED",
        basis="new_build",
        beds_claimed=10,
        floor_area_m2=Decimal("300"),
        prepared_by=clerk,
    )
    grant.preparers.add(refresher)
    refused(ConstructionGrant.objects.filter(pk=grant.pk), approved_by=refresher)

    batch = new_batch(finance)
    batch.preparers.add(refresher)
    refused(PaymentBatch.objects.filter(pk=batch.pk), approved_by=refresher)

    # Nor can someone become a preparer of what they approved.
    other = clerk_with_approval("approve_grantrun")
    runs.update(approved_by=other, status=GrantRun.Status.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        run.preparers.add(other)


def test_the_database_refuses_an_instalment_released_by_a_preparer(draft_grant, clerk, grant_approver):
    grant = grant_approve(grant=draft_grant, approver=grant_approver, on=today())

    refused(grant.instalments.filter(number=1), status=Instalment.Status.RELEASED, decided_by=clerk)


# --- the data migration ---------------------------------------------------------------------


def test_the_migration_fills_the_preparers_from_the_makers_and_the_history(
    provider, clerk, clerk_with_approval, run_approver, finance
):
    """Objects made before preparers were kept: the creator or preparer, and whoever saved
    a draft (history made by the admin records the user), become preparers; the approval's
    own history row does not make the approver one."""
    refresher = clerk_with_approval("approve_grantrun")
    run = run_refresh(scheme_code=BT, period=NOV, division_code=KUNDULUN, user=clerk)
    run.history.update(history_user=refresher)  # as if refreshed in the admin by someone else
    run_approve(run=run, approver=run_approver)
    run.history.filter(status=GrantRun.Status.APPROVED).update(history_user=run_approver)
    system_run = run_refresh(scheme_code=BT, period=OCT)  # by the monthly task: nobody
    batch = new_batch(finance)
    for made in (run, system_run, batch):
        made.preparers.clear()

    fill = importlib.import_module("subsidies.migrations.0007_preparers_from_makers").fill_preparers
    fill(apps, None)
    fill(apps, None)  # and again: nothing twice

    assert set(run.preparers.all()) == {clerk, refresher}
    assert not system_run.preparers.exists()
    assert set(batch.preparers.all()) == {finance}
