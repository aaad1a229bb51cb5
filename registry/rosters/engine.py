"""Validate a whole roster, preview what would change, apply exactly that — or nothing.

Every row is checked (cells, references inside the user's jurisdiction, model rules,
duplicates inside the file) and *all* errors are reported as (row, column, message);
if any row is invalid nothing is saved. The preview's ``digest`` fingerprints the plan:
the confirmed import re-validates the file and refuses if the plan changed meanwhile.

Rows are checked and written ``CHUNK_ROWS`` at a time, as the file is read, so the memory
an import needs does not grow with the file (issue 8): only the keys seen so far (for
duplicates), the errors and a sample of the plan are kept.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import hashlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from safeguards.audit import audit_record
from safeguards.crypto import id_number_hashes_cached

from ..bulk import create_with_history
from ..models import User
from ..public_cache import public_rows_written
from .cells import without_column_name
from .formats import CellChecks, StreamedTable, Table, header_key
from .kinds import Column, RosterKind, RowContext, resolve_references

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
FIRST_DATA_ROW = 2  # rows made by hand: the header is row 1, as in a spreadsheet
HEADER_ROW = 1
# A serial-number column (序号) is how a Chinese table starts: a known header, never read.
SERIAL_HEADERS = ("序号", "编号", "No.")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class RosterRejected(ValidationError):
    """The roster has errors and nothing was saved; ``row_errors`` lists every one."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("The roster has errors; nothing was saved."))
        self.row_errors = errors


@dataclass
class RowPlan:
    row: int
    action: str
    values: dict[str, Any]
    instance: Any = None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Plan:
    """What importing a table would do: counts, every error, and a fingerprint of the rows.

    The rows themselves are not kept (a roster of 100,000 rows would hold them all in
    memory): only the first ``SAMPLE_ROWS`` planned rows and the first ``PREVIEW_CHANGES``
    changed ones, for previews. Importing reads the table again (``import_roster``).
    """

    kind: RosterKind
    rows: list[RowPlan] = field(default_factory=list)  # the first SAMPLE_ROWS planned rows
    changed: list[RowPlan] = field(default_factory=list)  # the first PREVIEW_CHANGES changed rows
    # The first PREVIEW_SAMPLE_ROWS new and unchanged rows, shown as they would be saved.
    samples: dict[str, list[RowPlan]] = field(default_factory=lambda: {NEW: [], UNCHANGED: []})
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys((NEW, CHANGED, UNCHANGED), 0))
    digest: str = ""
    table: Table | None = None  # the table validated, when it can be read again (a list)
    header_row: int = HEADER_ROW  # the spreadsheet row the header was found on
    # What the choice aliases were read as: (column, alias, Chinese label) → rows.
    readings: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    @property
    def valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return self.counts[action]


def _row_summary(row: RowPlan) -> bytes:
    """One line of the plan's fingerprint: the row, its action and its changes or values."""
    detail: list[Any]
    if row.action == CHANGED:
        detail = sorted(row.changes.items())
    else:
        detail = sorted((name, str(value)) for name, value in row.values.items())
    return repr((row.row, row.action, detail)).encode() + b"\n"


def known_headers(kind: RosterKind) -> Collection[str]:
    """The headers a roster of this kind may have: what finds its header row among the
    rows a table starts with (``formats.stream_table``'s ``headers``)."""
    return [*(c.header for c in kind.columns), *(c.alias for c in kind.columns), *SERIAL_HEADERS]


def _map_headers(kind: RosterKind, header: list[str]) -> tuple[dict[int, Column], list[RowError]]:
    """Column index → the roster's column, by the header's text (Chinese or English, as
    ``header_key`` compares them); other columns (序号, notes) are not read."""
    by_name = {header_key(c.header): c for c in kind.columns} | {header_key(c.alias): c for c in kind.columns}
    mapping: dict[int, Column] = {}
    for index, name in enumerate(header):
        column = by_name.get(header_key(name))
        if column is not None and column not in mapping.values():
            mapping[index] = column
    missing = [c.header for c in kind.columns if c.required and c not in mapping.values()]
    row = getattr(header, "number", HEADER_ROW)
    errors = [RowError(row, header_name, _("This required column is missing.")) for header_name in missing]
    return mapping, errors


