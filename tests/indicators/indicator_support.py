"""Dates of the indicators' hand-computed fixture (conftest.py), shared with the tests."""

from __future__ import annotations

import datetime

JUNE = datetime.date(2025, 6, 1)  # the month computed by hand; its last day is 30 June
JAN_10, FEB_1 = datetime.date(2025, 1, 10), datetime.date(2025, 2, 1)
