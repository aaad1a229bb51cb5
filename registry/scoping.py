"""Jurisdiction scoping: which divisions, providers and people a staff user may touch.

Every staff user works inside one division (their jurisdiction) and sees only what lies
inside it, descendants included. A user without a jurisdiction sees nothing, unless
they are a superuser (break-glass use). One module, so that the admin, exports,
imports and custom views all apply the same rule.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from .models import Caregiver, Division, Provider, Resident, User

M = TypeVar("M", bound=Model)

# The lookup from each scoped model to its division's materialised path.
DIVISION_PATH_LOOKUP: dict[type[Model], str] = {
    Division: "path",
    Provider: "division__path",
    Resident: "provider__division__path",
    Caregiver: "provider__division__path",
}


def jurisdiction_path(user: User) -> str | None:
    """The path prefix the user may see; "" means everything; None means nothing."""
    if not user.is_active or not user.is_staff:
        return None
    if user.jurisdiction is not None:
        return user.jurisdiction.path
    return "" if user.is_superuser else None


def scope_queryset(queryset: QuerySet[M], user: User, path_lookup: str) -> QuerySet[M]:
    """Limit ``queryset`` to rows whose division path (via ``path_lookup``) is in scope."""
    path = jurisdiction_path(user)
    if path is None:
        return queryset.none()
    if path == "":
        return queryset
    return queryset.filter(**{f"{path_lookup}__startswith": path})


def scope_by_coverage(queryset: QuerySet[M], user: User, path_lookup: str) -> QuerySet[M]:
    """Rows about a division inside the user's jurisdiction, or one that contains it.

    For things that cover an area (a monthly run, a payment batch): a district clerk sees
    the city-wide run that includes their district; what they see inside it is scoped again.
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


def user_can_see_personal_data(user: User) -> bool:
    return user.has_perm("registry.view_personal_data")
