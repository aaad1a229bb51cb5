"""The children roster (托育幼儿名册): one row per child enrolled at an infant-care provider,
as providers report them to the district. Registered with the registry's roster engine in
``ChildcareConfig.ready``: the back-office's import (upload → preview → confirm, all rows
or none), its exports and ``manage.py import_roster children FILE`` then offer it.

A row is matched by the provider and the child's identifier (its keyed hash: the number
itself is stored encrypted). The identifier is an 18-digit ID number or, before one is
issued, the birth-certificate number (``identifiers``). The class is named as the
provider calls it and must be one of that provider's classes. A row is refused, with the
row and the column, when its identifier is not one, the child was born after the
enrolment, the class is unknown, the child is 3 or older on the enrolment date, or the
provider enrols no children (an elderly-care provider): ``children.child_errors``, the
rules the back-office applies too. Exports mask the identifier and the guardian's phone
for a user without the personal-data permission.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import CareMode, Provider, User
from registry.rosters.cells import (
    CellWidget,
    ReferenceCell,
    RosterField,
    choice_cell,
    date_cell,
    stored_as_number,
    stored_as_number_message,
    text_cell,
)
from registry.rosters.formats import CellChecks, cell_checks
from registry.rosters.kinds import RosterKind, RowContext, providers_in_scope
from registry.rosters.own import own_variant
from registry.rosters.resources import RosterResource, provider_cell
from registry.scoping import scope_queryset
from safeguards.identifiers import normalise_id_number

from .children import child_errors
from .identifiers import validate_child_identifier
from .models import Child, ChildcareClass


def child_identifier(text: str) -> str:
    """An ID number that passes its check digit, or a birth-certificate number (a capital
    letter and nine digits), in its canonical form."""
    try:
        validate_child_identifier(text)
    except ValidationError as error:
        if stored_as_number(text):
            raise ValueError(stored_as_number_message()) from None
        raise ValueError(" ".join(error.messages)) from None
    return normalise_id_number(text).upper()


cell_checks(child_identifier, CellChecks(validators=(validate_child_identifier,), max_length=18))
# What the import page and the template say the column accepts (``registry.rosters.guide``).
child_identifier.accepted = gettext_lazy(  # type: ignore[attr-defined]  # an attribute of a function, read by the guide
    "an 18-character ID number, or the birth-certificate number (a capital letter and nine digits)"
)


class ChildResource(RosterResource):
    """The children roster's columns (the class by its name at the row's provider)."""

    personal = frozenset({"id_number", "phone"})

    name = RosterField("姓名", "name", "name", text_cell(50), required=True)
    id_number = RosterField(
        "证件号码（身份证或出生医学证明）",
        "id or birth certificate number",
        "id_number",
        CellWidget(child_identifier),
        required=True,
    )
    provider = RosterField("机构统一社会信用代码", "provider uscc", "provider", provider_cell(), required=True)
    birth_date = RosterField("出生日期", "date of birth", "birth_date", date_cell(), required=True)
    mode = RosterField("托育类型", "care mode", "mode", choice_cell(CareMode), required=True)
    enrolled_on = RosterField("入托日期", "enrolled on", "enrolled_on", date_cell(), required=True)
    left_on = RosterField("离托日期", "left on", "left_on", date_cell())
    childcare_class = RosterField("班级", "class", "childcare_class", ReferenceCell(ChildcareClass, "name"))
    guardian_name = RosterField("监护人", "guardian", "guardian_name", text_cell(50), required=True)
    phone = RosterField("监护人电话", "guardian phone", "phone", text_cell(30))

    class Meta:
        model = Child
        fields = (
            "name",
            "id_number",
            "provider",
            "birth_date",
            "mode",
            "enrolled_on",
            "left_on",
            "childcare_class",
            "guardian_name",
            "phone",
        )
        import_id_fields = ("id_number", "provider")


CLASSES = "childcare_classes"  # the context's lookup: (provider id, class name) → class


def providers_and_classes(context: RowContext, user: User | None) -> None:
    """The providers a row may name (the user's jurisdiction) and their classes, once per file."""
    providers_in_scope(context, user)
    classes = ChildcareClass.objects.all()
    if user is not None:
        classes = scope_queryset(classes, user, "provider__division__path")
    context.lookups[CLASSES] = {(c.provider_id, c.name): c for c in classes.only("pk", "provider_id", "name")}


def resolve_class(values: dict[str, Any], context: RowContext) -> dict[str, str]:
    """The class named in the row, among its provider's classes."""
    name = values.get("childcare_class")
    provider = values.get("provider")
    if name is None or not isinstance(provider, Provider):  # no class; or the provider is wrong already
        return {}
    group = context.lookups[CLASSES].get((provider.pk, name.strip()))
    if group is None:
        return {
            "childcare_class": _("%(provider)s has no class “%(value)s”.") % {"provider": provider.name, "value": name}
        }
    values["childcare_class"] = group
    return {}


CHILDREN = RosterKind(
    name="children",
    label="托育幼儿",
    model=Child,
    resource=ChildResource,
    key=("id_number", "provider"),
    related=("provider", "childcare_class"),
    load=providers_and_classes,
    resolve=resolve_class,
    check=child_errors,  # a row meets the rules of every child's record
    example=(
        "王小宝",
        "M510123456",
        "52150203MJ0000001C",
        "2025-03-01",
        "全日托",
        "2026-09-01",
        "",
        "",
        "王伟",
        "13900000000",
    ),
)


def own_classes(context: RowContext, provider: Provider) -> None:
    """The classes a provider's own roster may name: its own."""
    context.lookups[CLASSES] = {
        (c.provider_id, c.name): c
        for c in ChildcareClass.objects.filter(provider=provider).only("pk", "provider_id", "name")
    }


# The roster as a provider sends it through the portal (registry.rosters.own): its rows only.
OWN_CHILDREN = own_variant(CHILDREN, lookups=own_classes)
