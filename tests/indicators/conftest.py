"""A small fixture whose indicators are computed by hand in the tests (June 2025, last day
30 June): providers of Kundulun and Donghe (Baotou) through the lifecycle log."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from factories import DONGHE, KUNDULUN, ProviderFactory, ResidentFactory, division
from indicator_support import FEB_1, JAN_10

from registry.lifecycle import provider_transition
from registry.models import OperationMode, Provider, ProviderKind, ProviderStatusChange, User

Action = ProviderStatusChange.Action
K = ProviderKind


@pytest.fixture
def lifecycle(superuser: User) -> Callable[..., Any]:
    def act(provider: Provider, action: str, on: datetime.date) -> None:
        provider_transition(
            provider=provider, action=action, reason="测试", effective_on=on, actor=superuser, check_permission=False
        )

    return act


@pytest.fixture
def make_provider(divisions: Any, lifecycle: Callable[..., Any]) -> Callable[..., Provider]:
    """``make_provider(kind, filed=date, certified=date, suspended=date, **fields)``."""

    def make(
        kind: str = K.ELDERLY_INSTITUTION,
        *,
        filed: datetime.date | None = JAN_10,
        certified: datetime.date | None = None,
        suspended: datetime.date | None = None,
        **fields: Any,
    ) -> Provider:
        defaults = {"beds": 0, "nursing_beds": 0, "childcare_places": 0, "operation_mode": OperationMode.PRIVATE}
        provider = ProviderFactory(kind=kind, **{**defaults, **fields})
        for action, on in ((Action.FILE, filed), (Action.CERTIFY, certified), (Action.SUSPEND, suspended)):
            if on is not None:
                lifecycle(provider, action, on)
        return provider

    return make


@pytest.fixture
def june(make_provider: Callable[..., Provider]) -> dict[str, Provider]:
    """The hand-computed fixture (numbers in test_formulas.py)."""
    kdl, dh = division(KUNDULUN), division(DONGHE)
    p = {
        "a": make_provider(K.ELDERLY_INSTITUTION, beds=100, nursing_beds=60, division=kdl),
        "b": make_provider(
            K.TOWNSHIP_HOME,
            beds=50,
            nursing_beds=20,
            operation_mode=OperationMode.PUBLIC,
            certified=FEB_1,
            division=kdl,
        ),
        # filed after June: not in operation on 30 June
        "c": make_provider(
            K.ELDERLY_INSTITUTION, beds=40, nursing_beds=40, filed=datetime.date(2025, 7, 5), division=kdl
        ),
        # suspended on 20 June: not in operation on 30 June
        "d": make_provider(
            K.ELDERLY_INSTITUTION, beds=30, nursing_beds=30, suspended=datetime.date(2025, 6, 20), division=kdl
        ),
        "e": make_provider(K.NURSERY, childcare_places=90, division=kdl),
        "f": make_provider(K.DAY_CARE_CENTRE, certified=FEB_1, division=kdl),
        "g": make_provider(K.DAY_CARE_CENTRE, division=kdl),  # filed, not certified: covers nothing
        "h": make_provider(K.HAPPINESS_HOME, beds=10, operation_mode=OperationMode.PUBLIC, division=kdl),
        "i": make_provider(
            K.MEDICAL_ELDERLY, beds=200, nursing_beds=150, operation_mode=OperationMode.PUBLIC, division=dh
        ),
        "j": make_provider(K.INFANT_CARE, childcare_places=30, division=dh),
    }
    for _ in range(3):
        ResidentFactory(provider=p["a"], admitted_on=datetime.date(2025, 5, 1))
    ResidentFactory(provider=p["a"], admitted_on=datetime.date(2025, 5, 1), discharged_on=datetime.date(2025, 6, 15))
    ResidentFactory(provider=p["a"], admitted_on=datetime.date(2025, 7, 1))
    ResidentFactory(provider=p["d"], admitted_on=datetime.date(2025, 5, 1))  # its home is suspended
    for _ in range(2):
        ResidentFactory(provider=p["i"], admitted_on=datetime.date(2025, 1, 20))
    return p
