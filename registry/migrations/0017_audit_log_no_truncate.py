"""The audit log also refuses TRUNCATE (a row-level trigger does not fire on it).

A statement-level BEFORE TRUNCATE trigger refuses everyone but a PostgreSQL superuser, who
could drop the trigger anyway (the test suite's flush between transactional tests runs as
one). The application role has no TRUNCATE privilege in the first place
(registry/db_privileges.py); this stops the owner role too. SQLite (the demo) has neither.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION registry_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS registry_audit_no_truncate ON registry_auditentry;
CREATE TRIGGER registry_audit_no_truncate
    BEFORE TRUNCATE ON registry_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION registry_audit_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS registry_audit_no_truncate ON registry_auditentry;
DROP FUNCTION IF EXISTS registry_audit_no_truncate();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("registry", "0016_role_grants")]

    operations = [migrations.RunPython(create, drop)]
