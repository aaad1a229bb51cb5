"""Roster cells: how each kind of cell is read and written, as django-import-export widgets.

A widget's ``parse`` reads a non-empty cell's text the way rosters accept it (choice cells:
the Chinese label, the English label or the stored code; dates in several spellings;
codes checked with their check characters); its ``render`` writes a value back as the
roster's text (choices as their Chinese label, dates in ISO form), so that exporting and
importing again changes nothing. The roster engine calls ``parse`` directly, a cell at a
time (``engine._parse_row``); ``clean`` is django-import-export's way to the same parser.

The roster formats themselves (which columns, their Chinese headers and English aliases)
are the ``RosterResource`` classes of ``registry.rosters.resources``, made of ``RosterField``.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, TextChoices
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import fields, widgets

from safeguards.identifiers import normalise_id_number, normalise_uscc, validate_id_number, validate_uscc

from ..models import ResidentCategory, validate_resident_categories
from .aliases import aliases_of
from .formats import CellChecks, cell_checks, fold_full_width, header_key, parse_date, parse_decimal, parse_int
from .sources import cell_text


@functools.cache
def _labels(choices: type[TextChoices]) -> dict[str, str]:
    """Every accepted spelling (code, English label, Chinese label) → code, by ``header_key``."""
    spellings: dict[str, str] = {}
    for member in choices:
        spellings[header_key(member.value)] = member.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                spellings[header_key(str(member.label))] = member.value
    return spellings


@functools.cache
def _aliases(choices: type[TextChoices]) -> dict[str, str]:
    """The clerks' short forms (``aliases.CHOICE_ALIASES``) → code, by ``header_key``; a
    spelling of the choices themselves stays theirs."""
    labels = _labels(choices)
    return {key: code for alias, code in aliases_of(choices).items() if (key := header_key(alias)) not in labels}


def choice(choices: type[TextChoices]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        labels = _labels(choices)
        code = labels.get(text)  # a label as written: most cells of a big roster
        if code is None:
            key = header_key(text)
            code = labels.get(key) or _aliases(choices).get(key)
        if code is None:
            allowed = "、".join(str(m.label) for m in choices)
            raise ValueError(_("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed})
        return code

    def readings(text: str) -> list[tuple[str, str]]:
        """The alias in the cell and the Chinese label it was read as (none for a label or code)."""
        if text in _labels(choices):
            return []
        code = _aliases(choices).get(header_key(text))
        return [] if code is None else [(text.strip(), chinese_label(choices, code))]

    parse.readings = readings  # type: ignore[attr-defined]  # an attribute of a function: what the preview shows it read
    return cell_checks(parse, CellChecks(choices=frozenset(choices.values), max_length=max(map(len, choices.values))))


def chinese_label(choices: type[TextChoices], code: str) -> str:
    with translation.override("zh-hans"):
        return str(choices(code).label) if code else ""


_category = choice(ResidentCategory)
_CATEGORY_SEPARATORS = re.compile(r"[、,，;；/\n]+")


def categories(text: str) -> list[str]:
    """Labels, aliases or codes separated by 、,，;；/ — or by spaces, unless a label itself
    has one (the English labels do: "Advanced age")."""
    return sorted({code for _part, code in _category_parts(text)})


def _category_parts(text: str) -> list[tuple[str, str]]:
    """(what was written, code) of each category in the cell."""
    parse = _category
    parts: list[tuple[str, str]] = []
    for part in _CATEGORY_SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        try:
            parts.append((part, parse(part)))
        except ValueError:
            words = part.split()
            if len(words) < 2:
                raise
            parts += [(word, parse(word)) for word in words]
    return parts


def _category_readings(text: str) -> list[tuple[str, str]]:
    readings: Callable[[str], list[tuple[str, str]]] = getattr(_category, "readings")  # noqa: B009
    return [reading for part, _code in _category_parts(text) for reading in readings(part)]


categories.readings = _category_readings  # type: ignore[attr-defined]  # an attribute of a function, as above
cell_checks(categories, CellChecks(validators=(validate_resident_categories,)))


def id_number(text: str) -> str:
    try:
        validate_id_number(text)
    except ValidationError as error:
        if stored_as_number(text):
            raise ValueError(stored_as_number_message()) from None
        raise ValueError(" ".join(without_column_name(m) for m in error.messages)) from None
    return normalise_id_number(text)


def stored_as_number_message() -> str:
    return _("This ID number was stored as a number and lost its last digits; format the column as text.")


_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?e\+?[0-9]+$")
_SPREADSHEET_DIGITS = 15  # Excel and WPS keep 15 significant digits of a number


def stored_as_number(text: str) -> bool:
    """Whether an ID number that is not valid was saved by a spreadsheet as a number: in
    scientific notation ("1.50203E+17"), or 18 digits as a number of 15 significant digits
    shows them (ending in 000) or as a floating-point number reads back (an .xlsx number
    cell: 150203194001011000 read as 150203194001011008)."""
    compact = "".join(fold_full_width(text).split()).lower()
    if _SCIENTIFIC.match(compact):
        return True
    if len(compact) != 18 or not compact.isascii() or not compact.isdigit():
        return False
    with localcontext() as context:
        context.prec = _SPREADSHEET_DIGITS
        kept = int(+Decimal(compact))  # the number rounded to what a spreadsheet keeps
    return int(compact) in {kept, int(float(kept))}


def without_column_name(message: str) -> str:
    """A message of a shared validator without the field name it starts with
    ("身份证号：校验码错误" → "校验码错误"): the roster names the column already."""
    for name in _field_names():
        for separator in ("：", ": "):
            if message.startswith(name + separator):
                return message[len(name) + len(separator) :]
    return message


def _field_names() -> tuple[str, ...]:
    """The names shared validators start their messages with, translated and in English."""
    return (_("ID number"), _("Unified social credit code"), "ID number", "Unified social credit code")


cell_checks(id_number, CellChecks(validators=(validate_id_number,), max_length=18))


def uscc(text: str) -> str:
    try:
        validate_uscc(text)
    except ValidationError as error:
        raise ValueError(" ".join(without_column_name(m) for m in error.messages)) from None
    return normalise_uscc(text)


cell_checks(uscc, CellChecks(validators=(validate_uscc,), max_length=18))


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if _CONTROL_CHARACTERS.search(value):
            # NUL cannot be stored by PostgreSQL; the other ones cannot be written to an xlsx.
            raise ValueError(_("Contains a control character (such as NUL)."))
        if len(value) > limit:
            raise ValueError(_("Longer than %(limit)d characters.") % {"limit": limit})
        return value

    return cell_checks(parse, CellChecks(max_length=limit))


def grade(value: str) -> int:
    number = parse_int(value.replace("★", "").replace("星", "") or "0") if value else 0
    if number > 5:
        raise ValueError(_("A grade is 0 to 5."))
    return number


def iso_date(day: datetime.date) -> str:
    return day.isoformat()


def plain_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def category_labels(codes: list[str]) -> str:
    return "、".join(chinese_label(ResidentCategory, code) for code in codes)


class CellWidget(widgets.Widget):
    """A cell read by ``parse`` and written by ``render_text`` (``str`` unless given);
    an empty cell is ``empty`` for django-import-export (the engine handles empty cells itself)."""

    def __init__(
        self, parse: Callable[[str], Any] = str, render_text: Callable[[Any], str] = str, *, empty: Any = None
    ) -> None:
        super().__init__(coerce_to_string=True)
        self.parse = parse
        self.render_text = render_text
        self.empty = empty

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = cell_text(value)
        return self.parse(text) if text else self.empty

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else self.render_text(value)


def text_cell(limit: int) -> CellWidget:
    return CellWidget(text(limit))


def choice_cell(choices: type[TextChoices]) -> CellWidget:
    """Any spelling on import, the Chinese label on export."""
    return CellWidget(choice(choices), functools.partial(chinese_label, choices))


def date_cell() -> CellWidget:
    return CellWidget(parse_date, iso_date)


def decimal_cell() -> CellWidget:
    return CellWidget(parse_decimal, plain_decimal)


def count_cell(parse: Callable[[str], int] = parse_int) -> CellWidget:
    return CellWidget(parse)


def categories_cell() -> CellWidget:
    return CellWidget(categories, category_labels, empty=[])


class ReferenceCell(widgets.ForeignKeyWidget):
    """A cell naming another record by one of its fields (a provider by its USCC, a
    division by its code). The roster engine keeps the text (``parse``) and the kind's
    resolver looks it up among the records in the importer's jurisdiction;
    django-import-export looks it up with a query (``clean``)."""

    def __init__(self, model: type[Model], field: str) -> None:
        super().__init__(model, field)

    @staticmethod
    def parse(text: str) -> str:
        return text

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        rendered = super().render(value)
        return "" if rendered is None else str(rendered)


class RosterField(fields.Field):
    """A roster column: the Chinese header (the contract: ``column_name``), the English
    alias also accepted on import, the model field, the widget, whether a row needs it."""

    def __init__(
        self,
        header: str,
        alias: str,
        attribute: str,
        widget: CellWidget | ReferenceCell,
        *,
        required: bool = False,
    ) -> None:
        super().__init__(attribute=attribute, column_name=header, widget=widget)
        self.alias = alias
        self.required = required

    @property
    def parse(self) -> Callable[[str], Any]:
        parse: Callable[[str], Any] = self.widget.parse
        return parse
