"""The words a bank's result file may use, as data (issue 21): a bank that writes its file in
Chinese (状态 成功 / 失败) is read as one that writes ``status paid / failed``.

``batch_reconcile`` reads the columns item, amount, status, reason; each may be headed by
any of its aliases, and a status may be any alias of paid or failed or the label of the
payment item's state in either language of the site. Matching ignores case and spaces.
Add a bank's own words here; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation

from registry.rosters.formats import Record

from .models import PaymentItem

# column → the headers a result file may give it (the first is the one the code uses)
RESULT_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "item": ("item", "item no.", "明细编号", "付款明细编号", "编号", "项目编号"),
    "amount": ("amount", "金额", "付款金额", "支付金额"),
    "status": ("status", "状态", "结果", "处理结果", "支付状态"),
    "reason": ("reason", "原因", "失败原因", "备注"),
}

# outcome → the words a result file may use for it, beyond the state's own labels
STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    "paid": ("paid", "success", "succeeded", "成功", "已支付", "支付成功", "已付款", "付款成功"),
    "failed": ("failed", "fail", "failure", "失败", "支付失败", "付款失败", "未成功"),
}


def _key(text: str) -> str:
    return "".join(str(text).split()).casefold()


def result_headers() -> tuple[str, ...]:
    """Every header a result file may use (to find its header row below title rows)."""
    return tuple(alias for aliases in RESULT_COLUMN_ALIASES.values() for alias in aliases)


def _status_words() -> dict[str, str]:
    words = {_key(alias): outcome for outcome, aliases in STATUS_ALIASES.items() for alias in aliases}
    states = {"paid": PaymentItem.State.PAID, "failed": PaymentItem.State.FAILED}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            words.update({_key(str(state.label)): outcome for outcome, state in states.items()})
    return words


def result_status(text: str) -> str | None:
    """ "paid", "failed" or None (a word the file should not use) for a result row's status."""
    return _status_words().get(_key(text))


def result_row(row: Record | Mapping[str, str]) -> dict[str, str]:
    """A result file's row keyed by the column names the code uses (item, amount, status,
    reason), whichever alias headed each column; the status as "paid"/"failed" when it is
    one of their words."""
    columns = {_key(alias): column for column, aliases in RESULT_COLUMN_ALIASES.items() for alias in aliases}
    named: dict[str, str] = {}
    for header, value in row.items():
        column = columns.get(_key(header))
        if column and column not in named:
            named[column] = value or ""
    if "status" in named:
        named["status"] = result_status(named["status"]) or named["status"]
    return named
