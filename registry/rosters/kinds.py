"""The roster kinds: what each roster is (its model, its key, its columns) and its rules.

The columns (Chinese headers — the contract —, English aliases, how each cell is read and
written) are declared once, as the kind's django-import-export resource
(``registry.resources``); a kind reads them from there. What is particular to a roster
lives in its kind's hooks, which the engine calls without knowing any roster: what to
look up once per file, how references resolve, which existing records the importer may
change, what a new record needs, and what follows saving. The providers roster's rules
are below (``PROVIDERS``); other apps contribute kinds the same way (inspection results:
``inspections.rosters``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeguards.identifiers import normalise_uscc

from ..grades import grade_end, grade_on, grade_record, grade_save
from ..lifecycle import provider_transition
from ..models import (
    Caregiver,
    Division,
    FeeItem,
    Provider,
    ProviderGrade,
    ProviderStatusChange,
    RegistrationAuthority,
    Resident,
    User,
)
from ..pinyin import name_pinyin
from ..scoping import divisions_visible_to, providers_visible_to, user_can_see_provider
from .cells import RosterField
from .resources import CaregiverResource, FeeResource, ProviderResource, ResidentResource, RosterResource, masked


@dataclass(frozen=True)
class Column:
    """What the engine needs of a column (made from the resource's ``RosterField``)."""

    header: str  # Chinese header: the contract
    alias: str  # English alias
    field: str
    parse: Callable[[str], Any]
    required: bool = False
    export: Callable[[Any], str] | None = None


def columns_of(resource: type[RosterResource]) -> tuple[Column, ...]:
    return tuple(_column(f) for f in resource.roster_fields())


def _column(roster_field: RosterField) -> Column:
    return Column(
        roster_field.column_name,
        roster_field.alias,
        roster_field.attribute,
        roster_field.parse,
        required=roster_field.required,
        export=roster_field.export,
    )


@dataclass
class RowContext:
    """What row checks may look up, loaded once per file by the kind's ``load`` hook."""

    providers_by_uscc: dict[str, Provider] = field(default_factory=dict)
    divisions: list[Division] = field(default_factory=list)
    lookups: dict[str, Any] = field(default_factory=dict)  # loaded once by a kind's own resolver


Resolver = Callable[[dict[str, Any], RowContext], dict[str, str]]  # cells → objects; {field: message}


def providers_in_scope(context: RowContext, user: User | None) -> None:
    """The providers a row may name: those in the user's jurisdiction (from the command
    line without ``--user``: all of them)."""
    providers = Provider.objects.all() if user is None else providers_visible_to(user)
    context.providers_by_uscc = {p.uscc: p for p in providers.only("pk", "uscc", "name", "kind", "division_id")}


def resolve_provider(values: dict[str, Any], context: RowContext) -> dict[str, str]:
    if "provider" not in values:
        return {}
    provider = context.providers_by_uscc.get(normalise_uscc(values["provider"]))
    if provider is None:
        return {"provider": _("No provider with this code in your jurisdiction.")}
    values["provider"] = provider
    return {}


def provider_of_record_in_scope(current: Any, user: User, context: RowContext) -> bool:
    """An existing record may be changed by whoever may see its provider."""
    return current.provider.uscc in context.providers_by_uscc


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the engine caches per kind
class RosterKind:
    name: str
    label: str
    model: type[Model]
    key: tuple[str, ...]  # fields identifying a row
    resource: type[RosterResource] | None = None  # the columns (unless ``columns`` are given)
    columns: tuple[Column, ...] = ()
    personal: frozenset[str] = frozenset()  # fields masked on export without the permission (the resource's)
    create_only: frozenset[str] = frozenset()  # compared only when the row is new
    set_by_hooks: frozenset[str] = frozenset()  # read from the file but saved by the hooks, not assigned
    related: tuple[str, ...] = ("provider",)  # select_related when reading existing rows
    example: tuple[str, ...] = ()  # the example row of the downloadable template
    # Fields the ``complete`` hook derives from a column's field (name → its pinyin), saved with it.
    derived: tuple[tuple[str, str], ...] = ()
    # Hooks, called by the engine:
    # load(context, user) looks up, once per file, what resolving references needs;
    load: Callable[[RowContext, User | None], None] = providers_in_scope
    # resolvers turn reference cells into objects (in the context) → {field: message};
    resolvers: tuple[Resolver, ...] = (resolve_provider,)
    # resolve(values, context): a further resolver (kinds contributed by other apps);
    resolve: Resolver | None = None
    # in_scope(existing, user, context): whether the user may change this existing record;
    in_scope: Callable[[Any, User, RowContext], bool] = provider_of_record_in_scope
    # prepare(instance, user) fills what a new row does not carry (e.g. who recorded it);
    prepare: Callable[[Any, User | None], None] | None = None
    # complete(instance) fills, once the row's values are set, what the file left empty;
    complete: Callable[[Any], None] | None = None
    # check(instance) applies the kind's own rules → {field: message};
    check: Callable[[Any], dict[str, str]] | None = None
    # admit(values, new, context) → {field: message}: rules on a row's values and the context;
    admit: Callable[[dict[str, Any], bool, RowContext], dict[str, str]] | None = None
    # saved(new, user) runs after each chunk is saved, with its new (instance, values);
    saved: Callable[[list[tuple[Any, dict[str, Any]]], User | None], None] | None = None
    # changed(rows, user) runs after each chunk is saved, with its changed (instance, values);
    changed: Callable[[list[tuple[Any, dict[str, Any]]], User | None], None] | None = None
    # after_apply(new_instances, user) runs inside the import's transaction, once saved.
    after_apply: Callable[[list[Any], User | None], None] | None = None

    def __post_init__(self) -> None:
        if self.resource is not None:
            if not self.columns:
                object.__setattr__(self, "columns", columns_of(self.resource))
            if not self.personal:
                object.__setattr__(self, "personal", self.resource.personal)

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)


