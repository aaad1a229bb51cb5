"""The audit trail is append-only against the application's own database role (issue 22,
finding 3), on PostgreSQL: the application role (safeguards/db_privileges.py) may add and
read entries and work with every other table, but not UPDATE, DELETE, TRUNCATE, ALTER,
disable the trigger or DROP; and the BEFORE TRUNCATE trigger stops any non-superuser
that holds the TRUNCATE privilege (the owner role)."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from factories import ProviderFactory

from registry.models import Provider
from safeguards.audit import audit_record
from safeguards.db_privileges import grant_application_privileges
from safeguards.models import AuditEntry

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL privileges and triggers"),
]

REFUSED = [
    "UPDATE registry_auditentry SET action = 'rewritten'",
    "DELETE FROM registry_auditentry",
    "TRUNCATE registry_auditentry",
    "ALTER TABLE registry_auditentry DISABLE TRIGGER registry_audit_append_only",
    "ALTER TABLE registry_auditentry DISABLE TRIGGER ALL",
    "DROP TABLE registry_auditentry",
    "ALTER TABLE registry_auditentry RENAME TO old_audit",
    "SET registry.audit_prune = 'on'; DELETE FROM registry_auditentry",
    "CREATE TABLE registry_sneaky (id int)",
    "DELETE FROM django_migrations",
]


def new_role(*privileges: str) -> str:
    """A role created inside the test's transaction (gone when it rolls back)."""
    name = f"carereg_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN")
        for privilege in privileges:
            cursor.execute(privilege.format(role=name))
    return name


def run_as(role: str, statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute(statement)


def test_the_application_role_adds_and_reads_entries_and_works_with_the_data(divisions):
    provider = ProviderFactory()
    audit_record("test.before", detail="written by the owner")
    role = new_role()
    grant_application_privileges(connection, role)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        audit_record("test.as_app", detail="written by the application")
        Provider.objects.filter(pk=provider.pk).update(name="改名后的机构")
        assert AuditEntry.objects.filter(action__startswith="test.").count() == 2
    assert Provider.objects.get(pk=provider.pk).name == "改名后的机构"


@pytest.mark.parametrize("statement", REFUSED)
def test_the_application_role_cannot_rewrite_or_remove_the_audit_trail(statement):
    audit_record("test.entry", detail="must survive")
    role = new_role()
    grant_application_privileges(connection, role)

    with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
        run_as(role, statement)
    assert AuditEntry.objects.filter(action="test.entry").count() == 1


def test_truncation_is_refused_even_with_the_privilege():
    """The owner role holds every privilege on its tables; the trigger still refuses."""
    audit_record("test.entry", detail="must survive")
    role = new_role("GRANT TRUNCATE, SELECT ON registry_auditentry TO {role}")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks block TRUNCATE

    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
        run_as(role, "TRUNCATE registry_auditentry")
    assert AuditEntry.objects.filter(action="test.entry").count() == 1


def test_granting_twice_gives_the_same_privileges():
    """It runs after every migrate: re-running it must not widen anything."""
    role = new_role()
    grant_application_privileges(connection, role)
    grant_application_privileges(connection, role)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = 'registry_auditentry' ORDER BY 1",
            [role],
        )
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]


def test_prune_audit_tells_the_application_role_to_use_the_owner():
    from django.core.management import CommandError, call_command

    role = new_role()
    grant_application_privileges(connection, role)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        with pytest.raises(CommandError, match="owner role"):
            call_command("prune_audit")
