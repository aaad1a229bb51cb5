"""The public Python API of the subsidies app (documented in docs/subsidies.md).

Each function lives in the module named for its rule; this module is the one place
other code and scripts import from.
"""

from registry.periods import parse_month, previous_month

from .allowances import cost_split
from .awards import award_approve, award_prepare, award_withdraw
from .instalments import Quote, construction_quote, grant_approve, grant_edit, grant_prepare, instalments_review
from .payments import (
    batch_approve,
    batch_collect,
    batch_create,
    batch_export,
    batch_reconcile,
    batch_submit,
    provider_ledger,
)
from .recoveries import change_of_use_recover, recover_from_closed_providers, repayment_record
from .runs import run_approve, run_refresh

__all__ = [
    "Quote",
    "award_approve",
    "award_prepare",
    "award_withdraw",
    "batch_approve",
    "batch_collect",
    "batch_create",
    "batch_export",
    "batch_reconcile",
    "batch_submit",
    "change_of_use_recover",
    "construction_quote",
    "cost_split",
    "grant_approve",
    "grant_edit",
    "grant_prepare",
    "instalments_review",
    "parse_month",
    "previous_month",
    "provider_ledger",
    "recover_from_closed_providers",
    "repayment_record",
    "run_approve",
    "run_refresh",
]