def _context(kind: RosterKind, user: User | None) -> RowContext:
    """What the kind looks up once per file (``user`` None, from the command line without
    ``--user``: the whole database)."""
    context = RowContext()
    kind.load(context, user)
    return context


def _parse_row(
    number: int,
    cells: list[str],
    mapping: dict[int, Column],
    readings: Counter[tuple[str, str, str]] | None = None,
) -> tuple[dict[str, Any], list[RowError]]:
    """The row's values by field, and its cells' errors; what its choice aliases were read
    as is counted in ``readings``."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for index, column in mapping.items():
        raw = cells[index].strip()
        if not raw:
            if column.required:
                errors.append(RowError(number, column.header, _("This cell is required.")))
            else:
                values[column.field] = None
            continue
        try:
            values[column.field] = column.parse(raw)
        except ValidationError as error:
            errors.append(RowError(number, column.header, " ".join(map(without_column_name, error.messages))))
            continue
        except ValueError as error:
            errors.append(RowError(number, column.header, without_column_name(str(error))))
            continue
        read_as = getattr(column.parse, "readings", None)
        if read_as is not None and readings is not None:
            for alias, label in read_as(raw):
                readings[column.header, alias, label] += 1
    return values, errors


def _existing(kind: RosterKind, parsed: list[tuple[int, dict[str, Any]]]) -> dict[tuple[Any, ...], Any]:
    """Existing rows for every key in the file, in one query."""
    model = kind.model
    first = kind.key[0]
    keys = {values[first] for _n, values in parsed if values.get(first)}
    objects = model._default_manager.filter(**{f"{first}__in": keys})
    objects = objects.select_related(*kind.related)
    return {tuple(_key_part(getattr(o, k)) for k in kind.key): o for o in objects}


def _key_part(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return str(value)


def _diff(kind: RosterKind, instance: Any, values: dict[str, Any]) -> dict[str, tuple[str, str]]:
    changes = {}
    empty_values = _empty_values(kind)
    for name, new in values.items():
        if name in kind.create_only:
            continue
        old = getattr(instance, name)
        if new is None and name in empty_values:
            new = empty_values[name]()
        if isinstance(old, list) and isinstance(new, list):
            old, new = sorted(old), sorted(new)
        if _key_part(old) != _key_part(new):
            changes[name] = (_display(old), _display(new))
    return changes


@functools.cache
def _resolved_relations(kind: RosterKind) -> frozenset[str]:
    """Foreign keys the row checks already resolved to objects in the user's scope
    (provider, division, regime): ``full_clean`` need not query each one again."""
    return frozenset(column.field for column in kind.columns if kind.model._meta.get_field(column.field).is_relation)


@functools.cache
def _checked_by_parsers(kind: RosterKind) -> frozenset[str]:
    """Fields whose cell parser applies every rule of the model field (a valid ID number,
    a known choice, text within the field's length, a date): ``full_clean`` need not apply
    them again to a non-empty cell. That is most of the time of checking a big roster."""
    checked = set()
    for column in kind.columns:
        checks: CellChecks | None = getattr(column.parse, "cell_checks", None)
        field: Any = kind.model._meta.get_field(column.field)
        if checks is None or field.is_relation:
            continue
        if field.choices and (checks.choices is None or not checks.choices <= {v for v, _l in field.flatchoices}):
            continue
        if all(_validator_applied(validator, checks) for validator in field.validators):
            checked.add(column.field)
    return frozenset(checked)


def _validator_applied(validator: Any, checks: CellChecks) -> bool:
    if isinstance(validator, MaxLengthValidator):
        return checks.max_length is not None and checks.max_length <= validator.limit_value
    return validator in checks.validators


def _model_errors(kind: RosterKind, number: int, instance: Any, values: dict[str, Any]) -> list[RowError]:
    headers = {c.field: c.header for c in kind.columns}
    exclude = _resolved_relations(kind) | {f for f in _checked_by_parsers(kind) if values.get(f) not in _EMPTY}
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            RowError(number, headers.get(name, name), " ".join(map(without_column_name, messages)))
            for name, messages in error.message_dict.items()
        ]
    if kind.check is not None:
        return [RowError(number, headers.get(name, name), message) for name, message in kind.check(instance).items()]
    return []


_EMPTY: tuple[Any, ...] = (None, "", [])


@functools.cache
def _empty_values(kind: RosterKind) -> dict[str, Callable[[], Any]]:
    """What an empty cell stores in a field that cannot be null: "" in a text field, else
    the field's default (no beds: 0; no categories: []), made afresh for each row."""
    empty: dict[str, Callable[[], Any]] = {}
    for column in kind.columns:
        model_field: Any = kind.model._meta.get_field(column.field)
        if model_field.null or model_field.is_relation:
            continue
        if model_field.get_internal_type() in {"CharField", "TextField"}:
            empty[column.field] = str
        elif model_field.has_default():
            empty[column.field] = model_field.get_default
    return empty


def _prepare_instance(kind: RosterKind, existing: Any, values: dict[str, Any], user: User | None) -> Any:
    instance: Any = existing or kind.model()
    if existing is None and kind.prepare is not None:
        kind.prepare(instance, user)
    empty_values = _empty_values(kind)
    for name, value in values.items():
        if existing is not None and name in kind.create_only:
            continue
        if name in kind.set_by_hooks:
            continue
        if value is None and name in empty_values:
            value = empty_values[name]()
        setattr(instance, name, value)
    if kind.complete is not None:
        kind.complete(instance)
    return instance


def _in_scope(kind: RosterKind, current: Any, user: User | None, context: RowContext) -> bool:
    return user is None or kind.in_scope(current, user, context)


CHUNK_ROWS = 2000  # rows checked (and written) together: one query for their existing records
SAMPLE_ROWS = 1000
PREVIEW_CHANGES = 500
PREVIEW_SAMPLE_ROWS = 10  # new and unchanged rows the preview shows of each


def _numbered_chunks(body: Iterable[list[str]]) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for offset, cells in enumerate(body):
        # A file's rows carry their spreadsheet row number (formats.Row); rows made by hand
        # are numbered as if the header were row 1 and no row were blank.
        chunk.append((getattr(cells, "number", FIRST_DATA_ROW + offset), cells))
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _FirstRows:
    """The first row of every key met so far in the file, by the key's 64-bit hash, in an
    in-memory SQLite table: about 20 bytes a row where a dict of the keys takes 120 — what
    lets a 100,000-row roster find its duplicates without memory growing with the file.
    Two keys with the same hash (odds of 1 in 10^9 for 100,000 rows) would report a
    duplicate that is not one, and so save nothing: never a wrong save."""

    BATCH = 500  # parameters per SQLite statement

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE TABLE seen (key INTEGER PRIMARY KEY, row INTEGER NOT NULL)")

    def earlier(self, hashes: list[int]) -> dict[int, int]:
        """The first rows of those of ``hashes`` met before."""
        found: dict[int, int] = {}
        unique = list(set(hashes))
        for start in range(0, len(unique), self.BATCH):
            part = unique[start : start + self.BATCH]
            placeholders = ", ".join("?" * len(part))
            found.update(self._db.execute(f"SELECT key, row FROM seen WHERE key IN ({placeholders})", part))  # noqa: S608
        return found

    def add(self, first_rows: dict[int, int]) -> None:
        self._db.executemany("INSERT INTO seen (key, row) VALUES (?, ?)", first_rows.items())

    def close(self) -> None:
        self._db.close()


@dataclass
class _Checking:
    """What checking one table carries from chunk to chunk."""

    kind: RosterKind
    plan: Plan
    user: User | None
    mapping: dict[int, Column]
    context: RowContext
    first_rows: _FirstRows
    fingerprint: Any  # hashlib's sha256


def _planned_chunks(
    kind: RosterKind,
    table: Table | StreamedTable,
    plan: Plan,
    *,
    user: User | None,
    progress: Callable[[int], None] | None,
) -> Iterator[list[RowPlan]]:
    """Check the table a chunk at a time, yielding each chunk's valid rows; errors, counts,
    samples and the fingerprint accumulate in ``plan`` (the digest is set at the end)."""
    header, body = table
    fingerprint = hashlib.sha256()
    plan.digest = fingerprint.hexdigest()
    plan.header_row = getattr(header, "number", HEADER_ROW)
    mapping, header_errors = _map_headers(kind, header)
    if header_errors:
        plan.errors = header_errors
        return
    with contextlib.closing(_FirstRows()) as first_rows:
        checking = _Checking(kind, plan, user, mapping, _context(kind, user), first_rows, fingerprint)
        done = 0
        for chunk in _numbered_chunks(body):
            yield _checked_chunk(checking, chunk)
            done += len(chunk)
            if progress is not None:
                progress(done)
    plan.digest = fingerprint.hexdigest()
    plan.errors.sort(key=lambda e: (e.row, e.column))


def _checked_chunk(checking: _Checking, chunk: list[tuple[int, list[str]]]) -> list[RowPlan]:
    """The valid rows of one chunk, planned; their errors go to the plan."""
    kind, plan, user, context = checking.kind, checking.plan, checking.user, checking.context
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, cells in chunk:
        values, errors = _parse_row(number, cells, checking.mapping, plan.readings)
        for column_header, message in resolve_references(kind, values, context).items():
            errors.append(RowError(number, column_header, message))
        plan.errors += errors
        if not errors:
            parsed.append((number, values))
    existing = _existing(kind, parsed)
    keys = [tuple(_key_part(values.get(k)) for k in kind.key) for _number, values in parsed]
    hashes = [hash(key) for key in keys]
    earlier = checking.first_rows.earlier(hashes)
    first_here: dict[int, int] = {}
    key_headers = "、".join(kind.column(k).header for k in kind.key)
    rows: list[RowPlan] = []
    for (number, values), key, key_hash in zip(parsed, keys, hashes, strict=True):
        first = earlier.get(key_hash) or first_here.setdefault(key_hash, number)
        if first != number:
            plan.errors.append(RowError(number, key_headers, _("Same as row %(row)d.") % {"row": first}))
            continue
        current = existing.get(key)
        if current is not None and not _in_scope(kind, current, user, context):
            plan.errors.append(RowError(number, key_headers, _("This record belongs outside your jurisdiction.")))
            continue
        changes = _diff(kind, current, values) if current is not None else {}
        instance = _prepare_instance(kind, current, values, user)
        errors = _model_errors(kind, number, instance, values)
        if errors:
            plan.errors += errors
            continue
        if kind.admit is not None and (refused := kind.admit(values, current is None, context)):
            plan.errors += [RowError(number, kind.column(name).header, message) for name, message in refused.items()]
            continue
        action = NEW if current is None else (CHANGED if changes else UNCHANGED)
        row = RowPlan(number, action, values, instance, changes)
        rows.append(row)
        plan.counts[action] += 1
        checking.fingerprint.update(_row_summary(row))
        if len(plan.rows) < SAMPLE_ROWS:
            plan.rows.append(row)
        if changes and len(plan.changed) < PREVIEW_CHANGES:
            plan.changed.append(row)
        sample = plan.samples.get(action)
        if sample is not None and len(sample) < PREVIEW_SAMPLE_ROWS:
            sample.append(row)
    checking.first_rows.add(first_here)
    return rows


@contextlib.contextmanager
def _checking_many_rows() -> Iterator[None]:
    """While a table is checked: the cyclic garbage collector's full passes are kept off
    the objects that existed before (a Django process has hundreds of thousands; every row
    allocates dozens of objects, which triggers those passes again and again — a tenth of
    the time of checking 100,000 rows in the bench); objects made meanwhile are collected
    as usual; and each ID number is hashed once (``id_number_hashes_cached``)."""
    gc.freeze()
    try:
        with id_number_hashes_cached():
            yield
    finally:
        gc.unfreeze()


def validate_roster(
    kind: RosterKind, table: Table | StreamedTable, *, user: User | None, progress: Callable[[int], None] | None = None
) -> Plan:
    """Check every row and work out, for each, whether it is new, changed or unchanged.

    ``progress`` (if given) is called with the number of rows checked so far.
    """
    plan = Plan(kind, table=(table[0], table[1]) if isinstance(table[1], list) else None)
    with _checking_many_rows():
        for _rows in _planned_chunks(kind, table, plan, user=user, progress=progress):
            pass
    return plan


@transaction.atomic
def import_roster(
    kind: RosterKind,
    table: Table | StreamedTable,
    *,
    user: User | None,
    expected_digest: str | None = None,
    source: Any = None,
    filename: str = "",
) -> dict[str, int]:
    """Check the table and save it a chunk at a time, in one transaction: all rows or none.

    Refuses (saving nothing) when any row has an error, or when the rows would not be
    saved as ``expected_digest`` (the preview's fingerprint) says: the data changed since.
    Writes one ``roster.import`` audit entry, whoever imports (the back-office's upload,
    given as ``source``, or the command line), naming ``filename``.
    """
    plan = Plan(kind)
    created: list[Any] = []  # for the kind's after_apply, which must see every new row at once
    with _checking_many_rows():
        for rows in _planned_chunks(kind, table, plan, user=user, progress=None):
            if plan.valid:  # after the first error, only check: the transaction will be undone
                new = _save_rows(kind, rows, user)
                if kind.after_apply is not None:
                    created += new
    if not plan.valid:  # raising undoes the transaction: nothing is saved
        raise RosterRejected(plan.errors)
    if expected_digest is not None and expected_digest != plan.digest:
        raise ValidationError(_("The data changed since the preview; preview the file again."))
    if kind.after_apply is not None:
        kind.after_apply(created, user)
    audit_record(
        "roster.import",
        actor=user,
        actor_name="" if user else "import_roster",  # no user: the command line without --user
        obj=source,
        after={"kind": kind.name, **plan.counts},
        detail=filename,
    )
    return plan.counts


def apply_roster(plan: Plan, *, user: User | None, expected_digest: str | None = None) -> dict[str, int]:
    """Save exactly the validated plan, all rows or none: the table is checked again, and
    refused if it would no longer be saved as validated."""
    if not plan.valid:
        raise ValidationError(_("The roster has errors; nothing was saved."))
    if expected_digest is not None and expected_digest != plan.digest:
        raise ValidationError(_("The data changed since the preview; preview the file again."))
    if plan.table is None:
        raise TypeError("This plan was made from a stream: import the file again with import_roster.")
    return import_roster(plan.kind, plan.table, user=user, expected_digest=plan.digest)


IMPORT_REASON = "名册导入"


def _save_rows(kind: RosterKind, rows: list[RowPlan], user: User | None) -> list[Any]:
    """Save one chunk's new and changed rows; returns the new ones."""
    new = [r.instance for r in rows if r.action == NEW]
    changed = [r for r in rows if r.action == CHANGED]
    create_with_history(kind.model, new, user=user, reason=IMPORT_REASON)
    if changed:
        # bulk_update skips auto_now: stamp it, so "changed after" feeds and sitemaps see the change.
        stamped = [f.name for f in kind.model._meta.concrete_fields if getattr(f, "auto_now", False)]
        now = timezone.now()
        for r in changed:
            for name in stamped:
                setattr(r.instance, name, now)
        names = {name for r in changed for name in r.changes}
        derived = {to for source, to in kind.derived if source in names}
        fields = sorted(names | derived | set(stamped))
        bulk_update_with_history(
            [r.instance for r in changed],
            kind.model,
            fields,
            batch_size=1000,
            default_user=user,
            default_change_reason=IMPORT_REASON,
        )
    if new or changed:  # written in bulk, without signals
        public_rows_written(kind.model)
    if kind.saved is not None:
        kind.saved([(r.instance, r.values) for r in rows if r.action == NEW], user)
    if kind.changed is not None and changed:
        kind.changed([(r.instance, r.values) for r in changed], user)
    return new
