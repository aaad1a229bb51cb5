"""Two requests with the same backup code at once (issue 20): exactly one signs in. On a
real PostgreSQL, each thread with its own connection, so the transactions really commit
(``transaction=True``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.models import User
from safeguards import backup_codes
from safeguards.models import AuditEntry

# serialized_rollback: the flush after each test would otherwise drop the role groups
# that migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def in_threads(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads started together; each result (or exception)."""
    results: list[Any] = [None] * len(calls)

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def codes() -> tuple[User, list[str]]:
    user = User.objects.create_user(username="racer", is_staff=True)
    TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return user, backup_codes.issue_backup_codes(user=user, actor=user)


def test_the_second_use_waits_for_the_first_and_takes_nothing(codes):
    """The first request has taken the code but not committed yet when the second asks: the
    row still looks there to the second, whose delete waits for the first's lock and then
    finds it gone (without the lock both would take it)."""
    user, issued = codes
    taken = threading.Event()

    def first() -> bool:
        with transaction.atomic():
            used = backup_codes.use_backup_code(user=user, code=issued[0]) is not None
            taken.set()
            time.sleep(0.5)  # the second request runs now, against the uncommitted delete
        return used

    def second() -> bool:
        assert taken.wait(10)
        return backup_codes.use_backup_code(user=user, code=issued[0]) is not None

    assert in_threads(first, second) == [True, False]
    assert backup_codes.codes_left(user) == len(issued) - 1
    assert AuditEntry.objects.filter(action="otp.backup_code_use").count() == 1


def test_released_together_only_one_wins(codes):
    user, issued = codes
    barrier = threading.Barrier(4)

    def attempt() -> bool:
        barrier.wait(10)
        return backup_codes.use_backup_code(user=user, code=issued[1]) is not None

    results = in_threads(attempt, attempt, attempt, attempt)

    assert sorted(results) == [False, False, False, True]
    assert backup_codes.codes_left(user) == len(issued) - 1
