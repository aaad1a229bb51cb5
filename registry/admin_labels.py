"""Admin building block: fields that store codes (JSON lists, keys) are shown by their labels.

A read-only page would print such a field as Django stores it (``["advanced_age"]``,
``new_build``, ``19.0000``). An admin lists the fields in ``code_label_fields``, each with
the name of one of its display methods; wherever the field is shown read-only (a view-only
user, or a field the admin makes read-only) the display method takes its place. An
editable field keeps its own input.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import models
from django.http import HttpRequest

from .admin_base import ModelAdminBase
from .models import ResidentCategory


class CodeLabelsAdminMixin(ModelAdminBase):
    #: field name → name of the admin's display method that shows it by its labels
    code_label_fields: dict[str, str] = {}
    #: JSON list fields of codes → their choices: edited as checkboxes with the labels
    code_checkbox_fields: dict[str, type[models.Choices]] = {}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.code_checkbox_fields:
            return code_checkboxes(self.code_checkbox_fields[db_field.name], label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _shown_read_only(self, request: HttpRequest, obj: Any, name: str) -> bool:
        if obj is not None and not self.has_change_permission(request, obj):
            return True
        return name in super().get_readonly_fields(request, obj)

    def _swaps(self, request: HttpRequest, obj: Any) -> dict[str, str]:
        return {
            name: label for name, label in self.code_label_fields.items() if self._shown_read_only(request, obj, name)
        }

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [label for label in self._swaps(request, obj).values() if label not in readonly]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        swap = self._swaps(request, obj)
        if not swap:
            return fieldsets
        # Each coded field once, by its label; an admin without ``fields`` lists its
        # read-only fields after the form's, which would name it twice.
        seen: set[str] = set()
        result = []
        for title, options in fieldsets:
            entries = []
            for entry in options.get("fields", ()):
                swapped = _swapped(entry, swap)
                names = swapped if isinstance(swapped, (list, tuple)) else (swapped,)
                if any(name in seen for name in names):
                    continue
                seen.update(names)
                entries.append(swapped)
            result.append((title, {**options, "fields": entries}))
        return result


def _swapped(entry: Any, swap: dict[str, str]) -> Any:
    if isinstance(entry, (list, tuple)):  # several fields on one line
        return type(entry)(swap.get(name, name) for name in entry)
    return swap.get(entry, entry)


class CodeListField(forms.MultipleChoiceField):
    """Ticked codes; a form posted as the JSON text the field took before (``"[]"``,
    ``'["dibao"]'``, a script or an old bookmarked form) is read as that list."""

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, (list, tuple)) and len(value) == 1 and str(value[0]).lstrip().startswith("["):
            value = value[0]
        if isinstance(value, str) and value.lstrip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        return super().to_python(value)


def code_checkboxes(choices: type[models.Choices], *, label: Any) -> forms.MultipleChoiceField:
    """A JSON list of codes as one checkbox per label; the value stays the list of codes,
    in the order of ``choices``."""
    return CodeListField(label=label, choices=choices.choices, widget=forms.CheckboxSelectMultiple, required=False)


def resident_categories_field(*, label: Any) -> forms.MultipleChoiceField:
    """A resident's categories as checkboxes with their labels; the value stays the JSON list
    of codes the model validates (``validate_resident_categories``)."""
    return code_checkboxes(ResidentCategory, label=label)
