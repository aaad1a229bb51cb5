"""Placeholder until the construction-grant demo lands (helper h-demoinsp)."""

from __future__ import annotations

import datetime


def seed(today: datetime.date) -> dict[str, int]:
    return {}