# The providers roster: a row is a provider of the user's jurisdiction, in a division of it.


def divisions_and_filing_actor(context: RowContext, user: User | None) -> None:
    context.divisions = list(Division.objects.all() if user is None else divisions_visible_to(user))
    context.lookups["filing_actor"] = filing_actor(user)


def resolve_division(values: dict[str, Any], context: RowContext) -> dict[str, str]:
    if "division" not in values:
        return {}
    value = values["division"]
    matches = [d for d in context.divisions if value in (d.code, d.name)]
    if not matches:
        return {"division": _("No division “%(value)s” in your jurisdiction.") % {"value": value}}
    if len(matches) > 1:
        return {"division": _("“%(value)s” names several divisions: use the code.") % {"value": value}}
    values["division"] = matches[0]
    return {}


def provider_in_jurisdiction(provider: Provider, user: User, context: RowContext) -> bool:
    """Inside the user's jurisdiction and of a kind their department sees."""
    return user_can_see_provider(user, provider)


def complete_provider(provider: Provider) -> None:
    """What a provider's row leaves to the system: its registration authority (if empty)
    and the pinyin of its name (saved in bulk, without ``Provider.save``)."""
    default_registration_authority(provider)
    provider.name_pinyin = name_pinyin(provider.name)


def default_registration_authority(provider: Provider) -> None:
    """A provider registers with market regulation if for profit, else with civil affairs."""
    if not provider.registration_authority:
        provider.registration_authority = (
            RegistrationAuthority.MARKET_REGULATION
            if provider.legal_form == "for_profit"
            else RegistrationAuthority.CIVIL_AFFAIRS
        )


NO_FILING_ACTOR = gettext_lazy(
    "No one to record the filing under: import as a staff user (--user), or create a superuser."
)


def filing_actor(user: User | None) -> User | None:
    """Who a new provider's filing is recorded under: the importing user, or from the
    command line without ``--user`` the first superuser. None: no one, so a row with a
    filing date is refused rather than imported unfiled."""
    return user or User.objects.filter(is_superuser=True).order_by("pk").first()


def filed_provider_needs_an_actor(values: dict[str, Any], new: bool, context: RowContext) -> dict[str, str]:
    if new and values.get("filed_on") and not context.lookups["filing_actor"]:
        return {"filed_on": str(NO_FILING_ACTOR)}
    return {}


def file_new_providers(new: list[tuple[Any, dict[str, Any]]], user: User | None) -> None:
    """A new provider with a filing date is filed through the lifecycle, with that date."""
    actor = filing_actor(user)
    for _instance, values in new:
        filed_on = values.get("filed_on")
        if not filed_on:
            continue
        if actor is None:  # the check refused such rows; the superuser went since
            raise ValidationError(str(NO_FILING_ACTOR))
        provider = Provider.objects.get(uscc=normalise_uscc(values["uscc"]))
        provider_transition(
            provider=provider,
            action=ProviderStatusChange.Action.FILE,
            reason=_("Filed before import (roster)"),
            effective_on=min(filed_on, timezone.localdate()),
            actor=actor,
            check_permission=False,
        )


