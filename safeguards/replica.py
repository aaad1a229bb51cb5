"""Reads from a streaming replica: public pages, open data and exports (docs/deploy.md,
"Growing past one machine").

With ``DATABASE_REPLICA_URL`` set, the settings add the database alias ``replica`` and
install ``ReplicaRouter``; without it nothing here changes where a query goes.

- **What reads the replica.** The pages named in ``REPLICA_READ_VIEWS`` (the public
  directory, the open data, the public inspection, subsidy and concern statistics pages),
  asked for with GET or HEAD: ``ReplicaReadsMiddleware`` marks such a request when its URL
  resolves. And the rows of every export (``export_reads`` and ``read_via``, called by
  ``registry.exports``), when the request that asks for it has written nothing. Everything
  else (the back office, the portal, a citizen's own concern, commands, Celery tasks) reads
  the primary. One list in the settings rather than a decorator on each view: what may be
  served a few seconds old is decided in one place, the views stay as they are, and a page
  nobody listed reads the primary.
- **What never does.** Writes (``db_for_write`` is always the primary) and migrations
  (``allow_migrate``). Reads inside a transaction on the primary, and every read of a
  request after it wrote (read your own writes). Sessions, accounts, sign-in lockouts,
  second factors and the platform's records (``PRIMARY_ONLY_APPS``, the user model): a
  sign-in on one web instance must be valid on the next request to another at once.
- **Lag and outages.** Whether the replica is usable is checked at most once a second per
  process (``CHECK_INTERVAL``), not per query: it is not when it is unreachable or more than
  ``REPLICA_MAX_LAG_SECONDS`` behind. Then reads go to the primary until a later check finds
  it caught up; each switch is logged. A public page whose query fails on the replica in
  between is served again, once, from the primary.
- **Objects from both.** A row read from the replica may be related to one read from or
  written to the primary (``allow_relation``): an export records its ``DataExport`` and
  audit entry on the primary while its rows come from the replica.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = DEFAULT_DB_ALIAS
# Seconds between two checks of the replica's lag in one process.
CHECK_INTERVAL = 1.0
# Read on the primary whatever the page: what a sign-in, a lockout or a second factor
# wrote on one web instance must hold on the next request, served by another.
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "admin", "axes", "otp_totp", "otp_static", "django_celery_beat", "safeguards"}
)
SAFE_METHODS = frozenset({"GET", "HEAD"})

T = TypeVar("T")


@dataclass
class ReadScope:
    """Where the reads of one request (or one export's rows) may go."""

    replica: bool = False  # reads may go to the replica
    wrote: bool = False  # something was written since: reads stay on the primary
    view: tuple[Callable[..., HttpResponseBase], tuple[Any, ...], dict[str, Any]] | None = None


_scope: ContextVar[ReadScope | None] = ContextVar("replica_read_scope", default=None)


@dataclass
class _Health:
    checked_at: float = -math.inf
    usable: bool | None = None  # None: not checked yet
    lock: threading.Lock = field(default_factory=threading.Lock)


_health = _Health()


def lag_seconds(*, in_recovery: bool, caught_up: bool, receiving: bool, since_replay: float | None) -> float:
    """How far the replica is behind, from what it says about itself.

    ``since_replay`` (now minus the time of the last transaction replayed) grows on an idle
    primary too, with nothing to replay: a replica whose WAL receiver runs and has replayed
    all it received is not behind. A server not in recovery is no standby (in the
    tests, the primary itself): not behind either. A standby that never replayed a
    transaction and is not caught up is behind by an unknown time: infinitely."""
    if not in_recovery or (receiving and caught_up):
        return 0.0
    return math.inf if since_replay is None else max(0.0, since_replay)


def replica_lag_seconds(connection: BaseDatabaseWrapper) -> float:
    """The lag of the server behind ``connection`` (PostgreSQL), in seconds. Whether the
    replica streams is whether its WAL receiver runs: the application's role may see that
    it does (a row), not its status (a column only ``pg_read_all_stats`` may read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(),"
            " pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),"
            " EXISTS (SELECT 1 FROM pg_stat_wal_receiver),"
            " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float"
        )
        in_recovery, caught_up, receiving, since_replay = cursor.fetchone()
    return lag_seconds(in_recovery=in_recovery, caught_up=caught_up, receiving=receiving, since_replay=since_replay)


def _check() -> tuple[bool, str]:
    connection = connections[REPLICA]
    try:
        lag = replica_lag_seconds(connection)
    except Error as error:
        connection.close()  # the next check connects afresh
        return False, f"unreachable ({type(error).__name__}: {' '.join(str(error).split())[:200]})"
    limit = float(settings.REPLICA_MAX_LAG_SECONDS)
    if lag > limit:
        return False, f"{lag:.1f} s behind the primary (more than REPLICA_MAX_LAG_SECONDS, {limit:g} s)"
    return True, f"{lag:.1f} s behind the primary"


def replica_usable(*, force: bool = False) -> bool:
    """Whether reads may go to the replica: its last check, made again when it is older
    than ``CHECK_INTERVAL`` (or ``force``). Other threads use the last answer meanwhile."""
    now = monotonic()
    with _health.lock:
        if not force and now - _health.checked_at < CHECK_INTERVAL:
            return bool(_health.usable)
        _health.checked_at = now
    usable, reason = _check()
    with _health.lock:
        if usable and _health.usable is None:
            logger.info("database replica usable (%s): public reads go to the replica", reason)
        elif usable and _health.usable is False:
            logger.info("database replica usable again (%s): public reads go to the replica", reason)
        elif not usable and _health.usable is not False:
            logger.warning("database replica not usable, %s: reads go to the primary", reason)
        _health.usable = usable
    return usable


def routing_on() -> bool:
    """Whether ``ReplicaRouter`` is installed (``DATABASE_REPLICA_URL`` set)."""
    return any(isinstance(each, ReplicaRouter) for each in router.routers)


def may_read_replica() -> bool:
    """Whether the reads of this request (or export) may be going to the replica: what it
    computes may then be up to ``REPLICA_MAX_LAG_SECONDS`` old (the public cache does not
    keep such a page just after a change, registry/public_cache.py)."""
    scope = _scope.get()
    return scope is not None and scope.replica and not scope.wrote and routing_on()


def _primary_only(model: type[Model]) -> bool:
    return model._meta.app_label in PRIMARY_ONLY_APPS or model._meta.label == settings.AUTH_USER_MODEL


class ReplicaRouter:
    """Sends a read to the replica when the scope allows it and the replica is usable."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        scope = _scope.get()
        if (
            scope is None
            or not scope.replica
            or scope.wrote
            or _primary_only(model)
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return REPLICA if replica_usable() else PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        scope = _scope.get()
        if scope is not None and not _primary_only(model):
            scope.wrote = True  # read your own writes: the replica may not have them yet
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Gives each request its read scope; a GET or HEAD of a view named in
    ``REPLICA_READ_VIEWS`` may read the replica. Such a page whose database query fails is
    served again from the primary, once, unless it wrote something first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _scope.set(ReadScope())
        try:
            return self.get_response(request)
        finally:
            _scope.reset(token)

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponseBase], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        scope = _scope.get()
        match = request.resolver_match
        if (
            scope is not None
            and match is not None
            and request.method in SAFE_METHODS
            and match.view_name in settings.REPLICA_READ_VIEWS
            and routing_on()
        ):
            scope.replica = True
            scope.view = (view, args, kwargs)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        scope = _scope.get()
        if scope is None or scope.view is None or not scope.replica or scope.wrote or not isinstance(exception, Error):
            return None
        replica_usable(force=True)  # a replica that went away is noted for the next requests
        scope.replica = False
        view, args, kwargs = scope.view
        logger.warning("%s failed reading the replica (%s): served from the primary", request.path, exception)
        return view(request, *args, **kwargs)


@contextmanager
def reads_in(scope: ReadScope) -> Iterator[None]:
    """Route the reads inside the block by ``scope``."""
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def export_reads() -> ReadScope | None:
    """Where the rows of an export asked for now may be read: a scope of their own on the
    replica when the request has written nothing and no transaction is open; None (read
    where the caller reads) in a command, a task or after a write. Decide before the
    export's own record is written: that write does not change what the rows are."""
    scope = _scope.get()
    if scope is None or scope.wrote or not routing_on() or connections[PRIMARY].in_atomic_block:
        return None
    return ReadScope(replica=True)


def read_via(scope: ReadScope | None, make_rows: Callable[[], Iterable[T]]) -> Iterator[T]:
    """The rows ``make_rows`` gives, each read inside ``scope`` (as the file streams, after
    the view has returned); with no scope, read as the caller would."""
    if scope is None:
        yield from make_rows()
        return
    with reads_in(scope):
        rows = iter(make_rows())
    while True:
        with reads_in(scope):
            try:
                row = next(rows)
            except StopIteration:
                return
        yield row
