"""What a provider's payment holds do to its money (DOMAIN §7: holds pause money, they do
not forfeit it).

A line becomes payable once its run is approved and its month has ended. A hold in force
from then until the line enters an approved batch withheld it; the line is released on the
day the hold ended, and the next batch takes it (``payments.payable_lines``). The clerk
sees "withheld from … to …, released on …" on the line, and the lists of what is withheld
now (``withheld_lines``) and of the providers on hold with the amount they wait for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.holds import HoldSpan, hold_spans, providers_on_hold
from registry.models import Provider
from registry.periods import add_months

from .models import GrantLine, PaymentItem
from .payments import batchable_lines


def withheld_lines() -> QuerySet[GrantLine]:
    """Approved lines that a batch would take today but for their provider's hold."""
    return batchable_lines().filter(provider__in=providers_on_hold().values("pk"))


def with_withheld_totals(providers: QuerySet[Provider]) -> QuerySet[Provider]:
    """``providers`` annotated with ``withheld_lines`` and ``withheld_amount`` (subqueries)."""
    lines = withheld_lines().filter(provider=OuterRef("pk")).order_by().values("provider")
    money: DecimalField = DecimalField(max_digits=14, decimal_places=2)
    return providers.annotate(
        withheld_lines=Coalesce(Subquery(lines.annotate(n=Count("pk")).values("n")), Value(0)),
        withheld_amount=Coalesce(
            Subquery(lines.annotate(s=Sum("amount")).values("s"), output_field=money), Value(0), output_field=money
        ),
    )


def payable_from(line: GrantLine) -> datetime.date:
    """The first day ``line`` could be paid: its month has ended and its run is approved."""
    after_month = add_months(line.period.replace(day=1), 1)
    approved = line.run.approved_at
    return max(after_month, timezone.localdate(approved)) if approved else after_month


def paid_on(lines: Iterable[GrantLine]) -> dict[int, datetime.date]:
    """The day each line entered an approved batch (absent: not yet), one query."""
    items = PaymentItem.objects.filter(grant_line__in=list(lines), batch__approved_at__isnull=False).exclude(
        state=PaymentItem.State.FAILED
    )
    return {
        line_id: timezone.localdate(approved)
        for line_id, approved in items.values_list("grant_line_id", "batch__approved_at")
    }


def line_withholdings(lines: list[GrantLine]) -> dict[int, list[HoldSpan]]:
    """The holds that withheld each line: in force between the day it became payable and
    the day it entered an approved batch (or today). Five queries however many lines."""
    if not lines:
        return {}
    today = timezone.localdate()
    since = min(payable_from(line) for line in lines)
    spans = hold_spans({line.provider_id for line in lines}, since=since)
    paid = paid_on(lines)
    found: dict[int, list[HoldSpan]] = {}
    for line in lines:
        first, last = payable_from(line), paid.get(line.pk, today)
        if first > last or line.amount <= 0 or line.holds:
            continue
        touching = [span for span in spans.get(line.provider_id, []) if span.touches(first, last)]
        if touching:
            found[line.pk] = touching
    return found


def describe_withholding(span: HoldSpan) -> str:
    """ "withheld from … to …, released on …" (or "withheld since …" while in force)."""
    if span.released_on is None:
        return _("withheld since %(start)s: %(reason)s") % {"start": span.started_on, "reason": span.reason}
    return _("withheld from %(start)s to %(end)s, released on %(end)s: %(reason)s") % {
        "start": span.started_on,
        "end": span.released_on,
        "reason": span.reason,
    }
