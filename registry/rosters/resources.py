"""The roster formats, declared once, as django-import-export resources.

Each ``RosterResource`` is a roster's columns, in order: the Chinese header (the contract),
the English alias accepted on import, the model field and the cell's widget (``rosters.cells``:
how choices, dates, amounts, codes and references are read and written). Everything else
reads its columns from here: the streaming import engine (``rosters.kinds`` builds each
kind's columns from its resource), the list exports and templates of the back-office
(``headers`` and ``rows``), and ``docs/import-formats.md`` (checked against them by
``tests/registry/test_rosters_formats.py``).

The import engine does not use django-import-export's import machinery (``import_data``):
it checks and writes a chunk of rows at a time, which is many times faster and keeps the
memory flat. ``ResidentResource().import_data()`` is what the benchmark compares it with
(``tests/perf``): django-import-export 4 at its defaults, with nothing more than the roster's
own columns — no bulk mode, a diff of every row, one lookup query per row (the provider by
its USCC, the existing row through the ID number's keyed hash: ``import_id_fields`` = ID
number + provider, the roster's key), ``save()`` per row (and so a history row per row), and
no ``full_clean()`` (``clean_model_instances`` is off), so a model rule is not checked there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from import_export import resources

from safeguards.identifiers import mask_id_number, mask_phone

from ..models import (
    Caregiver,
    CareLevel,
    CertificateLevel,
    Division,
    FeeItem,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
    Resident,
)
from .cells import (
    CellWidget,
    ReferenceCell,
    RosterField,
    categories_cell,
    choice_cell,
    count_cell,
    date_cell,
    decimal_cell,
    grade,
    id_number,
    text_cell,
    uscc,
)


class RosterResource(resources.ModelResource):
    """A roster's columns. ``personal`` names the fields masked in exports for users
    without the personal-data permission (ID numbers; phones otherwise)."""

    personal: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def roster_fields(cls) -> list[RosterField]:
        """The columns in the roster's order (``Meta.fields``)."""
        declared: dict[str, Any] = cls.fields  # set by the metaclass
        return [declared[name] for name in cls._meta.fields]

    @classmethod
    def headers(cls) -> list[str]:
        return [field.column_name for field in cls.roster_fields()]

    @classmethod
    def rows(cls, objects: Iterable[Any], *, may_see_personal: bool) -> Iterator[list[str]]:
        """Each object as the roster's cells (what importing reads back unchanged), personal
        fields masked unless ``may_see_personal``. Select the related records the columns
        name (provider, division …) in ``objects``: a row reads them."""
        columns = [(field, field.attribute in cls.personal and not may_see_personal) for field in cls.roster_fields()]
        for obj in objects:
            yield [masked(field.attribute, field.export(obj)) if mask else field.export(obj) for field, mask in columns]


def masked(field_name: str, value: str) -> str:
    return mask_id_number(value) if field_name == "id_number" else mask_phone(value)


def provider_cell() -> ReferenceCell:
    return ReferenceCell(Provider, "uscc")


class ProviderResource(RosterResource):
    uscc = RosterField("统一社会信用代码", "uscc", "uscc", CellWidget(uscc), required=True)
    name = RosterField("机构名称", "name", "name", text_cell(200), required=True)
    kind = RosterField("机构类型", "kind", "kind", choice_cell(ProviderKind), required=True)
    legal_form = RosterField("营利性质", "legal form", "legal_form", choice_cell(LegalForm), required=True)
    operation_mode = RosterField(
        "运营方式", "operation mode", "operation_mode", choice_cell(OperationMode), required=True
    )
    division = RosterField("所属区划", "division", "division", ReferenceCell(Division, "code"), required=True)
    address = RosterField("地址", "address", "address", text_cell(255), required=True)
    contact_phone = RosterField("联系电话", "phone", "contact_phone", text_cell(30))
    floor_area_m2 = RosterField("建筑面积", "floor area", "floor_area_m2", decimal_cell())
    beds = RosterField("床位数", "beds", "beds", count_cell())
    nursing_beds = RosterField("护理型床位数", "nursing beds", "nursing_beds", count_cell())
    childcare_places = RosterField("托位数", "childcare places", "childcare_places", count_cell())
    grade = RosterField("等级", "grade", "grade", count_cell(grade))
    filed_on = RosterField("备案日期", "filed on", "filed_on", date_cell())

    class Meta:
        model = Provider
        fields = (
            "uscc",
            "name",
            "kind",
            "legal_form",
            "operation_mode",
            "division",
            "address",
            "contact_phone",
            "floor_area_m2",
            "beds",
            "nursing_beds",
            "childcare_places",
            "grade",
            "filed_on",
        )
        import_id_fields = ("uscc",)