def grades_from_roster(rows: list[tuple[Any, dict[str, Any]]], user: User | None) -> None:
    """A row's grade (等级) differing from the provider's current grade is a grade record
    from the import day (``registry.grades``: the grade in force on a day is read from the
    records), its rating body not known; 0 or empty ends the current grade the day before."""
    today = timezone.localdate()
    for instance, values in rows:
        grade = values.get("grade") or 0
        provider = Provider.objects.get(uscc=normalise_uscc(values["uscc"])) if instance.pk is None else instance
        if grade == grade_on([provider.pk], today)[provider.pk]:
            continue
        imported_today = ProviderGrade.objects.filter(provider=provider, valid_from=today, notes=IMPORT_NOTE).first()
        if grade and imported_today is not None:  # a second import the same day corrects the first
            imported_today.grade = grade
            grade_save(record=imported_today, actor=user, actor_name="" if user else "import_roster")
        elif grade:
            grade_record(
                provider=provider,
                grade=grade,
                assessor="",
                assessed_on=today,
                valid_from=today,
                notes=IMPORT_NOTE,
                actor=user,
                actor_name="" if user else "import_roster",
            )
        else:
            grade_end(
                provider=provider,
                last_day=today - datetime.timedelta(days=1),
                actor=user,
                actor_name="" if user else "import_roster",
                reason=IMPORT_NOTE,
            )


def providers_saved(new: list[tuple[Any, dict[str, Any]]], user: User | None) -> None:
    file_new_providers(new, user)
    grades_from_roster(new, user)


IMPORT_NOTE = "名册导入"

PROVIDERS = RosterKind(
    name="providers",
    label="机构",
    model=Provider,
    resource=ProviderResource,
    key=("uscc",),
    create_only=frozenset({"filed_on"}),
    # Filed through the lifecycle (file_new_providers); graded through grade records (grades_from_roster).
    set_by_hooks=frozenset({"filed_on", "grade"}),
    related=("division",),
    load=divisions_and_filing_actor,
    resolvers=(resolve_division,),
    in_scope=provider_in_jurisdiction,
    complete=complete_provider,
    derived=(("name", "name_pinyin"),),
    admit=filed_provider_needs_an_actor,
    saved=providers_saved,
    changed=grades_from_roster,
)

# The residents roster: a row is a stay at a provider of the user's jurisdiction; the
# resident's home county (户籍所在地) may be any banner/county of the region.


def providers_and_counties(context: RowContext, user: User | None) -> None:
    providers_in_scope(context, user)
    context.lookups["counties"] = list(Division.objects.filter(level=Division.Level.COUNTY))


def resolve_home_county(values: dict[str, Any], context: RowContext) -> dict[str, str]:
    value = values.get("home_county")
    if value is None:
        return {}
    matches = [d for d in context.lookups["counties"] if value in (d.code, d.name)]
    if not matches:
        return {"home_county": _("No banner, county or district “%(value)s”.") % {"value": value}}
    if len(matches) > 1:
        return {"home_county": _("“%(value)s” names several divisions: use the code.") % {"value": value}}
    values["home_county"] = matches[0]
    return {}


RESIDENTS = RosterKind(
    name="residents",
    label="入住老人",
    model=Resident,
    resource=ResidentResource,
    key=("id_number", "provider"),
    related=("provider", "home_county"),
    load=providers_and_counties,
    resolvers=(resolve_provider, resolve_home_county),
)

CAREGIVERS = RosterKind(
    name="caregivers", label="护理员", model=Caregiver, resource=CaregiverResource, key=("id_number",)
)

FEES = RosterKind(
    name="fees", label="收费项目", model=FeeItem, resource=FeeResource, key=("provider", "name", "effective_from")
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
        "150203",
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
        return masked(column.field, value)
    return value


def export_rows(kind: RosterKind, objects: Iterable[Any], *, may_see_personal: bool) -> Iterable[list[str]]:
    for obj in objects:
        yield [export_value(kind, column, obj, may_see_personal=may_see_personal) for column in kind.columns]


def resolve_references(kind: RosterKind, values: dict[str, Any], context: RowContext) -> dict[str, str]:
    """Turn reference cells into objects (the kind's resolvers); returns {header: message}."""
    errors: dict[str, str] = {}
    resolvers = (*kind.resolvers, kind.resolve) if kind.resolve is not None else kind.resolvers
    for resolver in resolvers:
        for name, message in resolver(values, context).items():
            errors[kind.column(name).header] = message
    return errors
