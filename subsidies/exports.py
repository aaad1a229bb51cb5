"""The subsidy tables handed out as files: grant lines (the back-office's export and
``run_operating_grants --output`` write the one format) and the provider ledger. Each is an
``ExportTable`` for ``registry.exports``, which records, audits and writes it."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from registry.exports import EXPORT_CHUNK_ROWS, ExportTable, plain_table
from registry.models import Provider

from .models import GrantLine
from .payments import provider_ledgers

# A grant line's columns, declared once. ``run_operating_grants --output`` writes the first
# six (a stable interface other tools read, DESIGN.md); the back-office's file adds which
# scheme, month and kind of line it is, whom it is for and what the run flagged, so that
# lines of several runs can be told apart. The six are the same cells in both files.
GRANT_LINE_HEADER = ["uscc", "provider", "counted_residents", "rate", "amount", "holds"]
GRANT_LINE_DETAIL_HEADER = ["scheme", "period", "kind", "subject", "flags"]
LEDGER_HEADER = ["uscc", "provider", "paid", "pending", "withheld", "recovered", "owed"]


def grant_line_row(line: GrantLine, *, detail: bool = True) -> list[object]:
    """One grant line as a row of ``GRANT_LINE_HEADER`` (the count kept to its own places),
    then, with ``detail``, of ``GRANT_LINE_DETAIL_HEADER``."""
    holds = "; ".join(hold["code"] for hold in line.holds)
    row: list[object] = [
        line.provider.uscc,
        line.provider.name,
        line.quantity.normalize(),
        line.rate,
        line.amount,
        holds,
    ]
    if detail:
        flags = "; ".join(flag["code"] for flag in line.flags)
        row += [line.scheme.code, f"{line.period:%Y-%m}", line.kind, line.subject, flags]
    return row


def grant_lines_table(lines: QuerySet[GrantLine], *, detail: bool = True) -> ExportTable:
    """The lines, run by run, each run's by provider, kind and period; ``detail=False`` gives
    the command's six columns."""
    ordered = lines.select_related("provider", "scheme").order_by("run", "provider__uscc", "kind", "period", "pk")
    header = GRANT_LINE_HEADER + (GRANT_LINE_DETAIL_HEADER if detail else [])

    def rows(_personal: bool) -> Iterator[list[object]]:
        return (grant_line_row(line, detail=detail) for line in ordered.iterator(chunk_size=EXPORT_CHUNK_ROWS))

    return ExportTable(what="grant-lines", header=header, rows=rows, count=ordered.count())


def ledger_table(providers: QuerySet[Provider]) -> ExportTable:
    """Each provider's totals (``payments.provider_ledger``): paid, pending, withheld,
    recovered, still owed."""
    ordered = list(providers.order_by("uscc"))
    ledgers = provider_ledgers(p.pk for p in ordered)
    rows = [[p.uscc, p.name, *ledgers[p.pk].values()] for p in ordered]
    return plain_table(what="provider-ledger", header=LEDGER_HEADER, rows=rows)
