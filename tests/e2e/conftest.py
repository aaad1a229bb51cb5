"""Browser tests: where their screenshots go, and a closing line of the run that says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

_SCREENSHOTS = pytest.StashKey[list[Path]]()


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    """``var/screenshots/`` of the project (git-ignored), emptied of old PNGs once per run."""
    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink(missing_ok=True)  # the other pytest-xdist worker may have removed it first
    pytestconfig.stash[_SCREENSHOTS] = []
    return folder


@pytest.fixture
def save_screenshot(pytestconfig: pytest.Config, screenshot_dir: Path, record_property: object) -> object:
    """``save_screenshot(page, "list-desktop-1280")``: a full-page PNG in ``screenshot_dir``."""

    def save(page: object, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        assert path.stat().st_size > 1000, path
        pytestconfig.stash[_SCREENSHOTS].append(path)
        print(f"screenshot: {path}")
        record_property("screenshots", str(screenshot_dir))  # type: ignore[operator]
        return path

    return save


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    saved = config.stash.get(_SCREENSHOTS, [])
    if saved:
        terminalreporter.write_sep("-", "e2e screenshots")
        terminalreporter.write_line(f"{len(saved)} screenshots saved in {saved[0].parent}")
        for path in saved:
            terminalreporter.write_line(f"  {path.name}")
