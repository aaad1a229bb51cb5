"""``manage.py backup`` and ``manage.py restore_drill`` against the test PostgreSQL.

pg_dump sees only committed data, so these tests commit (``transaction=True``); the
drill restores into a scratch database next to the test database and drops it again.
Skipped when pg_dump or pg_restore cannot be found.
"""

from __future__ import annotations

import io
import json
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import DecimalField, Sum
from factories import ProviderFactory

from safeguards.audit import audit_record
from safeguards.backups import BackupError, backup_create, backups_prune, pg_program, restore_drill
from safeguards.integrity import facts_signature
from safeguards.models import AuditEntry
from subsidies.models import ConstructionGrant, GrantLine, Instalment, PaymentItem


def _programs_found() -> bool:
    try:
        pg_program("pg_dump")
        pg_program("pg_restore")
    except BackupError:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(not _programs_found(), reason="pg_dump / pg_restore not found (set PG_BIN_DIR)"),
    # serialized_rollback: the flush after the test would otherwise drop the role groups
    # that migrations created.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def orm_row_counts() -> dict[str, int]:
    """Rows of every model's table, counted through the ORM."""
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    }


def orm_money_totals() -> dict[str, Decimal | None]:
    """The sum of every decimal column of every model, through the ORM."""
    totals = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, DecimalField):
                totals[f"{model._meta.db_table}.{field.column}"] = model._base_manager.aggregate(s=Sum(field.name))["s"]
    return totals


def scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{connection.settings_dict['NAME']}_drill_%"]
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_backup_of_the_demo_restores_with_every_row_and_every_yuan(tmp_path: Path) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    # The demo holds every kind of money: monthly grant lines, payment items, and construction
    # grants with their instalments (3:3:4), one of them recovered.
    assert GrantLine.objects.exists() and PaymentItem.objects.exists()
    assert Instalment.objects.exists() and ConstructionGrant.objects.exists()
    counts, totals = orm_row_counts(), orm_money_totals()

    out = io.StringIO()
    call_command("backup", output=tmp_path / "nightly.dump", stdout=out)

    dump = tmp_path / "nightly.dump"
    assert f"{dump} {dump.stat().st_size} bytes" in out.getvalue()
    assert dump.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    entry = AuditEntry.objects.get(action="backup.create")
    assert entry.detail == str(dump) and entry.actor is None

    report = restore_drill(dump)

    assert report.ok, [check for check in report.checks if not check.ok]
    restored_rows = {c.name: c.restored for c in report.checks if c.kind == "rows"}
    restored_sums = {c.name: c.restored for c in report.checks if c.kind == "sum"}
    assert {table: restored_rows[table] for table in counts} == counts
    assert restored_sums == totals
    assert restored_sums["subsidies_grantline.amount"] == GrantLine.objects.aggregate(s=Sum("amount"))["s"] > 0
    assert restored_sums["subsidies_instalment.amount"] == Instalment.objects.aggregate(s=Sum("amount"))["s"] > 0
    assert restored_sums["subsidies_paymentitem.amount"] == PaymentItem.objects.aggregate(s=Sum("amount"))["s"] > 0
    assert scratch_databases() == []  # dropped
    assert AuditEntry.objects.filter(action="backup.restore_drill", detail__contains="match").exists()


def test_the_drill_reports_what_differs_and_exits_1(tmp_path: Path, divisions: object, settings: Any) -> None:
    settings.BACKUP_DIR = tmp_path
    ProviderFactory.create_batch(3)
    dump = backup_create().path
    assert dump.parent == tmp_path and dump.name.startswith("carereg-")

    out = io.StringIO()
    call_command("restore_drill", stdout=out)  # the newest backup in BACKUP_DIR
    assert f"restore drill of {dump}" in out.getvalue()
    assert "MATCH:" in out.getvalue()

    # The live database moved on: one more provider (and the audit entries of backup and drill).
    ProviderFactory()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("restore_drill", str(dump), "--against-live", "--mismatches-only", stdout=out)
    assert exit_.value.code == 1
    text = out.getvalue()
    assert "MISMATCH" in text
    mismatched = {line.split()[1] for line in text.splitlines() if line.endswith("MISMATCH")}
    assert mismatched == {"registry_provider", "registry_historicalprovider", "registry_auditentry"}

    # Recorded facts edited without the key are refused: they prove nothing.
    manifest = dump.with_name(dump.name + ".json")
    facts = json.loads(manifest.read_text())
    facts["tables"]["registry_provider"] += 1
    facts["totals"]["registry_provider.investment_yuan"] = "1.00"
    manifest.write_text(json.dumps(facts))
    with pytest.raises(BackupError, match="signature"):
        restore_drill(dump)
    # Signed facts that the restored database does not reproduce.
    facts["signature"] = facts_signature(facts)
    manifest.write_text(json.dumps(facts))
    report = restore_drill(dump)
    assert not report.ok
    assert {c.name for c in report.mismatches} == {"registry_provider", "registry_provider.investment_yuan"}

    # A damaged file is refused before anything is restored.
    dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match="SHA-256"):
        restore_drill(dump)
    assert scratch_databases() == []


