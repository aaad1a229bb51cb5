"""How a draw names its inspectors: by a public inspector code, never a login name.

A draw publishes its inspector pool and ranks each team by a hash of every inspector's
key (``random_draw``). Draws made before issue 19 used the login name (``username``) as
that key; login names are half of what signing in needs and are never public (issue 21).
New draws publish ``"inspector": "I0042"``, the code of the user's staff number (the
number the public pages already show for an inspector without a recorded name), which is
stable and is not a login. A draw frozen before keeps its inputs: it is recomputed as it
was made, from the usernames the bureau holds (``python manage.py verify_draw ID``).

Everything that reads a draw's teams (``results[…]["team"]``: the task assignment of
``workbench.draw_assign_tasks``, the public pages, the admin, the demo) goes through
``draw_members``, which maps each key of a draw (a code, or an old draw's username) to
its user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from registry.models import User

from .models import Draw

CODE = re.compile(r"I(\d+)")


def inspector_code(user: User) -> str:
    """The public code of an inspector in a draw: I and the staff number, e.g. I0042."""
    return f"I{user.pk:04d}"


def inspector_pk(code: str) -> int | None:
    """The staff number of a code; None for anything not shaped like one."""
    match = CODE.fullmatch(code)
    return int(match.group(1)) if match else None


def entry_key(entry: dict[str, Any]) -> str:
    """The key by which a draw's pool entry is ranked and named in the teams: its code,
    or the username of a draw made before codes."""
    return str(entry.get("inspector") or entry["username"])


def is_coded(draw: Draw) -> bool:
    """The draw's inputs name the pool by public codes (made since issue 19), so anyone can
    recompute its teams from the published file."""
    entries = (draw.inputs or {}).get("inspectors", [])
    return all(entry.get("inspector") for entry in entries)


def draw_members(draws: Iterable[Draw]) -> dict[int, dict[str, User]]:
    """For each draw (by id), the users of its pool by their key in the draw: codes by
    staff number, an older draw's usernames by username. Two queries at most, whatever
    the number of draws; a user no longer on file is left out."""
    draws = list(draws)
    pks: set[int] = set()
    usernames: set[str] = set()
    for draw in draws:
        for entry in (draw.inputs or {}).get("inspectors", []):
            if entry.get("inspector"):
                pk = inspector_pk(entry["inspector"])
                if pk is not None:
                    pks.add(pk)
            else:
                usernames.add(entry["username"])
    if not pks and not usernames:
        return {draw.pk: {} for draw in draws}
    users = list(User.objects.filter(Q(pk__in=pks) | Q(username__in=usernames)).select_related("jurisdiction"))
    by_pk = {user.pk: user for user in users}
    by_username = {user.username: user for user in users}
    members: dict[int, dict[str, User]] = {}
    for draw in draws:
        found: dict[str, User] = {}
        for entry in (draw.inputs or {}).get("inspectors", []):
            if entry.get("inspector"):
                user = by_pk.get(inspector_pk(entry["inspector"]) or 0)
            else:
                user = by_username.get(entry["username"])
            if user is not None:
                found[entry_key(entry)] = user
        members[draw.pk] = found
    return members


def public_keys(draw: Draw, members: dict[str, User]) -> dict[str, str]:
    """Each key of the draw (a code, or an older draw's username) → the code it is
    published as. A username whose user is no longer on file gets a placeholder (X1, X2 …
    by its place in the pool), never the username."""
    keys: dict[str, str] = {}
    for position, entry in enumerate(draw.inputs.get("inspectors", []), start=1):
        key = entry_key(entry)
        if entry.get("inspector"):
            keys[key] = key
        else:
            user = members.get(key)
            keys[key] = inspector_code(user) if user is not None else f"X{position}"
    return keys
