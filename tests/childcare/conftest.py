"""Fixtures of the childcare tests. The shared ones (``divisions``, ``clerk``, ``outsider``,
``reviewer`` …) come from ``tests/conftest.py``; the factories from ``childcare_support``."""

from __future__ import annotations

from typing import Any

import pytest
from childcare_support import NurseryFactory

from registry.models import Provider


@pytest.fixture
def nursery(divisions: Any) -> Provider:
    """An infant-care provider in Kundulun, the clerk's district (the class standards of
    ``load_reference_data`` are loaded with the divisions)."""
    return NurseryFactory(name="昆都仑阳光托育园")
