"""How the suite is spread over the cores (pytest-xdist, ``--dist loadfile`` in
pyproject.toml; import as ``xdist_scopes``: the tests folder is on ``sys.path``).

Each worker has its own test database. Every test runs on the worker of the rest of its
file, so a module-scoped fixture (a seeded demo, a large data set) is built once. Two kinds
of file go further, all of a kind to one worker, one file after the other:

- the browser tests (``tests/e2e/``): one Chromium at a time;
- the files of tests that start a real Celery worker (``pytest.mark.celery``): they share
  the one test Redis queue, and a second worker would take the first one's tasks.

xdist's own ``loadgroup`` would do this from the marks, but it does not group anything
under pytest 9 (the group never reaches the node id), so the scope is read from the path.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

TESTS = Path(__file__).resolve().parent
CELERY_MARK = re.compile(r"pytest\.mark\.celery\b")


@functools.cache
def celery_files() -> frozenset[str]:
    """The test files (as node ids start) with a test marked ``celery``."""
    root = TESTS.parent
    return frozenset(
        path.relative_to(root).as_posix()
        for path in TESTS.rglob("test_*.py")
        if CELERY_MARK.search(path.read_text(encoding="utf-8"))
    )


def scope_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/e2e/"):
        return "browser"
    if path in celery_files():
        return "celery"
    return path


class FileScheduling(LoadScopeScheduling):
    """xdist's ``loadfile``, with the browser and Celery files each one scope."""

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)
