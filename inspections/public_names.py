"""How the public pages name the inspectors of a draw: by their department (the area they
work in, and the department they work for if any) and their name, or their staff number
when no name is recorded — never the login name, which is half of what signing in needs
(issue 21). The inspection pages name nobody (``views.public_inspection``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from registry.labels import list_separator
from registry.models import User

from .inspector_codes import draw_members, public_keys
from .models import Draw

# What of a staff user ``public_inspector_name`` reads (jurisdiction: its area's names).
PUBLIC_INSPECTOR_FIELDS = ("first_name", "last_name", "jurisdiction", "department")


def public_inspector_name(user: User) -> str:
    # A Chinese name is family name first, unspaced (李晓东); others as Django writes them.
    given, family = user.first_name.strip(), user.last_name.strip()
    full = user.get_full_name().strip() if (given + family).isascii() else f"{family}{given}"
    name = full or _("inspector no. %(number)04d") % {"number": user.pk}
    if user.jurisdiction is None:
        return name
    department = user.jurisdiction.local_name()
    if user.department:  # e.g. 包头市卫生健康委; the bureau's own inspectors by their area alone
        department = _("%(area)s %(department)s") % {
            "area": department,
            "department": user.get_department_display(),
        }
    return _("%(department)s · %(name)s") % {"department": department, "name": name}


def member_labels(draw: Draw, members: dict[str, User]) -> dict[str, str]:
    """Each inspector of a draw by their key in it (a code, or an older draw's username):
    "public name (code)", the code being how the published file names them; the code
    alone for one no longer on file."""
    return {
        key: f"{public_inspector_name(members[key])} ({code})" if key in members else code
        for key, code in public_keys(draw, members).items()
    }


def draws_member_labels(draws: Iterable[Draw]) -> dict[int, dict[str, str]]:
    """``member_labels`` of several draws (by id), two queries at most."""
    draws = list(draws)
    members = draw_members(draws)
    return {draw.pk: member_labels(draw, members[draw.pk]) for draw in draws}


def team_label(team: list[str], labels: dict[str, str]) -> str:
    """A published team as one line of ``member_labels``, in the page's language."""
    return list_separator().join(labels.get(key, str(_("Inspector"))) for key in team)


def team_labels(draw: Draw) -> list[str]:
    """Each result's team as ``team_label``, in the order of the results (the admin)."""
    labels = draws_member_labels([draw])[draw.pk]
    return [team_label(row["team"], labels) for row in draw.results]
