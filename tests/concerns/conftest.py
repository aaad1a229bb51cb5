"""Fixtures of the concerns tests. The shared ones (``divisions``, ``clerk``, ``outsider``,
``reviewer`` …) come from ``tests/conftest.py``; the helpers from ``concern_support``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from factories import ProviderFactory

from registry.models import Provider, ProviderStatus


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """The rate limits count in the cache: every test starts with a fresh budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(divisions: Any) -> Provider:
    """A certified elderly home in Kundulun, the ``clerk``'s district."""
    return ProviderFactory(name="昆都仑区康宁养老院", status=ProviderStatus.CERTIFIED)
