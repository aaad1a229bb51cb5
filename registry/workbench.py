"""The workbench: the first screen after login, what waits for each role today.

Each app registers what its users must act on from its ``AppConfig.ready`` (as it does
for the public site, ``public_sections``), so the registry names no other app's list:

- a ``WorkItem`` is a count and the filtered list that resolves it ("3 roster imports
  waiting for confirmation" → the imports list filtered to those three);
- a ``WorkPanel`` is a small table that a count cannot say (an inspector's tasks in the
  order to do them, the finance forecast, the security admin's week).

The page shows the sections of the roles the user holds (a superuser, the break-glass
account, sees them all), scoped to their jurisdiction by each item's own query. An item
with nothing waiting is named in one line at the end of its section and takes no space.
Each item is one query (a panel a few), whatever the size of the data, so the page costs
a fixed number of queries (tested with few and many providers).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import User
from .staff import roles

# The sections of the page, in order, with their headings.
SECTIONS: dict[str, Promise] = {
    roles.DISTRICT_CLERK: _("Registry and rosters"),
    roles.CITY_REVIEWER: _("Waiting for your approval"),
    roles.FINANCE: _("Payments"),
    roles.INSPECTOR: _("Inspections"),
    roles.SECURITY_ADMIN: _("Accounts and sign-in"),
    roles.AUDIT_ADMIN: _("Personal data and sign-in"),
    roles.SYSTEM_ADMIN: _("Accounts"),
}


@dataclass(frozen=True)
class WorkItem:
    """A count of things waiting and the list that resolves them.

    ``count(user, today)`` and ``url(user, today)`` must agree: the list the link opens
    shows the rows counted (scoped to the user by the list's own admin).
    """

    key: str
    label: str | Promise
    roles: frozenset[str]
    count: Callable[[User, datetime.date], int]
    url: Callable[[User, datetime.date], str]
    order: int = 100
    # Shown under the count when something waits, e.g. "within 30 days or already expired".
    hint: Callable[[], str | Promise] | None = None
    # An item that is a warning rather than routine work (overdue, expired).
    urgent: bool = False


@dataclass(frozen=True)
class WorkPanel:
    """A small table: ``context(user, today)`` returns the template's context, or None when
    nothing waits (the panel is then named in the "nothing waiting" line)."""

    key: str
    label: str | Promise
    roles: frozenset[str]
    template: str
    context: Callable[[User, datetime.date], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class WorkLink:
    """A page every staff user may open, linked at the top of the workbench (e.g. the
    indicator dashboard), beside "All lists"."""

    url_name: str
    label: str | Promise
    order: int = 100


@dataclass
class Contributions:
    items: list[WorkItem] = field(default_factory=list)
    panels: list[WorkPanel] = field(default_factory=list)
    links: list[WorkLink] = field(default_factory=list)


# Filled by the apps' ready(); holds nothing per request.
CONTRIBUTIONS = Contributions()


def register_item(item: WorkItem) -> None:
    CONTRIBUTIONS.items = [i for i in CONTRIBUTIONS.items if i.key != item.key] + [item]
    CONTRIBUTIONS.items.sort(key=lambda i: i.order)


def register_panel(panel: WorkPanel) -> None:
    CONTRIBUTIONS.panels = [p for p in CONTRIBUTIONS.panels if p.key != panel.key] + [panel]
    CONTRIBUTIONS.panels.sort(key=lambda p: p.order)


def register(*, items: Iterable[WorkItem] = (), panels: Iterable[WorkPanel] = ()) -> None:
    """An app's items and panels, from its ``AppConfig.ready``."""
    for item in items:
        register_item(item)
    for panel in panels:
        register_panel(panel)


def register_link(link: WorkLink) -> None:
    CONTRIBUTIONS.links = [other for other in CONTRIBUTIONS.links if other.url_name != link.url_name] + [link]
    CONTRIBUTIONS.links.sort(key=lambda each: each.order)


def workbench_links() -> list[tuple[str, str | Promise]]:
    """(URL, label) of the registered pages, in order."""
    return [(reverse(link.url_name), link.label) for link in CONTRIBUTIONS.links]


@dataclass
class ShownItem:
    label: str | Promise
    count: int
    url: str
    hint: str | Promise = ""
    urgent: bool = False


@dataclass
class ShownPanel:
    label: str | Promise
    template: str
    context: dict[str, Any]


@dataclass
class Section:
    role: str
    heading: str | Promise
    items: list[ShownItem] = field(default_factory=list)
    panels: list[ShownPanel] = field(default_factory=list)
    nothing_waiting: list[str | Promise] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.items and not self.panels


def workbench_roles(user: User) -> list[str]:
    """The roles whose sections the user sees, in the page's order."""
    if user.is_superuser:
        return list(SECTIONS)
    held = set(user.groups.values_list("name", flat=True))
    return [role for role in SECTIONS if role in held]


def workbench_sections(user: User, today: datetime.date | None = None) -> list[Section]:
    """What waits for the user today, a section per role they hold."""
    today = today or timezone.localdate()
    sections: list[Section] = []
    for role in workbench_roles(user):
        section = Section(role=role, heading=SECTIONS[role])
        for item in CONTRIBUTIONS.items:
            if role not in item.roles or _shown_in_earlier_section(item.roles, role, user, sections):
                continue
            count = item.count(user, today)
            if count:
                hint = item.hint() if item.hint else ""
                section.items.append(ShownItem(item.label, count, item.url(user, today), hint, item.urgent))
            else:
                section.nothing_waiting.append(item.label)
        for panel in CONTRIBUTIONS.panels:
            if role not in panel.roles or _shown_in_earlier_section(panel.roles, role, user, sections):
                continue
            context = panel.context(user, today)
            if context is None:
                section.nothing_waiting.append(panel.label)
            else:
                section.panels.append(ShownPanel(panel.label, panel.template, context))
        if not section.is_empty or section.nothing_waiting:
            sections.append(section)
    return sections


def _shown_in_earlier_section(item_roles: frozenset[str], role: str, user: User, sections: list[Section]) -> bool:
    """An item of several roles appears once, in the first of the user's sections that has it."""
    return any(section.role in item_roles for section in sections)