class ResidentResource(RosterResource):
    personal = frozenset({"id_number"})

    id_number = RosterField("身份证号", "id number", "id_number", CellWidget(id_number), required=True)
    name = RosterField("姓名", "name", "name", text_cell(50), required=True)
    provider = RosterField("机构统一社会信用代码", "provider uscc", "provider", provider_cell(), required=True)
    bed_number = RosterField("床位号", "bed", "bed_number", text_cell(20))
    admitted_on = RosterField("入住日期", "admitted on", "admitted_on", date_cell(), required=True)
    discharged_on = RosterField("退住日期", "discharged on", "discharged_on", date_cell())
    care_level = RosterField("照护等级", "care level", "care_level", choice_cell(CareLevel), required=True)
    categories = RosterField("人员类别", "categories", "categories", categories_cell())
    # 户籍所在地: the banner/county of household registration (any in the region, by code or
    # name), which pays the resident's living allowance (000:1056-1063). Optional.
    home_county = RosterField("户籍所在地", "home county", "home_county", ReferenceCell(Division, "code"))

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
            "home_county",
        )
        import_id_fields = ("id_number", "provider")


class CaregiverResource(RosterResource):
    personal = frozenset({"id_number"})

    id_number = RosterField("身份证号", "id number", "id_number", CellWidget(id_number), required=True)
    name = RosterField("姓名", "name", "name", text_cell(50), required=True)
    provider = RosterField("机构统一社会信用代码", "provider uscc", "provider", provider_cell(), required=True)
    certificate_level = RosterField("证书等级", "certificate level", "certificate_level", choice_cell(CertificateLevel))
    certificate_number = RosterField("证书编号", "certificate number", "certificate_number", text_cell(60))
    nursing_since = RosterField("从事护理工作起始日期", "nursing since", "nursing_since", date_cell())
    employed_from = RosterField("入职日期", "employed from", "employed_from", date_cell(), required=True)
    employed_to = RosterField("离职日期", "employed until", "employed_to", date_cell())

    class Meta:
        model = Caregiver
        fields = (
            "id_number",
            "name",
            "provider",
            "certificate_level",
            "certificate_number",
            "nursing_since",
            "employed_from",
            "employed_to",
        )
        import_id_fields = ("id_number",)


class FeeResource(RosterResource):
    provider = RosterField("机构统一社会信用代码", "provider uscc", "provider", provider_cell(), required=True)
    kind = RosterField("收费类型", "fee kind", "kind", choice_cell(FeeItem.Kind), required=True)
    name = RosterField("收费项目", "item", "name", text_cell(100), required=True)
    amount = RosterField("金额", "amount", "amount", decimal_cell(), required=True)
    unit = RosterField("计费单位", "unit", "unit", choice_cell(FeeItem.Unit), required=True)
    effective_from = RosterField("执行日期", "effective from", "effective_from", date_cell(), required=True)
    effective_to = RosterField("截止日期", "effective to", "effective_to", date_cell())

    class Meta:
        model = FeeItem
        fields = ("provider", "kind", "name", "amount", "unit", "effective_from", "effective_to")
        import_id_fields = ("provider", "name", "effective_from")
