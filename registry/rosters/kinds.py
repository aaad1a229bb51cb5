"""The roster kinds: Chinese headers (the contract), English aliases, parsing and checks.

Choice cells accept the Chinese label, the English label or the stored code. Exports
write the same headers and the Chinese labels, so that exporting and importing again
changes nothing.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Model, TextChoices
from django.utils import translation
from django.utils.translation import gettext as _

from safeguards.identifiers import (
    mask_id_number,
    mask_phone,
    normalise_id_number,
    normalise_uscc,
    validate_id_number,
    validate_uscc,
)

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
    ResidentCategory,
    User,
    validate_resident_categories,
)
from .formats import CellChecks, cell_checks, parse_date, parse_decimal, parse_int


@functools.cache
def _labels(choices: type[TextChoices]) -> dict[str, str]:
    """Every accepted spelling (code, English label, Chinese label) → code."""
    spellings: dict[str, str] = {}
    for member in choices:
        spellings[member.value.lower()] = member.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                spellings[str(member.label).lower()] = member.value
    return spellings


def choice(choices: type[TextChoices]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        code = _labels(choices).get(text.strip().lower())
        if code is None:
            allowed = "、".join(str(m.label) for m in choices)
            raise ValueError(_("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed})
        return code

    return cell_checks(parse, CellChecks(choices=frozenset(choices.values), max_length=max(map(len, choices.values))))


def chinese_label(choices: type[TextChoices], code: str) -> str:
    with translation.override("zh-hans"):
        return str(choices(code).label) if code else ""


_category = choice(ResidentCategory)


def categories(text: str) -> list[str]:
    """Labels or codes separated by 、,，;；/ — or by spaces, unless a label itself has one
    (the English labels do: "Advanced age")."""
    parse = _category
    codes: set[str] = set()
    for part in re.split(r"[、,，;；/\n]+", text):
        part = part.strip()
        if not part:
            continue
        try:
            codes.add(parse(part))
        except ValueError:
            words = part.split()
            if len(words) < 2:
                raise
            codes.update(parse(word) for word in words)
    return sorted(codes)


cell_checks(categories, CellChecks(validators=(validate_resident_categories,)))


def id_number(text: str) -> str:
    validate_id_number(text)
    return normalise_id_number(text)


cell_checks(id_number, CellChecks(validators=(validate_id_number,), max_length=18))


def uscc(text: str) -> str:
    validate_uscc(text)
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


@dataclass(frozen=True)
class Column:
    header: str  # Chinese header: the contract
    alias: str  # English alias
    field: str
    parse: Callable[[str], Any]
    required: bool = False
    export: Callable[[Any], str] | None = None


def choice_column(
    header: str, alias: str, field_name: str, choices: type[TextChoices], *, required: bool = False
) -> Column:
    """A column of a choice field: any spelling on import, the Chinese label on export."""
    return Column(
        header,
        alias,
        field_name,
        choice(choices),
        required=required,
        export=lambda obj: chinese_label(choices, getattr(obj, field_name)),
    )


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _decimal(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


@dataclass
class RowContext:
    """What row checks may look up: the user's providers and divisions (loaded once)."""

    providers_by_uscc: dict[str, Provider] = field(default_factory=dict)
    divisions: list[Division] = field(default_factory=list)
    lookups: dict[str, Any] = field(default_factory=dict)  # loaded once by a kind's own resolver


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the engine caches per kind
class RosterKind:
    name: str
    label: str
    model: type[Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # fields identifying a row
    personal: frozenset[str] = frozenset()  # fields masked on export without the permission
    create_only: frozenset[str] = frozenset()  # compared only when the row is new
    related: tuple[str, ...] = ("provider",)  # select_related when reading existing rows
    example: tuple[str, ...] = ()  # the example row of the downloadable template
    # Hooks for kinds contributed by other apps (inspection results):
    # resolve(values, context) turns further reference cells into objects → {field: message};
    resolve: Callable[[dict[str, Any], RowContext], dict[str, str]] | None = None
    # prepare(instance, user) fills what a new row does not carry (e.g. who recorded it);
    prepare: Callable[[Any, User | None], None] | None = None
    # check(instance) applies the kind's own rules → {field: message};
    check: Callable[[Any], dict[str, str]] | None = None
    # after_apply(new_instances, user) runs inside the import's transaction, once saved.
    after_apply: Callable[[list[Any], User | None], None] | None = None

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)


