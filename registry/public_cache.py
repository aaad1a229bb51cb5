"""The public pages and the open data, cached in the shared cache (Redis) (issue 20).

**What is cached.** A view decorated with ``cached_public_page`` keeps its answer for
``PUBLIC_CACHE_SECONDS`` (0: nothing is read from or written to the cache) when the request
is an anonymous GET or HEAD and the answer is a 200 that no one client owns: no cookie, no
``Cache-Control: private``/``no-store``/``no-cache`` (``never_cache``), no ``Vary: Cookie``,
no CSRF token used while rendering it (``get_token`` marks ``CSRF_COOKIE_NEEDS_UPDATE``), no
session written. Only what the view returned is kept; the middleware adds its headers
(security, CSP, language) to every answer, cached or not. ``cached_public_value`` keeps a
value the same way (the HSDS package, whose download is still recorded each time).

**The key** is a hash of the data version, the day, the code release, the language, the
scheme and host (absolute links), the path and the query string with its parameters in
order of name (two orders of the same filters share a key).

**The data version** is one counter in the cache. Every change to what a public page or
the open data shows bumps it when its transaction commits (``public_data_changed``): the
models that apps register (``register_public_models``, from their ``ready()``) through
their signals, and the services that write in bulk (``QuerySet.update``, ``COPY``) by
calling ``public_data_changed`` themselves. A page cached under an older version is never
read again, so a change is visible on the next request. A missing counter (first use, a
Redis flush) starts again from the clock in microseconds, above any version used before.

**Read your own writes.** A request inside a transaction that has changed public data and
not yet committed neither reads nor fills the cache: it would read pages from before its
own change, or store rows no one else may see yet.

**A streaming replica.** A page read from the replica (safeguards/replica.py) less than
``REPLICA_MAX_LAG_SECONDS`` after the version last moved is answered but not kept: the
replica may not have that change yet.

**Outage.** Any error of the cache (Redis down or slow) is caught: the page is computed
from the database. One warning per ``WARN_EVERY_SECONDS`` and process, and the cache is
not tried again for ``RETRY_SECONDS``. A bump that failed is made at the next successful
contact with the cache; until then a page cached before the outage lives at most
``PUBLIC_CACHE_SECONDS``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

import django
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import cc_delim_re, get_max_age
from django.utils.http import urlencode
from django.utils.translation import get_language

from safeguards.replica import may_read_replica

logger = logging.getLogger(__name__)

T = TypeVar("T")
View = Callable[..., HttpResponseBase]

VERSION_KEY = "public-cache:data-version"
BUMPED_AT_KEY = "public-cache:bumped-at"  # when the version last moved (time.time())
RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0
HIT_HEADER = "X-Public-Cache"  # HIT or MISS, for the load test and the server's log
PRIVATE_DIRECTIVES = frozenset({"private", "no-cache", "no-store"})
# The project's own code and texts: a release that changes a template, a view or a
# translation never serves a page the previous one rendered.
RELEASE_SUFFIXES = frozenset({".py", ".html", ".txt", ".xml", ".mo"})


# --------------------------------------------------------------------------- health


@dataclass
class _Health:
    """This process's view of the cache: when to try it again, when it last warned, and
    whether a bump failed and is still owed."""

    down_until: float = 0.0
    warned_at: float | None = None
    bump_owed: bool = False


_health = _Health()


def _failed(error: Exception) -> None:
    now = time.monotonic()
    _health.down_until = now + RETRY_SECONDS
    if _health.warned_at is None or now - _health.warned_at >= WARN_EVERY_SECONDS:
        _health.warned_at = now
        logger.warning("public cache unavailable, public pages are computed from the database: %s", error)


def _reset_health(*, setting: str, **kwargs: Any) -> None:
    if setting in {"CACHES", "PUBLIC_CACHE_SECONDS"}:
        _health.down_until, _health.warned_at, _health.bump_owed = 0.0, None, False


setting_changed.connect(_reset_health, dispatch_uid="public-cache-health")


def cache_seconds() -> int:
    return int(getattr(settings, "PUBLIC_CACHE_SECONDS", 0))


# --------------------------------------------------------------------------- the version


def _fresh_version() -> int:
    """A version no earlier counter reached: the clock in microseconds (a counter bumped
    fewer than a million times a second never catches up with it)."""
    return time.time_ns() // 1000


def _increment() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no counter (first use, flushed, evicted): start above every old one
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
    cache.set(BUMPED_AT_KEY, time.time(), timeout=None)


def _maybe_behind() -> bool:
    """This page was read from the streaming replica, and the data changed less than
    ``REPLICA_MAX_LAG_SECONDS`` ago: the replica may not have the change yet, and a page
    kept now would be served under the new version until it expires. Such a page is
    answered but not kept (safeguards/replica.py)."""
    if not may_read_replica():
        return False
    try:
        bumped_at = cache.get(BUMPED_AT_KEY)
        if bumped_at is None:  # flushed: count from now
            cache.add(BUMPED_AT_KEY, time.time(), timeout=None)
            return True
    except Exception as error:
        _failed(error)
        return True
    return time.time() - float(bumped_at) < float(settings.REPLICA_MAX_LAG_SECONDS)


def bump_public_data_version() -> None:
    """Make every cached public page stale now. Never raises: run after a commit."""
    try:
        _increment()
    except Exception as error:  # the cache is down: owed until it answers again
        _health.bump_owed = True
        _failed(error)
    else:
        _health.bump_owed = False


def public_data_version() -> int | None:
    """The current data version; None when the cache is not to be used now (it failed
    less than ``RETRY_SECONDS`` ago, or it fails now)."""
    if time.monotonic() < _health.down_until:
        return None
    try:
        if _health.bump_owed:
            _increment()
            _health.bump_owed = False
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _fresh_version(), timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception as error:
        _failed(error)
        return None
    return None if version is None else int(version)


def _bump_pending(using: str) -> bool:
    """This transaction has changed public data and will bump the version at commit."""
    connection = transaction.get_connection(using)
    return connection.in_atomic_block and any(
        callback is bump_public_data_version for _savepoints, callback, _robust in connection.run_on_commit
    )


def public_data_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """What a public page or the open data shows has changed: bump the version when the
    transaction commits (once per transaction; at once outside one). A service that writes
    with ``QuerySet.update``, ``bulk_create`` or ``COPY`` calls it, signals do the rest."""
    if not _bump_pending(using):
        transaction.on_commit(bump_public_data_version, using=using, robust=True)


def bump_after_migrate(**kwargs: Any) -> None:
    """``post_migrate`` of the registry: once per ``migrate``."""
    bump_public_data_version()


# --------------------------------------------------------------------------- public models


@dataclass(frozen=True)
class PublicModel:
    """A model whose rows a public page or the open data shows. ``fields``: only a save of
    one of these fields changes the public pages (a ``save(update_fields=…)`` of others,
    such as a staff user's ``last_login``, does not bump); None: any field."""

    model: type[Model]
    fields: frozenset[str] | None = None


_PUBLIC_MODELS: dict[type[Model], PublicModel] = {}


def _saved(sender: type[Model], update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
    entry = _PUBLIC_MODELS.get(sender._meta.concrete_model or sender)
    if entry is None:
        return
    if entry.fields is not None and update_fields is not None and not entry.fields.intersection(update_fields):
        return
    public_data_changed(kwargs.get("using") or DEFAULT_DB_ALIAS)


def _changed(sender: Any, **kwargs: Any) -> None:
    public_data_changed(kwargs.get("using") or DEFAULT_DB_ALIAS)


def register_public_models(*models: type[Model], fields: Iterable[str] | None = None) -> None:
    """Bump the data version whenever a row of these models is saved or deleted, or their
    many-to-many links change. Each app calls it from its ``ready()`` for its own models;
    ``tests/registry/test_public_cache.py`` fails on a table a public page reads that no
    app registered."""
    chosen = None if fields is None else frozenset(fields)
    for model in models:
        _PUBLIC_MODELS[model] = PublicModel(model, chosen)
        label = model._meta.label
        # A proxy's rows are the model's, but its signals name the proxy (an admin of
        # ``subsidies.ProviderLedger`` saves a provider).
        proxies = [m for m in apps.get_models() if m._meta.proxy and m._meta.concrete_model is model]
        for sender in (model, *proxies):
            post_save.connect(_saved, sender=sender, dispatch_uid=f"public-cache-save:{sender._meta.label}")
            post_delete.connect(_changed, sender=sender, dispatch_uid=f"public-cache-delete:{sender._meta.label}")
        for field in model._meta.local_many_to_many:
            if chosen is None or field.name in chosen:
                through = field.remote_field.through
                m2m_changed.connect(_changed, sender=through, dispatch_uid=f"public-cache-m2m:{label}.{field.name}")


def public_models() -> dict[type[Model], PublicModel]:
    return dict(_PUBLIC_MODELS)


def public_rows_written(model: type[Model]) -> None:
    """A bulk write (``COPY``, ``bulk_update``) into ``model``'s table: a change of the
    public data when the model is registered."""
    if model in _PUBLIC_MODELS:
        public_data_changed()


# --------------------------------------------------------------------------- the key


def _release_folders() -> list[Path]:
    """The project's apps and configuration, templates and translations (not the libraries)."""
    base = Path(settings.BASE_DIR)
    folders = {Path(app.path) for app in apps.get_app_configs() if Path(app.path).parent == base}
    folders.add(base / "config")
    templates: list[dict[str, Any]] = settings.TEMPLATES
    folders |= {Path(folder) for template in templates for folder in template.get("DIRS", [])}
    folders |= {Path(folder) for folder in settings.LOCALE_PATHS}
    return sorted(folders)


@functools.cache
def code_release() -> str:
    """A digest of the project's code, templates and translations, read once per process."""
    digest = hashlib.sha256(django.get_version().encode())
    for folder in _release_folders():
        for path in sorted(folder.rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(folder.parent)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def request_key(request: HttpRequest, version: int, kind: str) -> str:
    """The cache key of this request's answer (``kind``: page or value) under ``version``."""
    query = urlencode(sorted(request.GET.lists(), key=itemgetter(0)), doseq=True)
    parts = [
        kind,
        str(version),
        timezone.localdate().isoformat(),  # what is in force changes at midnight
        code_release(),
        get_language() or "",
        request.scheme or "",
        request.get_host(),
        request.path,
        query,
    ]
    text = "\n".join(parts).encode("utf-8", "surrogatepass")
    return f"public-cache:{kind}:{hashlib.sha256(text).hexdigest()}"


def _cacheable(request: HttpRequest) -> bool:
    return (
        cache_seconds() > 0
        and request.method in {"GET", "HEAD"}
        and not getattr(getattr(request, "user", None), "is_authenticated", False)
        and not _bump_pending(DEFAULT_DB_ALIAS)
    )


def _get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception as error:  # down, or a value an older release cannot read
        _failed(error)
        return None


def _set(key: str, value: Any) -> None:
    try:
        cache.set(key, value, timeout=cache_seconds())
    except Exception as error:
        _failed(error)


# --------------------------------------------------------------------------- pages


def _owned_by_one_client(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The answer carries something of this client's: a cookie, a CSRF token, a session
    change, or headers saying it must not be shared."""
    directives = {d.split("=")[0].strip().lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    session = getattr(request, "session", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
        or directives & PRIVATE_DIRECTIVES
        or get_max_age(response) == 0
        or vary & {"cookie", "*"}
    )


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not _owned_by_one_client(request, response)
        and not _maybe_behind()
    )


def _from_store(stored: tuple[bytes, list[tuple[str, str]]]) -> HttpResponse:
    content, headers = stored
    response = HttpResponse(zlib.decompress(content))
    for name, value in headers:
        response[name] = value
    response[HIT_HEADER] = "HIT"
    return response


def cached_public_page(view: View) -> View:
    """Serve the view's answer from the cache when it may be shared (module docstring).
    Put it below ``rate_limited``: every request is counted, cached or not."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        version = public_data_version() if _cacheable(request) else None
        if version is None:
            return view(request, *args, **kwargs)
        key = request_key(request, version, "page")
        stored = _get(key)
        if stored is not None:
            return _from_store(stored)
        response = view(request, *args, **kwargs)
        render = getattr(response, "render", None)
        if callable(render):  # a TemplateResponse (the sitemap): rendered now, to be kept
            response = render()
        if isinstance(response, HttpResponse) and _storable(request, response):
            # Compressed: a page is a fifth of its size in the cache and on the wire to it.
            _set(key, (zlib.compress(response.content, 1), list(response.items())))
            response[HIT_HEADER] = "MISS"
        return response

    return wrapped


def cached_public_value(request: HttpRequest, build: Callable[[], T]) -> T:
    """``build()``, or what it returned for the same request under the same data version.
    For a download that must still be recorded each time: cache what it is made of, and
    record it in the view."""
    version = public_data_version() if _cacheable(request) else None
    if version is None:
        return build()
    key = request_key(request, version, "value")
    stored = _get(key)
    if stored is not None:
        return stored  # what build() returned for this key
    value = build()
    if not _maybe_behind():
        _set(key, value)
    return value
