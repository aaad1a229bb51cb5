"""What waits for whom in the subsidies app: the rules behind the workbench's items
(``work_items.py``) and the list filters their links open (``work_filters.py``).

Each rule narrows a queryset the caller has already scoped to the user's jurisdiction
exactly as the list does, so the count on the workbench and the rows of the list it links
to are the same rows (docs/subsidies.md "Workbench").
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Least, TruncDate, TruncMonth

from registry.holds import providers_on_hold
from registry.models import CreditRecord, Provider, ProviderHold, User
from registry.periods import month_bounds, previous_month
from registry.scoping import jurisdiction_path
from registry.selectors import covers

from .models import ConstructionGrant, GrantLine, GrantRun, Instalment, PaymentBatch, PaymentItem, SubsidyScheme
from .payments import batchable_lines
from .review import with_last_review_step
from .review_models import ReviewEvent
from .runs import MONTHLY_KINDS


def last_closed_month(today: datetime.date) -> datetime.date:
    """The first day of the last month that has ended (months are paid after they happen)."""
    return previous_month(today)


def _ancestors_and_self(path: str) -> list[str]:
    codes = [code for code in path.split("/") if code]
    return ["".join(f"{c}/" for c in codes[:i]) for i in range(1, len(codes) + 1)]


def schemes_without_run(schemes: QuerySet[SubsidyScheme], user: User, today: datetime.date) -> QuerySet[SubsidyScheme]:
    """The monthly schemes in force in the last closed month for the user's jurisdiction
    (a scheme of an area containing it, or inside it) that have no run for that month
    covering it yet: no run of that month whose division is the jurisdiction or contains
    it, or contains the scheme's own area. Only where a provider to pay exists: filed by
    the month's end, in the jurisdiction and the scheme's area (no provider, no run to
    prepare)."""
    path = jurisdiction_path(user)
    if path is None:
        return schemes.none()
    period = last_closed_month(today)
    first, last = month_bounds(period)
    monthly = schemes.filter(kind__in=MONTHLY_KINDS).filter(
        covers(first, last, start="effective_from", end="effective_to")
    )
    covering = Q(scheme__jurisdiction__path__startswith=F("division__path"))
    if path:
        ancestors = _ancestors_and_self(path)
        monthly = monthly.filter(Q(jurisdiction__path__in=ancestors) | Q(jurisdiction__path__startswith=path))
        covering |= Q(division__path__in=ancestors)
    runs = GrantRun.objects.filter(covering, scheme=OuterRef("pk"), period=period)
    to_pay = Provider.objects.filter(division__path__startswith=path, filed_on__lte=last).filter(
        division__path__startswith=OuterRef("jurisdiction__path")
    )
    return monthly.filter(Exists(to_pay), ~Exists(runs))


def awaiting_review_by(objects: QuerySet[Any], user: User) -> QuerySet[Any]:
    """Runs, construction grants, operating awards or payment batches submitted for review
    and not yet decided, except those ``user`` prepared (maker_checker.py: they may not
    approve them)."""
    model = objects.model
    if model is PaymentBatch:
        waiting = objects.filter(state=PaymentBatch.State.SUBMITTED)
    else:
        if "last_review_step" not in objects.query.annotations:
            objects = with_last_review_step(objects)
        waiting = objects.filter(status="draft", last_review_step=ReviewEvent.Action.SUBMITTED)
    first_preparer = "created_by" if model is GrantRun else "prepared_by"
    return waiting.exclude(**{first_preparer: user}).exclude(preparers=user)


def instalments_awaiting_release(
    instalments: QuerySet[Instalment], user: User, today: datetime.date
) -> QuerySet[Instalment]:
    """Scheduled instalments of approved grants due this year or earlier (released only in
    their own year, DOMAIN §7), which the release review has not decided yet, except those
    of grants ``user`` prepared (a preparer never releases them)."""
    return (
        instalments.filter(
            status=Instalment.Status.SCHEDULED,
            year__lte=today.year,
            grant__status=ConstructionGrant.Status.APPROVED,
        )
        .exclude(grant__prepared_by=user)
        .exclude(grant__preparers=user)
    )


def released_from_hold(lines: QuerySet[GrantLine]) -> QuerySet[GrantLine]:
    """Lines a batch may take now that were withheld: a payment hold or a blacklisting of
    their provider, now ended, was in force on a day after the line became payable (its
    month had ended and its run was approved), so the line waited ("被暂扣的明细",
    withholding.py); it waits now only for the next batch. A blacklisting withdrawn on an
    objection has ended too, on the day it was withdrawn."""
    lines = lines.annotate(approved_day=TruncDate("run__approved_at"))
    hold = ProviderHold.objects.annotate(
        ended_day=TruncDate("ended_at"), ended_month=TruncMonth("ended_at", output_field=DateField())
    ).filter(
        provider=OuterRef("provider"),
        ended_at__isnull=False,
        ended_month__gt=OuterRef("period"),
        ended_day__gte=OuterRef("approved_day"),
    )
    # A blacklisting ends on its last day, or earlier when an upheld objection withdrew it
    # (PostgreSQL's LEAST skips a NULL: whichever of the two is set, or the earlier).
    blacklist = (
        CreditRecord.objects.annotate(stood_until=Least("withdrawn_on", "end_on"))
        .annotate(end_month=TruncMonth("stood_until", output_field=DateField()))
        .filter(
            provider=OuterRef("provider"),
            kind=CreditRecord.Kind.BLACKLIST,
            stood_until__isnull=False,
            end_month__gt=OuterRef("period"),
            stood_until__gte=OuterRef("approved_day"),
        )
    )
    payable_now = batchable_lines().exclude(provider__in=providers_on_hold().values("pk"))
    return lines.filter(pk__in=payable_now.values("pk")).filter(Exists(hold) | Exists(blacklist))


def failed_not_paid_again(items: QuerySet[PaymentItem]) -> QuerySet[PaymentItem]:
    """Payment items the bank's result file reported failed whose line, instalment or
    award has not gone into another batch since (a failed item frees its source)."""
    live = PaymentItem.objects.exclude(state=PaymentItem.State.FAILED)
    return items.filter(state=PaymentItem.State.FAILED).filter(
        ~Exists(live.filter(grant_line_id=OuterRef("grant_line_id"))),
        ~Exists(live.filter(instalment_id=OuterRef("instalment_id"))),
        ~Exists(live.filter(award_id=OuterRef("award_id"))),
    )
