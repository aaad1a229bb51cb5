"""django-import-export resources.

``ResidentResource`` is a plain ``ModelResource`` for the residents roster, kept for the
benchmark that compares our roster engine (``registry.rosters``) with django-import-export
4 at its defaults (``tests/perf``): no bulk mode, a diff of every row, one lookup query
per row, ``save()`` per row (and so a history row per row).

Only what the file needs is added to the defaults: the roster's Chinese headers, the
provider looked up by its USCC, the Chinese choice labels. The ID number is the
encrypted field: the resource hands the plain number to the model, whose field encrypts
it on ``save()``, computes the keyed hash, and finds existing rows through the hash
(``import_id_fields`` = ID number + provider, the roster's key). Unlike the roster
engine, import-export's defaults do not run ``full_clean()`` (``clean_model_instances``
is off), so a wrong check digit is not refused here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from import_export import fields, resources, widgets

from .models import CareLevel, Provider, Resident
from .rosters.kinds import categories, choice


class ParsedWidget(widgets.Widget):
    """A cell turned into a value by one of the roster's parsers (labels → codes)."""

    def __init__(self, parse: Callable[[str], Any], empty: Any = "", **kwargs: Any) -> None:
        self.parse = parse
        self.empty = empty
        super().__init__(**kwargs)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = "" if value is None else str(value).strip()
        return self.parse(text) if text else self.empty


class ResidentResource(resources.ModelResource):
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    name = fields.Field(attribute="name", column_name="姓名")
    provider = fields.Field(
        attribute="provider", column_name="机构统一社会信用代码", widget=widgets.ForeignKeyWidget(Provider, "uscc")
    )
    bed_number = fields.Field(attribute="bed_number", column_name="床位号")
    admitted_on = fields.Field(attribute="admitted_on", column_name="入住日期", widget=widgets.DateWidget())
    discharged_on = fields.Field(attribute="discharged_on", column_name="退住日期", widget=widgets.DateWidget())
    care_level = fields.Field(attribute="care_level", column_name="照护等级", widget=ParsedWidget(choice(CareLevel)))
    categories = fields.Field(attribute="categories", column_name="人员类别", widget=ParsedWidget(categories, empty=[]))

    class Meta:
        model = Resident
        fields = (
            "id_number",
            "name",
            "provider",
            "bed_number",
            "admitted_on",
            "discharged_on",
            "care_level",
            "categories",
        )
        import_id_fields = ("id_number", "provider")
