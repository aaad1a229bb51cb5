"""What the back-office admin classes and mixins stand on: the staff user of a request, the
choices of an admin form, and the base each mixin declares so that the type checker knows
what it is mixed into.

A mixin's methods use ``self.model``, ``self.admin_site`` and ``super()``, which only exist
once it is mixed into a ``ModelAdmin``. While mypy reads the code the mixins therefore
derive from ``admin.ModelAdmin[Any]`` (``HistoryAdminBase`` adds the views simple-history's
untyped admin contributes); at run time they derive from ``object``, so no mixin puts a
second ``ModelAdmin`` into the method resolution order of the admin that uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import QuerySet
from django.forms import BaseForm, ModelChoiceField
from django.http import HttpRequest

from .models import User

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib import admin
    from django.http import HttpResponse

    class ModelAdminBase(admin.ModelAdmin[Any]):
        pass

    class HistoryAdminBase(ModelAdminBase):
        """The ``SimpleHistoryAdmin`` views the mixins extend (simple-history has no types):
        declared, never defined here, as the type checker only reads them."""

        history_view: Callable[..., HttpResponse]
        history_form_view: Callable[..., HttpResponse]

else:
    ModelAdminBase = HistoryAdminBase = object


def staff_user(request: HttpRequest) -> User:
    """The logged-in staff user (admin views only run for authenticated staff)."""
    return cast(User, request.user)


def limit_choices(form: BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Offer only ``queryset`` in the form's model-choice field ``name``, if it has one."""
    field = form.fields.get(name)
    if isinstance(field, ModelChoiceField):
        field.queryset = queryset
