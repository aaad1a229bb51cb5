"""Database backups and the restore drill.

``backup_create`` dumps the configured PostgreSQL database with ``pg_dump
--format=custom``. In the same snapshot that pg_dump reads (``pg_export_snapshot`` and
``pg_dump --snapshot``) it counts the rows of every table and sums every decimal column
that a model declares (money: grant lines, instalments, payment items, recoveries,
repayments …; also areas and quantities), and writes those facts next to the dump as
``<dump>.json``. The facts are exactly what the dump holds, however busy the database
was while it ran.

``restore_drill`` proves a dump can be restored: it checks the file's SHA-256, creates a
scratch database, ``pg_restore``s the dump into it, counts and sums the same tables and
columns there, compares them with the facts of the dump (or, with ``against_live``,
with the live database as it is now) and drops the scratch database.

Passwords reach pg_dump and pg_restore through ``PGPASSWORD`` in their environment,
never on a command line, where every user of the machine could read them.
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.utils import timezone
from psycopg import sql
from psycopg.conninfo import make_conninfo

from .audit import audit_record
from .integrity import PRUNE_ACTION, ChainReport, chain_anchor, facts_signature, facts_signed, verify_chain

# Debian's PostgreSQL 15 packages put the programs here (/usr/bin only has wrappers when
# postgresql-client-common is installed); PG_BIN_DIR (setting or environment) overrides.
DEFAULT_PG_BIN_DIR = Path("/usr/lib/postgresql/15/bin")
MANIFEST_SUFFIX = ".json"
SCRATCH_PREFIX = "drill"

# libpq connection keywords that may come from DATABASES[...]["OPTIONS"], and the
# environment variables pg_dump and pg_restore read them from.
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or drill could not be done; the message says why, for an operator."""


# ------------------------------------------------------------------ connection


