"""Tamper evidence for the audit log, and its retention floor in the database.

- Every entry gets ``chain_hash`` (registry/integrity.py); existing entries are chained
  here in id order, with the append-only trigger switched off for this one update (the
  migration runs as the table's owner). This imports the app's hash function on purpose:
  the chain must be computed exactly as new entries compute it.
- ``at`` is set by ``audit_record`` under the chain lock (the hash covers it), not by
  ``auto_now_add``.
- The append-only trigger allows a DELETE only for entries older than 180 days
  (``AUDIT_MIN_RETENTION_DAYS``) and only when the session asks for pruning: setting
  ``registry.audit_prune`` alone no longer removes a young entry.
"""


import django.utils.timezone
from django.db import migrations, models


FLOOR = """
CREATE OR REPLACE FUNCTION registry_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('registry.audit_prune', true) = 'on'
            AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""

NO_FLOOR = """
CREATE OR REPLACE FUNCTION registry_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('registry.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
"""


def chain_existing_entries(apps, schema_editor):
    from safeguards.integrity import CHAIN_FIELDS, GENESIS, entry_hash, normalise_ip

    AuditEntry = apps.get_model("registry", "AuditEntry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE registry_auditentry DISABLE TRIGGER registry_audit_append_only")
    previous = GENESIS
    names = [f for f in CHAIN_FIELDS if f != "chain_hash"]
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        fields = {name: getattr(entry, name) for name in names}
        fields["ip"] = normalise_ip(fields["ip"])
        previous = entry_hash(previous, fields)
        AuditEntry.objects.filter(pk=entry.pk).update(chain_hash=previous, ip=fields["ip"])
    if postgres:
        schema_editor.execute("ALTER TABLE registry_auditentry ENABLE TRIGGER registry_audit_append_only")
        schema_editor.execute(FLOOR)


def unchain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_FLOOR)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0018_phones_encrypted'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='chain_hash',
            field=models.CharField(blank=True, db_default='', help_text='HMAC of this entry and the one before it: a changed or removed entry breaks the chain.', max_length=64, verbose_name='chain hash'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time'),
        ),
        migrations.RunPython(chain_existing_entries, unchain),
    ]
