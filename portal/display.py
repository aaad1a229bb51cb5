"""What the provider's and the clerk's pages show of a submission's data: the form's fields
that were sent, hidden ones left out (a file's fingerprint, a check's signed outcome), each
value as words — a choice by its label, several joined, yes/no, a personal number masked
unless the reader may see it in full (``personal.shown_number``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .personal import shown_number

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def shown_fields(form: Any, data: dict[str, Any]) -> list[str]:
    """The names of the form's fields a page shows: those in ``data``, not hidden."""
    return [name for name, field in form.fields.items() if name in data and not field.widget.is_hidden]


def shown_value(form: Any, name: str, value: Any, *, full_numbers: bool) -> Any:
    """A stored value of field ``name`` as words ("-" for nothing)."""
    field = form.fields[name]
    if name in getattr(form, "masked_fields", ()):
        return shown_number(name, value, full=full_numbers) or "-"
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None and value not in (None, ""):
        # One row, not the whole list of choices (a home's residents, each ID number decrypted).
        chosen = field.queryset.filter(pk=value).first() if str(value).isdigit() else None
        return field.label_from_instance(chosen) if chosen is not None else value
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value) or "-"
    if choices and value in choices:
        return choices[value]
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value if value not in (None, "") else "-"


def model_label(model: type[Model], field: str | None = None) -> StrOrPromise:
    """A form label from the register's own words: the model field's verbose name (or the
    model's), capitalised lazily, as a ModelForm would; its translation is the register's."""
    meta_field: Any = model._meta.get_field(field) if field else None
    name = model._meta.verbose_name if meta_field is None else meta_field.verbose_name
    return cast("StrOrPromise", capfirst(name))  # lazy in, lazy out: translated when shown
