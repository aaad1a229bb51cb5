"""The audit trail: what is recorded, and that nobody can change it afterwards."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from factories import ProviderFactory

from registry.lifecycle import provider_transition
from registry.models import ProviderStatusChange
from registry.staff import roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_logins_and_failures_are_recorded_with_the_address(divisions, clerk, client):
    clerk.set_password("Correct-Horse-9")
    clerk.save()

    client.post(reverse("admin:login"), {"username": clerk.username, "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post(
        reverse("admin:login"), {"username": clerk.username, "password": "Correct-Horse-9"}, REMOTE_ADDR="10.1.2.4"
    )

    [failure] = entries("login.failure")
    [success] = entries("login.success")
    assert (failure.actor_name, failure.ip) == (clerk.username, "10.1.2.3")
    assert (success.actor, success.ip) == (clerk, "10.1.2.4")


def test_a_lifecycle_transition_is_recorded_with_before_and_after(divisions, superuser):
    provider = ProviderFactory()

    provider_transition(
        provider=provider,
        action=ProviderStatusChange.Action.FILE,
        reason="材料齐全",
        effective_on=timezone.localdate(),
        actor=superuser,
    )

    [entry] = entries("provider.file")
    assert entry.object_id == str(provider.pk) and entry.actor == superuser
    assert entry.before == {"status": "draft"} and entry.after["status"] == "filed"
    assert entry.detail == "材料齐全"


def test_a_refused_page_is_recorded(divisions, inspector, client_for):
    response = client_for(inspector).get(reverse("admin:registry_provider_add"))

    assert response.status_code == 403
    assert entries("permission.denied")[0].actor == inspector


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_an_entry(divisions, superuser):
    entry = AuditEntry.objects.create(action="test", actor=superuser)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"


def _entry_aged(days: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_auditentry (at, action, actor_name, object_type, object_id, object_repr, detail)"
            " VALUES (%s, 'old', '', '', '', '', '')",
            [timezone.now() - datetime.timedelta(days=days)],
        )


def test_prune_never_removes_entries_younger_than_180_days(divisions):
    _entry_aged(400)  # entries are appended in time order (the hash chain needs it)
    _entry_aged(179)

    call_command("prune_audit", "--days", "10")

    remaining = sorted((timezone.now() - e.at).days for e in AuditEntry.objects.filter(action="old"))
    assert remaining == [179]


def test_only_the_audit_admin_reads_the_log(divisions, make_staff, clerk, client_for):
    auditor = make_staff(roles.AUDIT_ADMIN, "150200")
    AuditEntry.objects.create(action="test")

    assert client_for(auditor).get(reverse("admin:safeguards_auditentry_changelist")).status_code == 200
    assert client_for(clerk).get(reverse("admin:safeguards_auditentry_changelist")).status_code == 403
