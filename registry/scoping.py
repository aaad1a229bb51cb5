"""Jurisdiction and department scoping: which divisions, providers and people a staff user
may touch.

Every staff user works inside one division (their jurisdiction) and sees only what lies
inside it, descendants included. A user without a jurisdiction sees nothing, unless
they are a superuser (break-glass use).

A staff user may also work for a department (``User.department``), which limits the
*kinds* of provider they see (``DEPARTMENT_KINDS``): a health-commission inspector sees
childcare providers only. The kind is filtered wherever a lookup goes through a provider
(``provider_kind_lookup``); divisions and rows about an area (a monthly run, a payment
batch, a draw) are not kind-filtered.

One module, so that the admin, exports, imports and custom views all apply the same rule:
``scope_queryset`` applies both, so every admin built on ``ScopedAdminMixin`` /
``ProviderChildAdmin`` (``scope_path_lookup``) gets the department rule without knowing it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from .models import Caregiver, Division, Provider, ProviderKind, Resident, StaffDepartment, User

M = TypeVar("M", bound=Model)

# The lookup from each scoped model to its division's materialised path.
DIVISION_PATH_LOOKUP: dict[type[Model], str] = {
    Division: "path",
    Provider: "division__path",
    Resident: "provider__division__path",
    Caregiver: "provider__division__path",
}

# Which kinds of provider each department supervises; None: every kind. A department not
# listed here sees none (the rule fails closed).
# - the bureau's own staff (no department): every kind;
# - civil affairs registers, files and supervises elderly-care providers (000:374-380, 004:90);
# - the health commission leads on infant care: filing, supervision, health care (000:169-177,
#   000:331-335, 000:136-140);
# - emergency management (fire supervision of every childcare venue, 000:337-339; of elderly
#   homes, 004:94), market regulation (food and drug safety in every childcare provider,
#   000:344-346; food licences of elderly homes, 004:96) and fire and rescue (004:60, 76, 94)
#   inspect both.
DEPARTMENT_KINDS: dict[str, frozenset[str] | None] = {
    "": None,
    StaffDepartment.CIVIL_AFFAIRS: ProviderKind.elderly(),
    StaffDepartment.HEALTH_COMMISSION: ProviderKind.childcare(),
    StaffDepartment.EMERGENCY_MANAGEMENT: None,
    StaffDepartment.MARKET_REGULATION: None,
    StaffDepartment.FIRE_RESCUE: None,
}


def jurisdiction_path(user: User) -> str | None:
    """The path prefix the user may see; "" means everything; None means nothing."""
    if not user.is_active or not user.is_staff:
        return None
    if user.jurisdiction is not None:
        return user.jurisdiction.path
    return "" if user.is_superuser else None


def department_kinds(department: str) -> frozenset[str] | None:
    """The provider kinds a department supervises (``DEPARTMENT_KINDS``); None: every kind."""
    return DEPARTMENT_KINDS.get(department, frozenset())


def kinds_visible_to(user: User) -> frozenset[str] | None:
    """The provider kinds the user's department sees; None: every kind."""
    return department_kinds(user.department)


def department_sees_kind(department: str, kind: str) -> bool:
    kinds = department_kinds(department)
    return kinds is None or kind in kinds


@lru_cache(maxsize=256)
def provider_kind_lookup(model: type[Model], path_lookup: str) -> str | None:
    """The lookup of the provider's kind beside ``path_lookup`` when that lookup reaches the
    division through a provider (``division__path`` on a provider → ``kind``;
    ``inspection__provider__division__path`` → ``inspection__provider__kind``), else None:
    a division's own path, an account's jurisdiction, an area-wide run or batch."""
    parts = path_lookup.split("__")
    if parts[-2:] != ["division", "path"]:
        return None
    current: type[Model] | None = model
    for name in parts[:-2]:
        if current is None:
            return None
        related = current._meta.get_field(name).related_model
        current = related if isinstance(related, type) else None  # None: a plain field
    if current is None or not issubclass(current, Provider):
        return None
    return "__".join([*parts[:-2], "kind"])


def scope_by_kind(queryset: QuerySet[M], user: User, kind_lookup: str) -> QuerySet[M]:
    """Limit ``queryset`` to rows whose provider (via ``kind_lookup``) is of a kind the
    user's department sees."""
    kinds = kinds_visible_to(user)
    if kinds is None:
        return queryset
    return queryset.filter(**{f"{kind_lookup}__in": sorted(kinds)})


def scope_queryset(queryset: QuerySet[M], user: User, path_lookup: str) -> QuerySet[M]:
    """Limit ``queryset`` to rows whose division path (via ``path_lookup``) is in scope,
    and, when that lookup goes through a provider, to the kinds the user's department sees."""
    path = jurisdiction_path(user)
    if path is None:
        return queryset.none()
    if path:
        queryset = queryset.filter(**{f"{path_lookup}__startswith": path})
    kind_lookup = provider_kind_lookup(queryset.model, path_lookup)
    if kind_lookup is not None:
        queryset = scope_by_kind(queryset, user, kind_lookup)
    return queryset


def scope_by_coverage(queryset: QuerySet[M], user: User, path_lookup: str) -> QuerySet[M]:
    """Rows about a division inside the user's jurisdiction, or one that contains it.

    For things that cover an area (a monthly run, a payment batch): a district clerk sees
    the city-wide run that includes their district; what they see inside it is scoped again.
    An area covers every kind: no department filter here.
    """
    path = jurisdiction_path(user)
    if path is None:
        return queryset.none()
    if path == "":
        return queryset
    codes = [code for code in path.split("/") if code]
    ancestors = ["".join(f"{c}/" for c in codes[:i]) for i in range(1, len(codes) + 1)]
    return queryset.filter(Q(**{f"{path_lookup}__startswith": path}) | Q(**{f"{path_lookup}__in": ancestors}))


def divisions_visible_to(user: User) -> QuerySet[Division]:
    return scope_queryset(Division.objects.all(), user, "path")


def providers_visible_to(user: User) -> QuerySet[Provider]:
    return scope_queryset(Provider.objects.all(), user, "division__path")


def residents_visible_to(user: User) -> QuerySet[Resident]:
    return scope_queryset(Resident.objects.all(), user, "provider__division__path")


def caregivers_visible_to(user: User) -> QuerySet[Caregiver]:
    return scope_queryset(Caregiver.objects.all(), user, "provider__division__path")


def user_can_see_division(user: User, division: Division) -> bool:
    path = jurisdiction_path(user)
    return path is not None and division.path.startswith(path)


def user_can_see_provider(user: User, provider: Provider) -> bool:
    """Inside the user's jurisdiction and of a kind their department sees."""
    return user_can_see_division(user, provider.division) and department_sees_kind(user.department, provider.kind)


def user_can_see_personal_data(user: User) -> bool:
    return user.has_perm("registry.view_personal_data")
