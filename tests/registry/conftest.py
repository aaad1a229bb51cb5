"""Fixtures of the public directory tests (``test_public_*.py``), and the provider the
rosters' tests import into (``home``).

``public_demo`` loads the reference data and the whole demo (``seed_demo``) once per test
module, inside a transaction that is rolled back when the module is done; each test still
runs in its own savepoint (``@pytest.mark.django_db``), so what a test adds is gone after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from factories import ProviderFactory
from public_support import seed_demo


@pytest.fixture(scope="module")
def public_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo data (Baotou: 60 providers, 41 of them certified), once per module."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """An empty cache before and after the test: the open-data rate limit counts in it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def without_demo_activity(db: None) -> None:
    """The demo without its inspections, draws and payments (undone after the test)."""
    from inspections.models import Draw, Inspection, InspectionTask, Notification
    from registry.models import ProviderHold
    from subsidies.models import GrantLine, GrantRun, PaymentBatch, PaymentItem, Recovery, Repayment

    for model in (
        Repayment,
        PaymentItem,
        PaymentBatch,
        Recovery,
        GrantLine,
        GrantRun,
        Inspection,
        Draw,
        Notification,
        InspectionTask,
        ProviderHold,
    ):
        model.objects.all().delete()


@pytest.fixture
def home(divisions: Any) -> Any:
    """A provider in Kundulun, the demo clerk's district (the rosters' tests import into it)."""
    return ProviderFactory(name="昆都仑幸福院")
