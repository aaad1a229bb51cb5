"""Fixtures of the subsidies tests: providers taken through their lifecycle, approvers
holding the subsidies approval permissions, approved runs and grants, paid batches.

The shared fixtures (``divisions``, ``make_staff``, ``superuser`` …) come from
``tests/conftest.py``; the factories from ``tests/factories.py``.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from factories import BAOTOU, KUNDULUN, ProviderFactory

from registry.lifecycle import provider_transition
from registry.models import Provider, ProviderStatusChange, User
from registry.staff import roles
from subsidies.models import ConstructionGrant, GrantRun, Instalment, PayerLevel, PaymentBatch
from subsidies.services import (
    batch_approve,
    batch_create,
    batch_export,
    batch_reconcile,
    batch_submit,
    grant_approve,
    grant_prepare,
    instalments_review,
    run_approve,
    run_refresh,
)

Action = ProviderStatusChange.Action

OCT = datetime.date(2026, 10, 1)
NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)
FILED_ON = datetime.date(2026, 1, 5)
CERTIFIED_ON = datetime.date(2026, 1, 10)


def today() -> datetime.date:
    return timezone.localdate()


def with_permission(user: User, codename: str) -> User:
    """``user`` with a subsidies permission given directly, re-read so no cache hides it."""
    user.user_permissions.add(Permission.objects.get(content_type__app_label="subsidies", codename=codename))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def lifecycle(superuser: User) -> Callable[..., ProviderStatusChange]:
    """``lifecycle(provider, Action.SUSPEND, on=date)``: a lifecycle transition as the registry records it."""

    def act(provider: Provider, action: str, on: datetime.date | None = None, reason: str = "依据检查结果") -> Any:
        return provider_transition(
            provider=provider,
            action=action,
            reason=reason,
            effective_on=on or today(),
            actor=superuser,
            check_permission=False,
        )

    return act


@pytest.fixture
def make_provider(divisions: Any, lifecycle: Callable[..., Any]) -> Callable[..., Provider]:
    """A provider filed (5 Jan 2026) and certified (10 Jan 2026) unless ``status`` says otherwise."""

    def make(*, status: str = "certified", filed_on: datetime.date = FILED_ON, **fields: Any) -> Provider:
        provider = ProviderFactory(**fields)
        if status in {"filed", "certified"}:
            lifecycle(provider, Action.FILE, filed_on)
        if status == "certified":
            lifecycle(provider, Action.CERTIFY, max(filed_on, CERTIFIED_ON))
        provider.refresh_from_db()
        return provider

    return make


@pytest.fixture
def make_approver(make_staff: Callable[..., User]) -> Callable[..., User]:
    """``make_approver("approve_paymentbatch")``: a city reviewer holding that permission."""

    def make(codename: str, division_code: str = BAOTOU, role: str | None = roles.CITY_REVIEWER) -> User:
        return with_permission(make_staff(role, division_code), codename)

    return make


@pytest.fixture
def grant_approver(make_approver: Callable[..., User]) -> User:
    return make_approver("approve_constructiongrant")


@pytest.fixture
def run_approver(make_approver: Callable[..., User]) -> User:
    return make_approver("approve_grantrun")


@pytest.fixture
def batch_approver(make_approver: Callable[..., User]) -> User:
    return make_approver("approve_paymentbatch")


@pytest.fixture
def finance(make_staff: Callable[..., User]) -> User:
    """Finance officer of Kundulun: prepares payment batches."""
    return make_staff(roles.FINANCE, KUNDULUN)


@pytest.fixture
def approved_run(run_approver: User) -> Callable[..., GrantRun]:
    """``approved_run("BT-OPERATING", NOV)``: refresh the draft run and approve it."""

    def make(scheme_code: str, period: datetime.date, division_code: str | None = None) -> GrantRun:
        run = run_refresh(scheme_code=scheme_code, period=period, division_code=division_code)
        return run_approve(run=run, approver=run_approver)

    return make


@pytest.fixture
def approved_grant(clerk: User, grant_approver: User) -> Callable[..., ConstructionGrant]:
    """An approved per-bed construction grant (default: BT-CONSTRUCT-BED, 10 new beds = 50,000.00)."""

    def make(
        provider: Provider,
        *,
        scheme_code: str = "BT-CONSTRUCT-BED",
        basis: str = "new_build",
        beds: int = 10,
        floor_area_m2: Decimal = Decimal("300"),
        on: datetime.date | None = None,
    ) -> ConstructionGrant:
        grant = grant_prepare(
            provider=provider,
            scheme_code=scheme_code,
            basis=basis,
            beds_claimed=beds,
            floor_area_m2=floor_area_m2,
            prepared_by=clerk,
        )
        return grant_approve(grant=grant, approver=grant_approver, on=on or today())

    return make


@pytest.fixture
def released_instalment(approved_grant: Callable[..., ConstructionGrant]) -> Callable[..., Instalment]:
    """The first instalment of a new approved grant of ``provider``, released this year."""

    def make(provider: Provider, **grant: Any) -> Instalment:
        approved = approved_grant(provider, **grant)
        instalments_review(year=today().year, on=today())
        return approved.instalments.get(number=1)

    return make


def result_file(
    rows: Iterable[Iterable[object]], header: Iterable[str] = ("item", "amount", "status", "reason")
) -> bytes:
    """A bank result file (CSV) for reconciliation."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def batch_through(finance: User, batch_approver: User) -> Callable[..., PaymentBatch]:
    """``batch_through("exported")``: a Kundulun city-level batch created, then taken to
    ``submitted``, ``approved``, ``exported`` or ``closed`` (every item paid)."""

    order = ["draft", "submitted", "approved", "exported", "closed"]

    def make(
        state: str = "closed", *, division: Any = None, payer_level: str = PayerLevel.LEAGUE_CITY, name: str = "11月"
    ) -> PaymentBatch:
        from registry.models import Division

        division = division or Division.objects.get(code=KUNDULUN)
        batch = batch_create(name=name, division=division, payer_level=payer_level, prepared_by=finance)
        target = order.index(state)
        if target >= 1:
            batch = batch_submit(batch=batch, user=finance)
        if target >= 2:
            batch = batch_approve(batch=batch, approver=batch_approver)
        if target >= 3:
            batch_export(batch=batch)
        if target >= 4:
            rows = [(item.pk, f"{item.net_amount:.2f}", "paid", "") for item in batch.items.order_by("pk")]
            errors = batch_reconcile(batch=batch, data=result_file(rows), filename="result.csv", user=finance)
            assert errors == []
        batch.refresh_from_db()
        return batch

    return make


@pytest.fixture
def bank_result() -> Callable[..., bytes]:
    """``bank_result([(item_pk, "300.00", "paid", "")])``: a bank result file for reconciliation."""
    return result_file
