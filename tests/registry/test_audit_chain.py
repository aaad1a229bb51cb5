"""The audit trail is tamper-evident, not only append-only (issue 23, finding 6).

Each entry carries an HMAC chained to the entry before it; ``verify_audit`` names the
first entry that was changed or follows a removed one. Someone with the owner's powers
(here: the test's superuser, who switches the trigger off) can still edit or delete rows,
but not without the chain showing it. The 180-day floor is in the database trigger.
"""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from safeguards.audit import audit_record, prune_audit, verify_audit_log
from safeguards.models import AuditEntry

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers"),
]


def as_owner_bypassing_the_trigger(statement: str, params: list[object]) -> None:
    """What a database owner (or an attacker with its password) could do."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks block ALTER TABLE
        cursor.execute("ALTER TABLE registry_auditentry DISABLE TRIGGER registry_audit_append_only")
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE registry_auditentry ENABLE TRIGGER registry_audit_append_only")


def some_entries(n: int = 5) -> list[AuditEntry]:
    return [
        audit_record("test.entry", detail=f"entry {i}", after={"amount": "100.00", "i": i}, actor_name="clerk")
        for i in range(n)
    ]


def test_an_untouched_log_verifies(divisions):
    entries = some_entries()

    report = verify_audit_log()

    assert report.intact and report.checked >= len(entries)
    assert len({e.chain_hash for e in entries}) == len(entries) and all(len(e.chain_hash) == 64 for e in entries)


def test_a_changed_entry_is_named(divisions):
    entries = some_entries()
    as_owner_bypassing_the_trigger(
        "UPDATE registry_auditentry SET after = %s WHERE id = %s", ['{"amount": "900.00", "i": 2}', entries[2].pk]
    )

    report = verify_audit_log()

    assert not report.intact and report.first_break == entries[2].pk


def test_a_removed_entry_breaks_the_chain_at_the_next_one(divisions):
    entries = some_entries()
    as_owner_bypassing_the_trigger("DELETE FROM registry_auditentry WHERE id = %s", [entries[1].pk])

    assert verify_audit_log().first_break == entries[2].pk


def test_an_entry_slipped_in_without_the_key_is_named(divisions):
    entries = some_entries(2)
    with connection.cursor() as cursor:  # an INSERT is allowed; only the key makes a valid hash
        cursor.execute(
            "INSERT INTO registry_auditentry (at, action, actor_name, object_type, object_id, object_repr, detail, "
            "chain_hash) VALUES (now(), 'forged', '', '', '', '', '', %s)",
            [entries[-1].chain_hash],
        )
    forged = AuditEntry.objects.get(action="forged")

    assert verify_audit_log().first_break == forged.pk


def test_the_command_fails_on_a_break_and_records_each_check(divisions):
    entries = some_entries(3)
    call_command("verify_audit")
    assert AuditEntry.objects.filter(action="audit.verify", after__intact=True).count() == 1

    as_owner_bypassing_the_trigger("UPDATE registry_auditentry SET detail = 'x' WHERE id = %s", [entries[0].pk])
    with pytest.raises(CommandError, match=f"broken at entry {entries[0].pk}"):
        call_command("verify_audit")
    assert AuditEntry.objects.filter(action="audit.verify", after__first_break=entries[0].pk).exists()


def test_pruning_keeps_the_chain_verifiable(divisions):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    with mock.patch("safeguards.audit.timezone.now", return_value=long_ago):
        old = some_entries(3)
    young = some_entries(2)

    assert prune_audit(older_than_days=365) == 3

    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in young]).count() == 2
    assert verify_audit_log().intact
    # … and removing the oldest entry left is still seen.
    as_owner_bypassing_the_trigger("DELETE FROM registry_auditentry WHERE id = %s", [young[0].pk])
    assert verify_audit_log().first_break == young[1].pk


def test_the_retention_floor_is_in_the_database_not_the_session(divisions):
    entry = audit_record("test.young")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL registry.audit_prune = 'on'")
        cursor.execute("DELETE FROM registry_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
