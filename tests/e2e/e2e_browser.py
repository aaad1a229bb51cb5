"""What every browser test shares: Debian's Chromium (never a downloaded browser), the
flags it is started with, and the marks every browser test module carries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
NEEDS_CHROMIUM = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"
)

# A browser test's module says ``pytestmark = BROWSER_TEST``: marked e2e, skipped without
# Chromium, and run against a live server, which needs real transactions. serialized_rollback:
# the flush after each test would otherwise drop the role groups that migrations created.
BROWSER_TEST = [
    pytest.mark.e2e,
    NEEDS_CHROMIUM,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium for the block, closed after it."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()
