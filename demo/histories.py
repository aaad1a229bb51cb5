"""Provider status histories drawn from the lifecycle's own transition table.

A generator says which statuses a history passes through on its way to the provider's
final status; which action leads from one status to the next, which status it leads to
and whether it may be taken at all come from ``registry.lifecycle.TRANSITIONS``, the
table the live register enforces. A generated history is therefore one that clerks could
have recorded.
"""

from __future__ import annotations

import functools
from collections import deque
from typing import NamedTuple

from registry.lifecycle import TRANSITIONS
from registry.models import ProviderStatus

S = ProviderStatus

# The statuses a generated history passes through, in order, to reach each final status:
# a provider past filing was certified first, and a filing is revoked only after a
# suspension (the provider had its time to rectify). The story of the data, not a rule
# of the register: the lifecycle table decides the actions between these statuses.
WAYPOINTS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (),
    S.FILED: (S.FILED,),
    S.CERTIFIED: (S.CERTIFIED,),
    S.SUSPENDED: (S.CERTIFIED, S.SUSPENDED),
    S.CLOSED: (S.CERTIFIED, S.CLOSED),
    S.REVOKED: (S.CERTIFIED, S.SUSPENDED, S.REVOKED),
}


class HistoryStep(NamedTuple):
    action: str
    from_status: str
    to_status: str


class _State(NamedTuple):
    status: str
    before_suspension: str  # where a reinstatement returns (the lifecycle's ``target=None``)


def _next_states(state: _State) -> list[tuple[HistoryStep, _State]]:
    """Every action the lifecycle allows from ``state``, in the table's order."""
    moves = []
    for action, transition in TRANSITIONS.items():
        if state.status not in transition.sources:
            continue
        target = transition.target or state.before_suspension
        before = state.status if target == S.SUSPENDED else state.before_suspension
        moves.append((HistoryStep(str(action), state.status, str(target)), _State(str(target), before)))
    return moves


def _shortest_route(start: _State, goal: str) -> tuple[list[HistoryStep], _State]:
    """The fewest lifecycle actions from ``start`` to the status ``goal`` (breadth first)."""
    queue: deque[tuple[_State, list[HistoryStep]]] = deque([(start, [])])
    seen = {start}
    while queue:
        state, route = queue.popleft()
        if route and state.status == goal:
            return route, state
        for step, after in _next_states(state):
            if after not in seen:
                seen.add(after)
                queue.append((after, [*route, step]))
    raise ValueError(f"The lifecycle has no way from {start.status} to {goal}.")


@functools.cache
def status_history(final_status: str, *, reinstated: bool = False) -> tuple[HistoryStep, ...]:
    """The lifecycle transitions that take a new (draft) provider to ``final_status``.

    ``reinstated``: the provider was suspended on the way and reinstated, so its history
    shows a suspension and a return to the status it had before.
    """
    waypoints = list(WAYPOINTS[final_status])
    if reinstated:
        waypoints += [S.SUSPENDED, final_status]
    state = _State(S.DRAFT, S.CERTIFIED)
    steps: list[HistoryStep] = []
    for waypoint in waypoints:
        route, state = _shortest_route(state, waypoint)
        steps += route
    return tuple(steps)
