"""Fixtures of the inspections tests: the regimes of ``load_reference_data``, providers
in a lifecycle status, inspectors and the other staff of a county with e-mail addresses.

The shared fixtures (``divisions``, ``make_staff``, ``clerk``, ``inspector`` …) come from
``tests/conftest.py``; the factories from ``tests/factories.py``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from factories import KUNDULUN, ProviderFactory

from inspections.models import Regime
from registry.lifecycle import provider_transition
from registry.models import Provider, ProviderStatus, ProviderStatusChange, User
from registry.staff import roles

Action = ProviderStatusChange.Action


@pytest.fixture
def regimes(divisions: Any) -> dict[str, Regime]:
    """The regimes loaded by ``load_reference_data``, by code."""
    return {regime.code: regime for regime in Regime.objects.all()}


@pytest.fixture
def make_provider(divisions: Any) -> Callable[..., Provider]:
    """A provider (Kundulun, elderly-care institution) in ``status`` (default certified),
    set directly: planning and reminders read the status only."""

    def make(status: str = ProviderStatus.CERTIFIED, **fields: Any) -> Provider:
        return ProviderFactory(status=status, **fields)

    return make


@pytest.fixture
def lifecycle(superuser: User) -> Callable[..., ProviderStatusChange]:
    """``lifecycle(provider, Action.CLOSE, on=date)``: a transition as the registry records it."""

    def act(provider: Provider, action: str, on: datetime.date, reason: str = "依据检查结果") -> Any:
        return provider_transition(
            provider=provider, action=action, reason=reason, effective_on=on, actor=superuser, check_permission=False
        )

    return act


@pytest.fixture
def certified_provider(divisions: Any, lifecycle: Callable[..., Any]) -> Callable[..., Provider]:
    """A provider filed (5 Jan 2026) and certified (10 Jan 2026) through the lifecycle log,
    as the subsidies runs need."""

    def make(**fields: Any) -> Provider:
        provider = ProviderFactory(**fields)
        lifecycle(provider, Action.FILE, datetime.date(2026, 1, 5))
        lifecycle(provider, Action.CERTIFY, datetime.date(2026, 1, 10))
        provider.refresh_from_db()
        return provider

    return make


@pytest.fixture
def district_inspector(make_staff: Callable[..., User]) -> User:
    return make_staff(roles.INSPECTOR, KUNDULUN, email="inspector@kdl.example.cn")


@pytest.fixture
def district_clerk(make_staff: Callable[..., User]) -> User:
    return make_staff(roles.DISTRICT_CLERK, KUNDULUN, email="clerk@kdl.example.cn")


@pytest.fixture
def city_reviewer(make_staff: Callable[..., User]) -> User:
    return make_staff(roles.CITY_REVIEWER, "150200", email="reviewer@bt.example.cn")
