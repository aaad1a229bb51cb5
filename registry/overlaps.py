"""One person, two providers, shared days (DOMAIN §7 "Same person, two providers").

Stays of one person at two providers that share at least one day are a data conflict:
the monthly runs count the person at neither provider for such a month and flag both
lines, until a clerk records which stay is right (``overlap_decide``). A transfer — home A
until the 10th, home B from the 11th — shares no day and is not a conflict.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from safeguards.audit import audit_record

from .models import OverlapDecision, Resident, User
from .scoping import user_can_see_provider

END_OF_TIME = datetime.date.max


def _sharing_days_with_outer() -> QuerySet[Resident]:
    """Stays of the outer stay's person, at another provider, sharing at least one day with it."""
    return (
        Resident.objects.filter(id_number_hash=OuterRef("id_number_hash"))
        .exclude(provider=OuterRef("provider"))
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gte=OuterRef("admitted_on")))
        .filter(admitted_on__lte=Coalesce(OuterRef("discharged_on"), Value(END_OF_TIME)))
    )


def overlaps_undecided() -> Q:
    """The condition on a stay: it shares a day with another provider's stay of the same
    person, and no decision has been recorded between the two.

    Meant as an index probe per stay (``resident_person``), not as a join: PostgreSQL
    turns an EXISTS at the top of WHERE into a semi-join, and for a county's few thousand
    stays it chose to hash every stay of the region instead (500 ms at 500,000 residents,
    most of a district clerk's workbench). An EXISTS under an OR stays a subplan that
    probes the index once per stay (130 ms, the same rows): the OR's other side,
    ``pk IS NULL``, is never true. A filter of its own for the same reason: a list
    filters by it rather than by ``pk IN`` the list of such stays."""
    decided = OverlapDecision.objects.filter(
        Q(kept=OuterRef("pk"), set_aside=OuterRef(OuterRef("pk")))
        | Q(kept=OuterRef(OuterRef("pk")), set_aside=OuterRef("pk"))
    )
    return Q(Exists(_sharing_days_with_outer().filter(~Exists(decided)))) | Q(pk__isnull=True)


def overlapping_stays() -> QuerySet[Resident]:
    """Stays that share a day with another provider's stay of the same person, where no
    decision has been recorded between the two: the list clerks work through."""
    return Resident.objects.filter(overlaps_undecided())


def shares_days(one: Resident, other: Resident) -> bool:
    return one.admitted_on <= (other.discharged_on or END_OF_TIME) and other.admitted_on <= (
        one.discharged_on or END_OF_TIME
    )


@transaction.atomic
def overlap_decide(
    *, kept: Resident, user: User, note: str, set_aside: Iterable[Resident] | None = None
) -> list[OverlapDecision]:
    """Record that ``kept`` is the right stay on the days it shares with each stay of
    ``set_aside`` (default: every other provider's stay of the same person that shares days
    with it and is not decided yet). The clerk must see both providers and give a reason."""
    if not note.strip():
        raise ValidationError({"note": _("Say why this stay is the right one.")})
    kept = Resident.objects.select_for_update().select_related("provider__division").get(pk=kept.pk)
    if set_aside is None:
        others = list(
            overlapping_stays()
            .filter(id_number_hash=kept.id_number_hash)
            .exclude(provider=kept.provider)
            .select_related("provider__division")
        )
    else:
        others = list(Resident.objects.filter(pk__in=[s.pk for s in set_aside]).select_related("provider__division"))
    if not others:
        raise ValidationError(_("This stay shares no day with another provider's stay of the same person."))
    decisions = []
    for other in others:
        if other.id_number_hash != kept.id_number_hash or other.provider_id == kept.provider_id:
            raise ValidationError(_("Only two stays of the same person at two providers can be decided."))
        if not shares_days(kept, other):
            raise ValidationError(_("These two stays share no day: a transfer needs no decision."))
        for stay in (kept, other):
            if not user_can_see_provider(user, stay.provider):
                raise PermissionDenied(
                    _("%(provider)s is outside your jurisdiction.") % {"provider": stay.provider.name}
                )
        decision, _created = OverlapDecision.objects.update_or_create(
            kept=kept, set_aside=other, defaults={"note": note, "decided_by": user}
        )
        OverlapDecision.objects.filter(kept=other, set_aside=kept).delete()  # a decision replaces the opposite one
        audit_record(
            "overlap.decide",
            actor=user,
            obj=decision,
            after={"kept": kept.provider.name, "set_aside": other.provider.name, "note": note},
        )
        decisions.append(decision)
    return decisions
