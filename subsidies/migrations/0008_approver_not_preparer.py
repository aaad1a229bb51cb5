"""Maker-checker in the database (PostgreSQL): triggers refuse

- a run, grant or batch whose approver is set to one of its preparers;
- a preparer added to a run, grant or batch who is already its approver;
- an instalment released by a preparer of its grant (``decided_by``).

They check only a change of the approver or of the release, so an object approved before
preparers were kept (0007 keeps such a preparer for the record) can still move on. A
violation is a check_violation (Django's IntegrityError). The services refuse first, with
a message (subsidies/maker_checker.py). SQLite (the demo) has no such triggers.
"""

from django.db import migrations

PREPARED = [  # (table, its preparers table, the preparers table's column naming the object)
    ("subsidies_grantrun", "subsidies_grantrun_preparers", "grantrun_id"),
    ("subsidies_constructiongrant", "subsidies_constructiongrant_preparers", "constructiongrant_id"),
    ("subsidies_paymentbatch", "subsidies_paymentbatch_preparers", "paymentbatch_id"),
]

FUNCTIONS = """
CREATE OR REPLACE FUNCTION subsidies_approver_not_preparer() RETURNS trigger AS $$
-- TG_ARGV[0]: the preparers table; TG_ARGV[1]: its column naming the approved object.
DECLARE
    refused boolean;
BEGIN
    IF NEW.approved_by_id IS NULL
       OR (TG_OP = 'UPDATE' AND NEW.approved_by_id IS NOT DISTINCT FROM OLD.approved_by_id) THEN
        RETURN NEW;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1 AND user_id = $2)', TG_ARGV[0], TG_ARGV[1])
        INTO refused USING NEW.id, NEW.approved_by_id;
    IF refused THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('maker-checker: %s %s approved by one of its preparers', TG_TABLE_NAME, NEW.id);
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION subsidies_preparer_not_approver() RETURNS trigger AS $$
-- TG_ARGV[0]: the table of the prepared objects; TG_ARGV[1]: the column of NEW naming one.
DECLARE
    refused boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1 AND approved_by_id = $2)', TG_ARGV[0])
        INTO refused USING (to_jsonb(NEW) ->> TG_ARGV[1])::bigint, NEW.user_id;
    IF refused THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('maker-checker: the approver cannot become a preparer (%s)', TG_TABLE_NAME);
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION subsidies_releaser_not_preparer() RETURNS trigger AS $$
BEGIN
    IF NEW.status <> 'released' OR NEW.decided_by_id IS NULL
       OR (TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
           AND NEW.decided_by_id IS NOT DISTINCT FROM OLD.decided_by_id) THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM subsidies_constructiongrant_preparers
               WHERE constructiongrant_id = NEW.grant_id AND user_id = NEW.decided_by_id)
       OR EXISTS (SELECT 1 FROM subsidies_constructiongrant
                  WHERE id = NEW.grant_id AND prepared_by_id = NEW.decided_by_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('maker-checker: instalment %s released by a preparer of its grant', NEW.id);
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS subsidies_releaser_not_preparer ON subsidies_instalment;
CREATE TRIGGER subsidies_releaser_not_preparer
    BEFORE INSERT OR UPDATE OF status, decided_by_id ON subsidies_instalment
    FOR EACH ROW EXECUTE FUNCTION subsidies_releaser_not_preparer();
"""

TRIGGERS = """
DROP TRIGGER IF EXISTS {table}_approver_not_preparer ON {table};
CREATE TRIGGER {table}_approver_not_preparer
    BEFORE INSERT OR UPDATE OF approved_by_id ON {table}
    FOR EACH ROW EXECUTE FUNCTION subsidies_approver_not_preparer('{preparers}', '{column}');
DROP TRIGGER IF EXISTS {preparers}_not_approver ON {preparers};
CREATE TRIGGER {preparers}_not_approver
    BEFORE INSERT OR UPDATE ON {preparers}
    FOR EACH ROW EXECUTE FUNCTION subsidies_preparer_not_approver('{table}', '{column}');
"""

DROP = """
DROP TRIGGER IF EXISTS {table}_approver_not_preparer ON {table};
DROP TRIGGER IF EXISTS {preparers}_not_approver ON {preparers};
"""

DROP_FUNCTIONS = """
DROP TRIGGER IF EXISTS subsidies_releaser_not_preparer ON subsidies_instalment;
DROP FUNCTION IF EXISTS subsidies_releaser_not_preparer();
DROP FUNCTION IF EXISTS subsidies_preparer_not_approver();
DROP FUNCTION IF EXISTS subsidies_approver_not_preparer();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)  # no placeholders: format() uses %I and %s
    for table, preparers, column in PREPARED:
        schema_editor.execute(TRIGGERS.format(table=table, preparers=preparers, column=column))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, preparers, column in PREPARED:
        schema_editor.execute(DROP.format(table=table, preparers=preparers, column=column))
    schema_editor.execute(DROP_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0007_preparers_from_makers")]

    operations = [migrations.RunPython(create, drop)]