def pg_program(name: str) -> Path:
    """The PostgreSQL client program ``name`` (pg_dump, pg_restore): from ``PG_BIN_DIR``
    when that is set, else from PATH, else from Debian's PostgreSQL 15 directory."""
    configured = getattr(settings, "PG_BIN_DIR", "") or os.environ.get("PG_BIN_DIR", "")
    candidates = [Path(configured) / name] if configured else []
    found = shutil.which(name)
    if not configured and found:
        candidates.append(Path(found))
    if not configured:
        candidates.append(DEFAULT_PG_BIN_DIR / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    where = f"in PG_BIN_DIR ({configured})" if configured else f"on PATH or in {DEFAULT_PG_BIN_DIR}"
    raise BackupError(f"{name} not found {where}; install postgresql-client-15 or set PG_BIN_DIR.")


def postgres_settings(alias: str = "default") -> dict[str, Any]:
    """The connection settings of database ``alias``, which must be PostgreSQL."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise BackupError(
            f"The {alias!r} database is {connection.vendor}, not PostgreSQL: backups and restore drills "
            "use pg_dump and pg_restore. (The SQLite file of the demo is copied like any other file.)"
        )
    return connection.settings_dict


def libpq_params(settings_dict: dict[str, Any], dbname: str | None = None) -> dict[str, str]:
    """libpq keywords (host, port, user, password, dbname, sslmode …) for a database
    configured as ``settings_dict``, optionally another database on the same server."""
    params = {key: str(value) for key, value in settings_dict.get("OPTIONS", {}).items() if key in _LIBPQ_ENV}
    for key, setting in (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD")):
        if settings_dict.get(setting):
            params[key] = str(settings_dict[setting])
    params["dbname"] = dbname or str(settings_dict["NAME"])
    return params


def libpq_env(params: dict[str, str]) -> dict[str, str]:
    """This process's environment with ``params`` as PG* variables (and no stray ones)."""
    env = {key: value for key, value in os.environ.items() if key not in _LIBPQ_ENV.values()}
    env.update({_LIBPQ_ENV[key]: value for key, value in params.items()})
    return env


def connect(params: dict[str, str], *, autocommit: bool = False) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(make_conninfo(**params), autocommit=autocommit)
    except psycopg.Error as error:
        raise BackupError(f"cannot connect to database {params['dbname']!r}: {error}") from error


def run_program(args: list[str], params: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL client program with the connection in its environment."""
    result = subprocess.run(  # noqa: S603 — absolute program path, arguments built here
        args, env=libpq_env(params), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise BackupError(f"{Path(args[0]).name} failed: {message}")
    return result


# ----------------------------------------------------------------------- facts


@dataclass(frozen=True)
class DatabaseFacts:
    """Row count of every table, and the sum of each decimal column (``table.column``)."""

    tables: dict[str, int]
    totals: dict[str, Decimal | None]

    def as_json(self) -> dict[str, Any]:
        return {
            "tables": self.tables,
            "totals": {name: None if value is None else str(value) for name, value in self.totals.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatabaseFacts:
        return cls(
            tables={name: int(count) for name, count in data["tables"].items()},
            totals={name: None if value is None else Decimal(value) for name, value in data["totals"].items()},
        )

    @property
    def decimal_columns(self) -> list[tuple[str, str]]:
        return [(table, column) for table, _dot, column in (name.rpartition(".") for name in self.totals)]


def decimal_columns() -> list[tuple[str, str]]:
    """(table, column) of every DecimalField of every model with a table of its own:
    money (``registry.models.money_field``), areas, quantities. Historical tables too."""
    columns = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for model_field in meta.local_concrete_fields:
            if isinstance(model_field, models.DecimalField):
                columns.add((meta.db_table, model_field.column))
    return sorted(columns)


def _table_key(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def _only_value(cursor: psycopg.Cursor[Any]) -> Any:
    """The value of a query that returns one row of one column (a count, a function)."""
    row = cursor.fetchone()
    if row is None:
        raise BackupError("the query returned no row")
    return row[0]


def database_facts(conn: psycopg.Connection[Any], columns: Iterable[tuple[str, str]]) -> DatabaseFacts:
    """Count every table and sum ``columns`` in the database (and transaction) of ``conn``."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' "
            "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2"
        )
        names = [(str(schema), str(table)) for schema, table in cursor.fetchall()]
        tables: dict[str, int] = {}
        for schema, table in names:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
            tables[_table_key(schema, table)] = int(_only_value(cursor))
        by_table: dict[str, list[str]] = {}
        for table, column in columns:
            by_table.setdefault(table, []).append(column)
        totals: dict[str, Decimal | None] = {}
        for table, table_columns in sorted(by_table.items()):
            if table not in tables:
                continue  # compare_facts reports the missing table
            sums = sql.SQL(", ").join(sql.SQL("sum({})").format(sql.Identifier(c)) for c in table_columns)
            cursor.execute(sql.SQL("SELECT {} FROM {}").format(sums, sql.Identifier(table)))
            row = cursor.fetchone()
            for column, value in zip(table_columns, row or (), strict=True):
                totals[f"{table}.{column}"] = value
    return DatabaseFacts(tables=tables, totals=totals)


# ---------------------------------------------------------------------- backup


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest_path: Path
    size: int
    sha256: str
    seconds: float
    facts: DatabaseFacts


def backup_dir() -> Path:
    """Where backups go unless told otherwise: ``BACKUP_DIR`` (setting or environment),
    else ``var/backups``."""
    configured = getattr(settings, "BACKUP_DIR", "") or os.environ.get("BACKUP_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "backups"


def backups_in(directory: Path) -> list[Path]:
    """The dumps ``backup_create`` named by default in ``directory``, oldest first."""
    return sorted(directory.glob("carereg-*.dump"), key=lambda path: (path.stat().st_mtime, path.name))


def latest_backup(directory: Path | None = None) -> Path:
    dumps = backups_in(directory or backup_dir())
    if not dumps:
        raise BackupError(f"no backups (carereg-*.dump) in {directory or backup_dir()}")
    return dumps[-1]


def backups_prune(directory: Path, *, keep_days: int, keep_at_least: int = 7) -> list[Path]:
    """Delete dumps (and their facts) older than ``keep_days``, but never the newest
    ``keep_at_least``: when backups have been failing for weeks, the last good ones stay."""
    cutoff = time.time() - keep_days * 86400
    dumps = backups_in(directory)
    doomed = [path for path in dumps[: max(0, len(dumps) - keep_at_least)] if path.stat().st_mtime < cutoff]
    for path in doomed:
        path.unlink()
        manifest_path(path).unlink(missing_ok=True)
    return doomed


def default_backup_path(now: datetime.datetime | None = None) -> Path:
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    return backup_dir() / f"carereg-{stamp}.dump"


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def exported_snapshot(params: dict[str, str]) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """A read-only repeatable-read transaction and the name of its exported snapshot,
    which pg_dump can share (``--snapshot``) while the transaction stays open."""
    with closing(connect(params)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(_only_value(cursor))
        try:
            yield conn, snapshot
        finally:
            conn.rollback()


def _private_file(path: Path) -> None:
    """Create ``path`` empty, readable by its owner only (a dump holds personal data)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def backup_create(output: Path | None = None, *, alias: str = "default") -> Backup:
    """Dump database ``alias`` to ``output`` (custom format) and its facts next to it;
    audited as ``backup.create``. Nothing is left at ``output`` when the dump fails."""
    settings_dict = postgres_settings(alias)
    pg_dump = pg_program("pg_dump")
    path = Path(output) if output else default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(path.name + ".partial")
    params = libpq_params(settings_dict)
    started = time.monotonic()
    try:
        with exported_snapshot(params) as (conn, snapshot):
            facts = database_facts(conn, decimal_columns())
            _private_file(partial)
            run_program(
                [str(pg_dump), "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={partial}"],
                params,
            )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    sha256 = file_sha256(path)
    size = path.stat().st_size
    manifest = manifest_path(path)
    _private_file(manifest)
    content = {
        "database": params["dbname"],
        "created_at": timezone.now().isoformat(),
        "dump": path.name,
        "size": size,
        "sha256": sha256,
        **facts.as_json(),
    }
    content["signature"] = facts_signature(content)
    manifest.write_text(json.dumps(content, indent=1, ensure_ascii=False), encoding="utf-8")
    audit_record(
        "backup.create",
        actor=None,
        actor_name=_os_user(),
        detail=str(path),
        after={"size": size, "sha256": sha256, "tables": len(facts.tables), "rows": sum(facts.tables.values())},
    )
    return Backup(path=path, manifest_path=manifest, size=size, sha256=sha256, seconds=seconds, facts=facts)


def _os_user() -> str:
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no such user in the passwd database (some containers)
        return "os:?"


# ----------------------------------------------------------------------- drill


@dataclass(frozen=True)
class Check:
    kind: str  # "rows" or "sum"
    name: str  # table, or table.column
    expected: int | Decimal | None
    restored: int | Decimal | None
    missing: bool = False  # absent from one side

    @property
    def ok(self) -> bool:
        return not self.missing and self.expected == self.restored


@dataclass
class DrillReport:
    backup: Path
    against: str  # what the restored database was compared with
    scratch_database: str
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def mismatches(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def compare_facts(expected: DatabaseFacts, restored: DatabaseFacts) -> list[Check]:
    checks = []
    for name in sorted(expected.tables.keys() | restored.tables.keys()):
        checks.append(
            Check(
                "rows",
                name,
                expected.tables.get(name),
                restored.tables.get(name),
                missing=name not in expected.tables or name not in restored.tables,
            )
        )
    for name in sorted(expected.totals.keys() | restored.totals.keys()):
        checks.append(
            Check(
                "sum",
                name,
                expected.totals.get(name),
                restored.totals.get(name),
                missing=name not in expected.totals or name not in restored.totals,
            )
        )
    return checks


def read_manifest(dump: Path) -> dict[str, Any] | None:
    path = manifest_path(dump)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def scratch_database_name(live: str, now: datetime.datetime | None = None) -> str:
    stamp = (now or timezone.now()).strftime("%Y%m%d%H%M%S%f")
    return f"{live[:30]}_{SCRATCH_PREFIX}_{stamp}".lower()


def restore_drill(backup: Path, *, against_live: bool = False, alias: str = "default") -> DrillReport:
    """Restore ``backup`` into a scratch database, compare and drop it; audited as
    ``backup.restore_drill``. Compares with the facts recorded when the dump was made,
    or with the live database when there are none or ``against_live`` is set."""
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"no such backup file: {backup}")
    settings_dict = postgres_settings(alias)
    pg_restore = pg_program("pg_restore")
    live = libpq_params(settings_dict)
    manifest = None if against_live else read_manifest(backup)
    if manifest is not None and not facts_signed(manifest):
        raise BackupError(
            f"{manifest_path(backup)} is unsigned or its signature does not verify (edited, or another "
            "INTEGRITY_KEY): the recorded facts cannot be trusted. Use --against-live to compare with the "
            "live database instead."
        )
    if manifest is not None and manifest.get("sha256") and file_sha256(backup) != manifest["sha256"]:
        raise BackupError(f"{backup} does not match the SHA-256 recorded in {manifest_path(backup)}: damaged?")
    scratch = scratch_database_name(live["dbname"])
    report = DrillReport(
        backup=backup,
        against=f"backup facts ({manifest_path(backup).name})" if manifest else f"live database {live['dbname']}",
        scratch_database=scratch,
    )
    started = time.monotonic()
    with closing(connect(live, autocommit=True)) as admin:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch)))
        except psycopg.Error as error:
            raise BackupError(
                f"cannot create the scratch database {scratch}: {error} "
                "(the database role needs CREATEDB; see docs/deploy.md)"
            ) from error
        try:
            run_program(
                [
                    str(pg_restore),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--no-password",
                    f"--dbname={scratch}",
                    str(backup),
                ],
                live,
            )
            if manifest is not None:
                expected = DatabaseFacts.from_json(manifest)
            else:
                with closing(connect(live)) as conn:
                    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                    expected = database_facts(conn, decimal_columns())
            with closing(connect({**live, "dbname": scratch})) as conn:
                restored = database_facts(conn, expected.decimal_columns)
                chain = audit_chain_report(conn)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    report.checks = compare_facts(expected, restored)
    # The audit log of the dump verifies on its own: 0 is "intact", otherwise the first
    # entry that was changed or follows a removed one.
    report.checks.append(Check("chain", "registry_auditentry.chain_hash", 0, chain.first_break or 0))
    report.seconds = time.monotonic() - started
    audit_record(
        "backup.restore_drill",
        actor=None,
        actor_name=_os_user(),
        detail=f"{backup}: {'match' if report.ok else 'MISMATCH'} ({report.against})",
        after={"checks": len(report.checks), "mismatches": [check.name for check in report.mismatches]},
    )
    return report


CHAIN_ROWS_SQL = (
    "SELECT id, at, action, actor_id, actor_name, host(ip), object_type, object_id, object_repr, "
    "before::text, after::text, detail, chain_hash FROM registry_auditentry ORDER BY id"
)


def audit_chain_report(conn: psycopg.Connection[Any]) -> ChainReport:
    """Verify the audit log's hash chain in a database reached by ``conn`` (the restored
    dump), exactly as ``audit.verify_audit_log`` does in the live one."""
    latest_prune = conn.execute(
        "SELECT after::text FROM registry_auditentry WHERE action = %s ORDER BY id DESC LIMIT 1", [PRUNE_ACTION]
    ).fetchone()
    anchor = chain_anchor(json.loads(latest_prune[0]) if latest_prune and latest_prune[0] else None)

    def rows() -> Iterator[tuple[Any, ...]]:
        with conn.cursor(name="audit_chain") as cursor:
            cursor.itersize = 2000
            cursor.execute(CHAIN_ROWS_SQL)
            for row in cursor:
                values = list(row)
                values[9] = json.loads(values[9]) if values[9] is not None else None
                values[10] = json.loads(values[10]) if values[10] is not None else None
                yield tuple(values)

    return verify_chain(rows(), anchor=anchor)


def _show(value: int | Decimal | None, missing: bool) -> str:
    return "(missing)" if missing and value is None else "—" if value is None else str(value)


def format_drill_report(report: DrillReport, *, verbose: bool = True) -> str:
    """The comparison as a table (every check, or only mismatches) and a verdict line."""
    shown = report.checks if verbose else report.mismatches
    rows = [("check", "table / column", "expected", "restored", "")]
    for check in shown:
        rows.append(
            (
                check.kind,
                check.name,
                _show(check.expected, check.missing),
                _show(check.restored, check.missing),
                "ok" if check.ok else "MISMATCH",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"restore drill of {report.backup}", f"compared with {report.against}"]
    if len(rows) > 1:
        lines += [
            "  ".join(
                cell.rjust(widths[i]) if i in (2, 3) else cell.ljust(widths[i]) for i, cell in enumerate(row)
            ).rstrip()
            for row in rows
        ]
    tables = sum(1 for check in report.checks if check.kind == "rows")
    sums = sum(1 for check in report.checks if check.kind == "sum")
    if report.ok:
        lines.append(
            f"MATCH: {tables} table row counts and {sums} column sums are equal, and the audit log's hash chain "
            f"verifies ({report.seconds:.1f} s)."
        )
    else:
        lines.append(
            f"MISMATCH: {len(report.mismatches)} of {len(report.checks)} checks differ ({report.seconds:.1f} s)."
        )
    return "\n".join(lines)
