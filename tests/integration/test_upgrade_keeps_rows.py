"""Upgrading a database of the layout before issue 15 (the audit log, deferred tasks and
earlier passwords in ``registry``) keeps every row, every permission granted on them, and
personal data readable with the same keys."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from factories import ProviderFactory, ResidentFactory

from registry.models import Resident, User
from safeguards.audit import audit_record
from safeguards.identifiers import make_id_number
from safeguards.models import AuditEntry, DeferredTask, PasswordHistory

# The schema as it stood before the platform had an app of its own.
BEFORE = [
    ("registry", "0021_password_history"),
    ("subsidies", "0009_rate_provider_kinds"),
    ("inspections", "0003_regime_rectification_days"),
    ("safeguards", None),
]
RESIDENT_ID = make_id_number("150203", datetime.date(1938, 3, 9), 77)


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for table in ("registry_auditentry", "registry_deferredtask", "registry_passwordhistory", "registry_resident"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            found[table] = cursor.fetchone()[0]
        return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upgrading_keeps_every_row_permission_and_personal_data(divisions):
    resident = ResidentFactory(id_number=RESIDENT_ID, provider=ProviderFactory())
    auditor = User.objects.create_user("auditor_upgrade", password="x-Very-long-pass-1")
    auditor.groups.add(Group.objects.get(permissions__codename="view_auditentry"))
    try:
        old = migrate(BEFORE).loader.project_state([node for node in BEFORE if node[1]]).apps
        # Rows written by the old code, into the old models.
        old_audit = old.get_model("registry", "AuditEntry")
        old_audit.objects.create(action="provider.change", actor_name="clerk", object_type="registry.provider")
        old_audit.objects.create(action="login.success", actor_id=auditor.pk, actor_name=auditor.username)
        old.get_model("registry", "DeferredTask").objects.create(task="registry.tasks.send_deferred_tasks")
        old.get_model("registry", "PasswordHistory").objects.create(user_id=auditor.pk, password="pbkdf2$old")
        before = counts()
        assert before["registry_auditentry"] >= 2 and before["registry_deferredtask"] == 1

        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

        assert counts() == before
        assert AuditEntry.objects.filter(action="login.success", actor=auditor).exists()
        assert DeferredTask.objects.get().task == "registry.tasks.send_deferred_tasks"
        assert PasswordHistory.objects.get(user=auditor).password == "pbkdf2$old"
        assert Resident.objects.get(pk=resident.pk).id_number == RESIDENT_ID  # decrypted with the same key
        # The permission the auditor had on the old model is the one on the new model.
        permission = Permission.objects.get(codename="view_auditentry")
        assert permission.content_type.app_label == "safeguards"
        assert User.objects.get(pk=auditor.pk).has_perm("safeguards.view_auditentry")
        # And the new code appends to the same log.
        audit_record("upgrade.check", detail="after the move")
        assert AuditEntry.objects.count() == before["registry_auditentry"] + 1
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