def _division(value: str, context: RowContext) -> Division:
    matches = [d for d in context.divisions if value in (d.code, d.name)]
    if not matches:
        raise ValueError(_("No division “%(value)s” in your jurisdiction.") % {"value": value})
    if len(matches) > 1:
        raise ValueError(_("“%(value)s” names several divisions: use the code.") % {"value": value})
    return matches[0]


def _provider(value: str, context: RowContext) -> Provider:
    provider = context.providers_by_uscc.get(normalise_uscc(value))
    if provider is None:
        raise ValueError(_("No provider with this code in your jurisdiction."))
    return provider


PROVIDERS = RosterKind(
    name="providers",
    label="机构",
    model=Provider,
    key=("uscc",),
    create_only=frozenset({"filed_on"}),
    related=("division",),
    columns=(
        Column("统一社会信用代码", "uscc", "uscc", uscc, required=True),
        Column("机构名称", "name", "name", text(200), required=True),
        choice_column("机构类型", "kind", "kind", ProviderKind, required=True),
        choice_column("营利性质", "legal form", "legal_form", LegalForm, required=True),
        choice_column("运营方式", "operation mode", "operation_mode", OperationMode, required=True),
        Column("所属区划", "division", "division", str, required=True, export=lambda p: p.division.code),
        Column("地址", "address", "address", text(255), required=True),
        Column("联系电话", "phone", "contact_phone", text(30)),
        Column("建筑面积", "floor area", "floor_area_m2", parse_decimal, export=lambda p: _decimal(p.floor_area_m2)),
        Column("床位数", "beds", "beds", parse_int, export=lambda p: str(p.beds)),
        Column("护理型床位数", "nursing beds", "nursing_beds", parse_int, export=lambda p: str(p.nursing_beds)),
        Column("托位数", "childcare places", "childcare_places", parse_int, export=lambda p: str(p.childcare_places)),
        Column("等级", "grade", "grade", grade, export=lambda p: str(p.grade)),
        Column("备案日期", "filed on", "filed_on", parse_date, export=lambda p: _iso(p.filed_on)),
    ),
)

RESIDENTS = RosterKind(
    name="residents",
    label="入住老人",
    model=Resident,
    key=("id_number", "provider"),
    personal=frozenset({"id_number"}),
    columns=(
        Column("身份证号", "id number", "id_number", id_number, required=True),
        Column("姓名", "name", "name", text(50), required=True),
        Column(
            "机构统一社会信用代码", "provider uscc", "provider", str, required=True, export=lambda r: r.provider.uscc
        ),
        Column("床位号", "bed", "bed_number", text(20)),
        Column(
            "入住日期", "admitted on", "admitted_on", parse_date, required=True, export=lambda r: _iso(r.admitted_on)
        ),
        Column("退住日期", "discharged on", "discharged_on", parse_date, export=lambda r: _iso(r.discharged_on)),
        choice_column("照护等级", "care level", "care_level", CareLevel, required=True),
        Column(
            "人员类别",
            "categories",
            "categories",
            categories,
            export=lambda r: "、".join(chinese_label(ResidentCategory, c) for c in r.categories),
        ),
    ),
)

CAREGIVERS = RosterKind(
    name="caregivers",
    label="护理员",
    model=Caregiver,
    key=("id_number",),
    personal=frozenset({"id_number"}),
    columns=(
        Column("身份证号", "id number", "id_number", id_number, required=True),
        Column("姓名", "name", "name", text(50), required=True),
        Column(
            "机构统一社会信用代码", "provider uscc", "provider", str, required=True, export=lambda c: c.provider.uscc
        ),
        choice_column("证书等级", "certificate level", "certificate_level", CertificateLevel),
        Column("证书编号", "certificate number", "certificate_number", text(60)),
        Column(
            "从事护理工作起始日期", "nursing since", "nursing_since", parse_date, export=lambda c: _iso(c.nursing_since)
        ),
        Column(
            "入职日期",
            "employed from",
            "employed_from",
            parse_date,
            required=True,
            export=lambda c: _iso(c.employed_from),
        ),
        Column("离职日期", "employed until", "employed_to", parse_date, export=lambda c: _iso(c.employed_to)),
    ),
)

