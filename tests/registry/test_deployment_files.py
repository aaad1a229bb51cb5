"""Exactly one beat in every documented deployment: two would enqueue every periodic task
twice (harmless for idempotent tasks, but doubled work and doubled mail attempts)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def exec_start(unit: Path) -> str:
    """The ExecStart command of a systemd unit, continuation lines joined."""
    text = unit.read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE)
    return match.group(1) if match else ""


def runs_beat(command: str) -> bool:
    return bool(re.search(r"celery .*\bbeat\b|\s--beat\b|\s-B\b", command))


def test_the_production_units_run_exactly_one_beat_and_the_worker_none():
    commands = {unit.name: exec_start(unit) for unit in (ROOT / "deploy" / "systemd").glob("*.service")}

    beats = sorted(name for name, command in commands.items() if runs_beat(command))

    assert beats == ["carereg-beat.service"]
    assert "DatabaseScheduler" in commands["carereg-beat.service"]
    assert "worker" in commands["carereg-worker.service"]


def test_make_run_starts_one_worker_with_its_embedded_beat():
    script = (ROOT / "scripts" / "run_dev.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    celery_lines = [line for line in script.splitlines() if "celery" in line and not line.lstrip().startswith("#")]

    assert len(celery_lines) == 1 and runs_beat(celery_lines[0])


def test_only_the_audit_retention_unit_connects_as_the_database_owner():
    """The services connect as the application role, which may only add to the audit log;
    migrations and pruning run as the owner (issue 22)."""
    units = {unit.name: unit.read_text(encoding="utf-8") for unit in (ROOT / "deploy" / "systemd").glob("*.service")}

    as_owner = sorted(name for name, text in units.items() if "database_owner_url" in text)

    assert as_owner == ["carereg-prune-audit.service"]
    assert "prune_audit" in exec_start(ROOT / "deploy" / "systemd" / "carereg-prune-audit.service")
    assert "User=carereg-owner" in units["carereg-prune-audit.service"]
    assert all("User=carereg\n" in units[name] for name in ("carereg-web.service", "carereg-worker.service"))
