"""Make the audit log append-only in PostgreSQL: UPDATE and DELETE are refused by a
trigger, unless the session sets registry.audit_prune = 'on' (prune_audit does, and only
for entries older than the retention period). SQLite (the demo) has no such trigger."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION registry_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('registry.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS registry_audit_append_only ON registry_auditentry;
CREATE TRIGGER registry_audit_append_only
    BEFORE UPDATE OR DELETE ON registry_auditentry
    FOR EACH ROW EXECUTE FUNCTION registry_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS registry_audit_append_only ON registry_auditentry;
DROP FUNCTION IF EXISTS registry_audit_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_audit_log")]

    operations = [migrations.RunPython(create, drop)]
