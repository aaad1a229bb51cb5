"""How the public pages name the inspectors of a draw: by their department (the area they
work in, and the department they work for if any) and their name, or their staff number
when no name is recorded — never the login name, which is half of what signing in needs
(issue 21). The inspection pages name nobody (``views.public_inspection``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from registry.models import User

from .inspector_codes import draw_members
from .models import Draw


def public_inspector_name(user: User) -> str:
    # A Chinese name is family name first, unspaced (李晓东); others as Django writes them.
    given, family = user.first_name.strip(), user.last_name.strip()
    full = user.get_full_name().strip() if (given + family).isascii() else f"{family}{given}"
    name = full or _("inspector no. %(number)04d") % {"number": user.pk}
    if user.jurisdiction is None:
        return name
    department = user.jurisdiction.name
    if user.department:  # e.g. 包头市卫生健康委; the bureau's own inspectors by their area alone
        department = _("%(area)s %(department)s") % {
            "area": department,
            "department": user.get_department_display(),
        }
    return _("%(department)s · %(name)s") % {"department": department, "name": name}


def draw_public_names(draws: Iterable[Draw]) -> dict[int, dict[str, str]]:
    """For each draw (by id), the public name of each inspector by their key in the draw
    (a code, or an older draw's username: ``inspector_codes``). Two queries at most."""
    return {
        pk: {key: public_inspector_name(user) for key, user in members.items()}
        for pk, members in draw_members(draws).items()
    }


def team_names(team: list[str], names: dict[str, str]) -> list[str]:
    """A published team by public names; a member no longer on file as "Inspector"."""
    return [names.get(key, _("Inspector")) for key in team]
