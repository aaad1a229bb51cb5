"""Helpers of the public cache's tests (import as ``public_cache_support``).

A test runs inside a transaction that is never committed, so the version bump that
``registry.public_cache.public_data_changed`` schedules for the commit never runs, and the
cache is bypassed while it is pending (a request never reads pages from before its own
transaction's changes). ``commit_public_changes`` does what the commit would do to the
cache: it runs the pending bump and forgets it. A test can then show that the bump was
scheduled by what it did, and that the next request sees the change.
"""

from __future__ import annotations

from django.db import connection

from registry.public_cache import HIT_HEADER, bump_public_data_version


def commit_public_changes() -> bool:
    """Run the pending version bump as the commit would, and say whether one was pending
    (whether the writes since the last call changed what a public page shows)."""
    pending = [entry for entry in connection.run_on_commit if entry[1] is bump_public_data_version]
    connection.run_on_commit[:] = [entry for entry in connection.run_on_commit if entry not in pending]
    if pending:
        bump_public_data_version()
    return bool(pending)


def cache_state(response: object) -> str | None:
    """HIT (served from the cache), MISS (computed and kept), or None (neither read nor kept)."""
    return response.headers.get(HIT_HEADER)  # type: ignore[attr-defined]  # a test client response
