"""What the import page and the downloadable template tell a clerk about a roster (issue
21, "Imports"): each column with whether it is required, the values it accepts and an
example; the example row names the clerk's own first provider and division, so that it
imports as it is; choice columns carry a drop-down list in the template.

Everything is read from the kind's columns and model fields, so a new column or choice
is described without touching this module.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..models import Division, Provider, User
from ..scoping import divisions_visible_to, providers_visible_to
from ..spreadsheets import xlsx_cell
from .kinds import EXAMPLES, Column, RosterKind

TEMPLATE_ROWS = 1000  # rows of the template that offer the drop-down lists
CHOICES_SHEET = "选项"


@dataclass(frozen=True)
class ColumnGuide:
    header: str
    alias: str
    required: bool
    accepted: str  # what the cell accepts, in the user's language
    example: str
    choices: tuple[str, ...] = ()  # the Chinese labels of a one-choice column (its drop-down list)


def _field(kind: RosterKind, column: Column) -> Any:
    return kind.model._meta.get_field(column.field)


def choice_labels(kind: RosterKind, column: Column) -> tuple[str, ...]:
    """The Chinese labels a one-choice column accepts (also its code or English label)."""
    field = _field(kind, column)
    if not field.choices or isinstance(getattr(field, "base_field", None), models.Field):
        return ()
    with translation.override("zh-hans"):
        return tuple(str(label) for _value, label in field.flatchoices)


def _accepted(kind: RosterKind, column: Column) -> str:
    field = _field(kind, column)
    described = getattr(column.parse, "accepted", None)  # a parser that says what it reads
    if described is not None:
        return str(described)
    base = getattr(field, "base_field", None)
    if base is not None and base.choices:  # several choices in one cell
        with translation.override("zh-hans"):
            several = "、".join(str(label) for _value, label in base.flatchoices)
        return _("one or more of: %(labels)s, separated by 、 or commas") % {"labels": several}
    if one := choice_labels(kind, column):
        return _("one of: %(labels)s") % {"labels": "、".join(one)}
    if field.is_relation and field.related_model is Provider:
        return _("the unified social credit code of a provider in your jurisdiction")
    if field.is_relation and field.related_model is Division:
        return _("a division code or name (use the code when a name is shared)")
    if isinstance(field, models.DateField):
        return _("a date: 2026-11-23, 2026/11/23, 2026年11月23日 or an Excel date")
    if isinstance(field, models.DecimalField):
        return _("a number, up to %(places)d decimal places") % {"places": field.decimal_places}
    if isinstance(field, models.IntegerField):
        return _("a whole number")
    if column.field == "id_number":
        return _("an 18-character resident ID number (last character a digit or X)")
    if column.field == "uscc":
        return _("an 18-character unified social credit code")
    if getattr(field, "max_length", None):
        return _("text, at most %(length)d characters") % {"length": field.max_length}
    return _("text")


def example_row(kind: RosterKind, user: User | None, provider: Provider | None = None) -> list[str]:
    """The kind's example row, its provider and division replaced by the clerk's own first
    provider and division (by name and by code) when the clerk has them; ``provider``: the
    provider's own code (its own roster, sent through the portal)."""
    row = list(EXAMPLES.get(kind.name, [""] * len(kind.columns)))
    division = None
    if provider is None:
        if user is None:
            return row
        provider = providers_visible_to(user).order_by("name", "pk").first()
        divisions = divisions_visible_to(user).filter(level__gte=Division.Level.COUNTY).order_by("level", "code")
        division = divisions.first()
    for index, column in enumerate(kind.columns):
        field = _field(kind, column)
        if not field.is_relation or index >= len(row):
            continue
        if field.related_model is Provider and provider is not None:
            row[index] = provider.uscc
        elif field.related_model is Division and column.field == "division" and division is not None:
            row[index] = division.code
    return row


def column_guides(kind: RosterKind, user: User | None, provider: Provider | None = None) -> list[ColumnGuide]:
    example = example_row(kind, user, provider)
    return [
        ColumnGuide(
            header=column.header,
            alias=column.alias,
            required=column.required,
            accepted=_accepted(kind, column),
            example=example[index] if index < len(example) else "",
            choices=choice_labels(kind, column),
        )
        for index, column in enumerate(kind.columns)
    ]


def template_workbook(kind: RosterKind, user: User | None, provider: Provider | None = None) -> bytes:
    """The roster's headers and the example row; a drop-down list of the Chinese labels on
    every one-choice column (its values on a hidden sheet: a list in the rule itself may
    not exceed 255 characters)."""
    guides = column_guides(kind, user, provider)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.name[:31]
    sheet.append([xlsx_cell(g.header) for g in guides])
    sheet.append([xlsx_cell(g.example) for g in guides])
    listed = [(index, g) for index, g in enumerate(guides) if g.choices]
    if listed:
        options = workbook.create_sheet(CHOICES_SHEET)
        options.sheet_state = "hidden"
        for list_column, (index, guide) in enumerate(listed, start=1):
            letter = get_column_letter(list_column)
            options.cell(row=1, column=list_column, value=guide.header)
            for row, label in enumerate(guide.choices, start=2):
                options.cell(row=row, column=list_column, value=label)
            rule = DataValidation(
                type="list",
                formula1=f"{quote_sheetname(CHOICES_SHEET)}!${letter}$2:${letter}${len(guide.choices) + 1}",
                allow_blank=not guide.required,
                showErrorMessage=True,
                errorTitle=guide.header,
                error=_("Choose one of the listed values."),
            )
            target = get_column_letter(index + 1)
            rule.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(rule)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