FEES = RosterKind(
    name="fees",
    label="收费项目",
    model=FeeItem,
    key=("provider", "name", "effective_from"),
    columns=(
        Column(
            "机构统一社会信用代码", "provider uscc", "provider", str, required=True, export=lambda f: f.provider.uscc
        ),
        choice_column("收费类型", "fee kind", "kind", FeeItem.Kind, required=True),
        Column("收费项目", "item", "name", text(100), required=True),
        Column("金额", "amount", "amount", parse_decimal, required=True, export=lambda f: _decimal(f.amount)),
        choice_column("计费单位", "unit", "unit", FeeItem.Unit, required=True),
        Column(
            "执行日期",
            "effective from",
            "effective_from",
            parse_date,
            required=True,
            export=lambda f: _iso(f.effective_from),
        ),
        Column("截止日期", "effective to", "effective_to", parse_date, export=lambda f: _iso(f.effective_to)),
    ),
)

KINDS: dict[str, RosterKind] = {kind.name: kind for kind in (PROVIDERS, RESIDENTS, CAREGIVERS, FEES)}


def register_kind(kind: RosterKind) -> None:
    """Add a kind from another app (in its ``AppConfig.ready``), so the registry need not
    import it: the import command, templates and uploads then offer it like the others."""
    KINDS[kind.name] = kind
    EXAMPLES[kind.name] = list(kind.example)


# One example row per kind, for the downloadable templates (fictitious but valid codes).
EXAMPLES: dict[str, list[str]] = {
    "providers": [
        "52150203MJ0000001C",
        "昆都仑区示例养老院",
        "养老机构",
        "非营利性",
        "民办",
        "150203",
        "包头市昆都仑区钢铁大街1号",
        "0472-5100000",
        "3600",
        "120",
        "80",
        "0",
        "3",
        "2026-01-15",
    ],
    "residents": [
        "15020319400101123X",
        "张桂兰",
        "52150203MJ0000001C",
        "101-1",
        "2026-03-01",
        "",
        "半失能",
        "高龄、低保对象",
    ],
    "fees": ["52150203MJ0000001C", "床位费", "双人间床位费", "1200", "每月", "2026-01-01", ""],
    "caregivers": [
        "15020319850505002X",
        "李秀梅",
        "52150203MJ0000001C",
        "中级",
        "2019150203001",
        "2018-05-01",
        "2020-03-01",
        "",
    ],
}


def export_value(kind: RosterKind, column: Column, obj: Any, *, may_see_personal: bool) -> str:
    if column.export is not None:
        value = column.export(obj)
    else:
        raw = getattr(obj, column.field)
        value = "" if raw is None else str(raw)
    if column.field in kind.personal and not may_see_personal:
        return mask_id_number(value) if column.field == "id_number" else mask_phone(value)
    return value


def export_rows(kind: RosterKind, objects: Iterable[Any], *, may_see_personal: bool) -> Iterable[list[str]]:
    for obj in objects:
        yield [export_value(kind, column, obj, may_see_personal=may_see_personal) for column in kind.columns]


def resolve_references(kind: RosterKind, values: dict[str, Any], context: RowContext) -> dict[str, str]:
    """Turn division/provider cells into objects; returns {header: message} for failures."""
    errors: dict[str, str] = {}
    if "division" in values:
        try:
            values["division"] = _division(values["division"], context)
        except ValueError as error:
            errors[kind.column("division").header] = str(error)
    if "provider" in values:
        try:
            values["provider"] = _provider(values["provider"], context)
        except ValueError as error:
            errors[kind.column("provider").header] = str(error)
    if kind.resolve is not None:
        for name, message in kind.resolve(values, context).items():
            errors[kind.column(name).header] = message
    return errors