def test_the_drill_verifies_the_audit_chain_of_the_dump(tmp_path: Path, divisions: object) -> None:
    entries = [audit_record("test.entry", detail=str(i)) for i in range(3)]
    with connection.cursor() as cursor:  # an owner rewrote an entry before the backup was taken
        cursor.execute("ALTER TABLE registry_auditentry DISABLE TRIGGER registry_audit_append_only")
        cursor.execute("UPDATE registry_auditentry SET detail = 'rewritten' WHERE id = %s", [entries[1].pk])
        cursor.execute("ALTER TABLE registry_auditentry ENABLE TRIGGER registry_audit_append_only")

    report = restore_drill(backup_create(tmp_path / "x.dump").path)

    assert [(c.kind, c.restored) for c in report.mismatches] == [("chain", entries[1].pk)]


def test_backup_refuses_a_database_that_is_not_postgresql(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="not PostgreSQL"):
        call_command("backup", output=tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists()


def test_pruning_keeps_the_newest_backups_however_old(tmp_path: Path) -> None:
    now = time.time()
    for age in range(20):  # one dump a day, the last 20 days; each with its facts
        dump = tmp_path / f"carereg-202611{age:02d}-024500.dump"
        dump.write_bytes(b"x")
        dump.with_name(dump.name + ".json").write_text("{}")
        os.utime(dump, (now - age * 86400 - 60, now - age * 86400 - 60))
    (tmp_path / "other.dump").write_bytes(b"not ours")
    os.utime(tmp_path / "other.dump", (now - 90 * 86400, now - 90 * 86400))

    deleted = backups_prune(tmp_path, keep_days=14)

    assert sorted(p.name for p in deleted) == [f"carereg-202611{age:02d}-024500.dump" for age in range(14, 20)]
    assert len(list(tmp_path.glob("carereg-*.dump"))) == 14 == len(list(tmp_path.glob("carereg-*.dump.json")))
    assert (tmp_path / "other.dump").exists()
    # Backups failing for a month: the seven newest, however old, stay.
    assert len(backups_prune(tmp_path, keep_days=-30)) == 7
    assert len(list(tmp_path.glob("carereg-*.dump"))) == 7


def test_a_backup_holds_no_plaintext_id_or_phone_number(tmp_path: Path, divisions: object) -> None:
    """MLPS: personal identifiers must not sit in backups in clear (safeguards/crypto.py)."""
    import datetime
    import subprocess

    from factories import CaregiverFactory, ResidentFactory

    from safeguards.identifiers import make_id_number

    resident_id = make_id_number("150203", datetime.date(1940, 1, 1), 123)
    caregiver_id = make_id_number("150202", datetime.date(1978, 6, 15), 321)
    provider = ProviderFactory()
    resident = ResidentFactory(provider=provider, id_number=resident_id, phone="13912345678")
    CaregiverFactory(provider=provider, id_number=caregiver_id, phone="0472-5123456")
    resident.phone = "13700001111"
    resident.save()  # a history row with each phone

    backup = backup_create(tmp_path / "carereg.dump")
    # The custom format compresses; turn it back into plain SQL to search it.
    sql = subprocess.run(  # noqa: S603 - our own pg_restore and file
        [str(pg_program("pg_restore")), "--file=-", str(backup.path)], capture_output=True, check=True
    ).stdout

    assert b"registry_resident" in sql and len(sql) > 10_000
    for number in (resident_id, caregiver_id, resident_id[:14], "13912345678", "13700001111", "0472-5123456"):
        assert number.encode() not in sql
