"""A provider's statement of account (issue 18): what the provider sees of its money in
the portal, read-only, one query per section.

- **Grant lines** of approved runs: scheme, month, amount, and why a line is withheld (its
  holds) or flagged;
- **Construction-grant instalments**: year, amount, status, and the reason one was withheld
  or cancelled;
- **Payments**: each item of a batch, with what was offset against a recovery and how the
  bank settled it;
- **Recoveries** and their repayments (by transfer or by offset);
- the **totals** of ``payments.provider_ledger``.

Draft runs, draft grants and batches not yet approved are the bureau's working papers
and are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from registry.models import Provider

from .labels import holds_label
from .models import GrantLine, GrantRun, Instalment, PaymentBatch, PaymentItem, Recovery, Repayment
from .payments import provider_ledger

LIMIT = 60  # the latest rows of each section; the clerk's ledger export has all


@dataclass(frozen=True)
class Statement:
    totals: dict[str, Decimal]
    lines: list[dict[str, Any]]
    instalments: list[Instalment]
    payments: list[PaymentItem]
    recoveries: list[Recovery]
    repayments: list[Repayment]


def provider_statement(provider: Provider) -> Statement:
    lines = (
        GrantLine.objects.filter(provider=provider, run__status=GrantRun.Status.APPROVED)
        .select_related("scheme")
        .order_by("-period", "scheme__code", "pk")[:LIMIT]
    )
    return Statement(
        totals=provider_ledger(provider),
        lines=[
            {
                "scheme": line.scheme.name,
                "period": line.period,
                "amount": line.amount,
                "adjustment": line.get_kind_display() if line.kind == GrantLine.Kind.ADJUSTMENT else "",
                "withheld": holds_label(line.holds) if line.holds else "",
            }
            for line in lines
        ],
        instalments=list(
            Instalment.objects.filter(grant__provider=provider)
            .exclude(grant__status="draft")
            .select_related("grant__scheme")
            .order_by("-year", "number")[:LIMIT]
        ),
        payments=list(
            PaymentItem.objects.filter(provider=provider)
            .exclude(batch__state__in=[PaymentBatch.State.DRAFT, PaymentBatch.State.SUBMITTED])
            .select_related("batch", "scheme")
            .order_by("-batch__created_at", "-pk")[:LIMIT]
        ),
        recoveries=list(Recovery.objects.filter(provider=provider).order_by("-opened_on")[:LIMIT]),
        repayments=list(
            Repayment.objects.filter(recovery__provider=provider)
            .select_related("recovery")
            .order_by("-received_on")[:LIMIT]
        ),
    )
