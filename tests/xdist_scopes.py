"""How the suite is spread over the cores (pytest-xdist, ``--dist loadfile`` in
pyproject.toml; import as ``xdist_scopes``: the tests folder is on ``sys.path``).

Each worker has its own test database. Every test runs on the worker of the rest of its
file, so a module-scoped fixture (a seeded demo, a large data set) is built once. Two kinds
of file go further, all of a kind to one worker, one file after the other:

- the browser tests (``tests/e2e/``): one Chromium at a time;
- the files of tests that start a real Celery worker (``pytest.mark.celery``): they share
  the one test Redis queue, and a second worker would take the first one's tasks.

Files with a test that commits (``transaction=True``, a live server, a Celery worker) come
after all others, as pytest-django orders tests in one process: what such a test commits
outside the tables a flush empties (the append-only audit log) would otherwise be seen by
the tests after it. Among each kind, the larger files go first.

xdist's own ``loadgroup`` would do this from the marks, but it does not group anything
under pytest 9 (the group never reaches the node id), so the scope is read from the path.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

TESTS = Path(__file__).resolve().parent
CELERY_MARK = re.compile(r"pytest\.mark\.celery\b")
COMMITS = re.compile(r"transaction=True|BROWSER_TEST|live_server|pytest\.mark\.celery\b")


@functools.cache
def files_matching(pattern: re.Pattern[str]) -> frozenset[str]:
    """The test files (as node ids start) whose text matches ``pattern``."""
    root = TESTS.parent
    return frozenset(
        path.relative_to(root).as_posix()
        for path in TESTS.rglob("test_*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )


def celery_files() -> frozenset[str]:
    """The test files with a test marked ``celery``."""
    return files_matching(CELERY_MARK)


def committing_files() -> frozenset[str]:
    """The test files with a test that commits for real."""
    return files_matching(COMMITS)


def commits(scope: str) -> bool:
    return scope in ("browser", "celery") or scope in committing_files()


def in_order(collection: list[str]) -> list[str]:
    """The node ids, each scope's together: scopes without a committing test first, then
    those with one; the larger scopes first within each; a scope's tests in their order."""
    scopes = [scope_of(nodeid) for nodeid in collection]
    size = Counter(scopes)
    first: dict[str, int] = {}
    for index, scope in enumerate(scopes):
        first.setdefault(scope, index)
    order = sorted(range(len(collection)), key=lambda i: (commits(scopes[i]), -size[scopes[i]], first[scopes[i]], i))
    return [collection[i] for i in order]


def scope_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/e2e/"):
        return "browser"
    if path in celery_files():
        return "celery"
    return path


class FileScheduling(LoadScopeScheduling):
    """xdist's ``loadfile``, with the browser and Celery files each one scope, and the files
    that commit last."""

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)

    def schedule(self) -> None:
        if self.collection_is_completed and self.collection is None:
            for node, collection in list(self.registered_collections.items()):
                self.registered_collections[node] = in_order(list(collection))
            self.config.option.loadscopereorder = False  # keep the order above
        super().schedule()
