"""Calls raced against each other on a real PostgreSQL (import as ``threads``: the tests
folder is on ``sys.path``). Each call runs in its own thread with its own database
connection, closed afterwards, so the tests using this need ``transaction=True``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def race(*calls: Callable[[], Any], timeout: float = 30) -> list[tuple[str, Any]]:
    """Run the calls in threads released together; ("ok", result) or ("error", exception) each,
    in the order of the calls."""
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as error:
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a raced call did not finish"
    return results
