"""The subsidy tables handed out as files: grant lines (the back-office's export and
``run_operating_grants --output`` write the one format) and the provider ledger. Each is an
``ExportTable`` for ``registry.exports``, which records, audits and writes it."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from registry.exports import EXPORT_CHUNK_ROWS, ExportTable, plain_table
from registry.models import Provider

from .models import GrantLine
from .payments import provider_ledger

# The columns of ``run_operating_grants --output`` (a stable interface, DESIGN.md).
GRANT_LINE_HEADER = ["uscc", "provider", "counted_residents", "rate", "amount", "holds"]
LEDGER_HEADER = ["uscc", "provider", "paid", "pending", "withheld", "recovered", "owed"]


def grant_line_row(line: GrantLine) -> list[object]:
    """One grant line as a row of ``GRANT_LINE_HEADER``: the count kept to its own places."""
    holds = "; ".join(hold["code"] for hold in line.holds)
    return [line.provider.uscc, line.provider.name, line.quantity.normalize(), line.rate, line.amount, holds]


def grant_lines_table(lines: QuerySet[GrantLine]) -> ExportTable:
    """The lines, run by run, each run's by provider, kind and period."""
    ordered = lines.select_related("provider").order_by("run", "provider__uscc", "kind", "period", "pk")

    def rows(_personal: bool) -> Iterator[list[object]]:
        return (grant_line_row(line) for line in ordered.iterator(chunk_size=EXPORT_CHUNK_ROWS))

    return ExportTable(what="grant-lines", header=GRANT_LINE_HEADER, rows=rows, count=ordered.count())


def ledger_table(providers: QuerySet[Provider]) -> ExportTable:
    """Each provider's totals (``payments.provider_ledger``): paid, pending, withheld,
    recovered, still owed."""
    rows = [[p.uscc, p.name, *provider_ledger(p).values()] for p in providers.order_by("uscc")]
    return plain_table(what="provider-ledger", header=LEDGER_HEADER, rows=rows)
