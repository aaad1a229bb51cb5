"""Template helpers of the portal and of the clerk's review pages."""

from __future__ import annotations

from django import template

from portal.submissions import KINDS

register = template.Library()


@register.filter
def kind_label(code: str) -> str:
    """A submission kind's name ("月度在院人数"), the code if the kind is gone."""
    kind = KINDS.get(code)
    return str(kind.label) if kind else code
