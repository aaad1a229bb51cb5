"""How the demo's makers and checkers go through the review flow (subsidies/review.py):
the maker submits, the checker approves; run again, what already waits is not submitted
twice."""

from __future__ import annotations

import datetime

from registry.models import User
from subsidies.maker_checker import Prepared
from subsidies.review import PREPARING, RETURNED, approve, review_state, submit_for_review

RETURN_REASON = "建筑面积与竣工验收备案材料不一致，请补充房屋测绘报告后重新提交。"


def submit(obj: Prepared, maker: User) -> Prepared:
    """``maker`` submits ``obj`` for review unless it already waits for it."""
    if review_state(obj) in {PREPARING, RETURNED}:
        return submit_for_review(obj=obj, user=maker)
    return obj


def submit_and_approve(obj: Prepared, *, maker: User, checker: User, on: datetime.date | None = None) -> Prepared:
    """``maker`` submits ``obj``, ``checker`` approves it."""
    return approve(obj=submit(obj, maker), user=checker, on=on)
