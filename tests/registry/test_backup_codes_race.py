"""Two requests with the same backup code at once (issue 20): exactly one signs in. On a
real PostgreSQL, each thread with its own connection, so the transactions really commit
(``transaction=True``)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from threads import race

from registry.models import User
from safeguards import backup_codes
from safeguards.models import AuditEntry

# serialized_rollback: the flush after each test would otherwise drop the role groups
# that migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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

    assert race(first, second) == [("ok", True), ("ok", False)]
    assert backup_codes.codes_left(user) == len(issued) - 1
    assert AuditEntry.objects.filter(action="otp.backup_code_use").count() == 1


def test_released_together_only_one_wins(codes):
    user, issued = codes

    def attempt() -> bool:
        return backup_codes.use_backup_code(user=user, code=issued[1]) is not None

    results = race(attempt, attempt, attempt, attempt)

    assert sorted(results) == [("ok", False), ("ok", False), ("ok", False), ("ok", True)]
    assert backup_codes.codes_left(user) == len(issued) - 1
