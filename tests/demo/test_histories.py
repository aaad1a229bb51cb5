"""Generated status histories are ones the lifecycle allows: both generators walk
``registry.lifecycle.TRANSITIONS`` instead of keeping their own table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.histories import status_history
from demo.scale import generate
from registry.lifecycle import TRANSITIONS, Transition
from registry.models import Provider, ProviderStatus, ProviderStatusChange

Action = ProviderStatusChange.Action
S = ProviderStatus


def assert_lawful(changes: list[ProviderStatusChange], final_status: str) -> None:
    """Each change starts where the previous one ended, is allowed from there, and leads
    where the lifecycle sends it; the last one ends in the provider's status."""
    status, before_suspension = S.DRAFT, S.CERTIFIED
    for change in changes:
        transition = TRANSITIONS[change.action]
        assert change.from_status == status
        assert status in transition.sources, (change.action, status)
        assert change.to_status == (transition.target or before_suspension)
        if change.action == Action.SUSPEND:
            before_suspension = status
        status = change.to_status
    assert status == final_status


@pytest.mark.django_db
def test_scale_data_histories_follow_the_lifecycle(divisions: object) -> None:
    generate(providers=150, residents=50, months=6, force=True)

    providers = Provider.objects.prefetch_related("status_changes")
    assert {p.status for p in providers} == set(S.values)
    for provider in providers:
        changes = sorted(provider.status_changes.all(), key=lambda c: (c.recorded_at, c.id))
        assert_lawful(changes, provider.status)
        if changes:
            assert provider.status_changed_on == changes[-1].effective_on


@pytest.fixture
def cleared_histories() -> Iterator[None]:
    status_history.cache_clear()
    yield
    status_history.cache_clear()


def test_a_changed_transition_table_changes_the_generated_histories(
    cleared_histories: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [s.action for s in status_history(S.REVOKED)] == [Action.FILE, Action.CERTIFY, Action.SUSPEND, Action.REVOKE]

    # Were revocation allowed only from a certified provider, a suspended one would have to
    # be reinstated first; the generators need no change of their own.
    revoke = TRANSITIONS[Action.REVOKE]
    monkeypatch.setitem(TRANSITIONS, Action.REVOKE, Transition(frozenset({S.CERTIFIED}), S.REVOKED, revoke.permission))
    status_history.cache_clear()

    assert [s.action for s in status_history(S.REVOKED)] == [
        Action.FILE,
        Action.CERTIFY,
        Action.SUSPEND,
        Action.REINSTATE,
        Action.REVOKE,
    ]
