"""How a grant line's stored values read on an admin page (issue 21: no raw codes): the count
as a plain number, the basis, holds and flags as words. Used by every admin that shows lines
(the line list, a run's lines, the withheld lines)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.labels import plain_number

from .explain import explain_line
from .labels import basis_html, flags_label, holds_label, subject_label
from .models import GrantLine

# A line's page, read-only: its fields with the coded ones shown by their display methods.
LINE_READONLY_FIELDS = (
    "run",
    "scheme",
    "provider",
    "period",
    "kind",
    "subject_text",
    "adjusts",
    "explanation",
    "basis_text",
    "quantity_text",
    "rate",
    "amount",
    "payer_level",
    "payer_division",
    "holds_text",
    "withheld",
    "flags_text",
)


class LineDisplayMixin:
    @admin.display(description=_("how it was computed"))
    def explanation(self, line: GrantLine) -> str:
        return explain_line(line)

    @admin.display(description=_("subject"), ordering="subject")
    def subject_text(self, line: GrantLine) -> str:
        return subject_label(line.subject, line.basis)

    @admin.display(description=_("quantity"), ordering="quantity")
    def quantity_text(self, line: GrantLine) -> str:
        return plain_number(line.quantity)

    @admin.display(description=_("basis"))
    def basis_text(self, line: GrantLine) -> str:
        return basis_html(line.basis)

    @admin.display(description=_("holds"))
    def holds_text(self, line: GrantLine) -> str:
        return holds_label(line.holds)

    @admin.display(description=_("flags"))
    def flags_text(self, line: GrantLine) -> str:
        return flags_label(line.flags)
