"""A provider's own roster: the clerks' roster engine, for the rows of one provider only
(the provider portal, issue 18).

A provider sends the same spreadsheet the clerks import (same columns, same checks, same
preview and row errors, all rows or none): ``own_roster_check`` is the engine's preview
of the file, ``own_roster_import`` the engine's import of it once a clerk accepts. What
differs is who the rows may name: a clerk's rows any provider of their jurisdiction, a
provider's rows that provider only. An *own* variant of a roster kind (``own_variant``)
looks up nothing but that provider (and what the kind's ``lookups`` load for it, e.g. its
classes) and refuses a row naming another one, with a message a provider understands.
The provider is the one the check or import runs for (``_OWN_PROVIDER``, set only inside
those two functions), so the kinds are built once, like the clerks'.

A provider's roster is a small file: it is read within the request, at most
``ROSTER_BACKGROUND_ROWS`` rows (a larger one goes to the district office, whose import
runs in the background).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import io
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safeguards.identifiers import normalise_uscc

from ..models import Division, Provider, User
from .engine import Plan, RosterRejected, RowError, import_roster, known_headers, validate_roster
from .formats import Table, UnreadableFile, sample_table
from .kinds import RESIDENTS, RosterKind, RowContext, resolve_provider
from .uploads import REQUEST_READ_BYTES

_OWN_PROVIDER: contextvars.ContextVar[Provider | None] = contextvars.ContextVar("own_roster_provider", default=None)

ERRORS_SHOWN = 50  # row errors a refused import names (the preview lists them all)


def own_provider() -> Provider:
    provider = _OWN_PROVIDER.get()
    if provider is None:  # an own kind used outside own_roster_check / own_roster_import
        raise RuntimeError("An own-provider roster is checked through own_roster_check or own_roster_import.")
    return provider


@contextlib.contextmanager
def _for(provider: Provider) -> Iterator[None]:
    token = _OWN_PROVIDER.set(provider)
    try:
        yield
    finally:
        _OWN_PROVIDER.reset(token)


def resolve_own_provider(values: dict[str, Any], context: RowContext) -> dict[str, str]:
    """The row's provider code must be the sending provider's own."""
    if "provider" not in values:
        return {}
    provider = context.providers_by_uscc.get(normalise_uscc(values["provider"]))
    if provider is None:
        return {
            "provider": _("Not the code of %(provider)s: send your own provider's rows only.")
            % {"provider": own_provider().name}
        }
    values["provider"] = provider
    return {}


def own_variant(kind: RosterKind, *, lookups: Callable[[RowContext, Provider], None] | None = None) -> RosterKind:
    """``kind`` as a provider sends it: the rows may name the sending provider only;
    ``lookups(context, provider)`` loads what else the kind's resolvers read (the
    provider's classes, the counties), for that provider only."""

    def load(context: RowContext, user: User | None) -> None:
        provider = own_provider()
        context.providers_by_uscc = {provider.uscc: provider}
        if lookups is not None:
            lookups(context, provider)

    resolvers = tuple(resolve_own_provider if r is resolve_provider else r for r in kind.resolvers)
    return dataclasses.replace(kind, load=load, resolvers=resolvers)


def own_table(kind: RosterKind, data: bytes, filename: str) -> Table:
    """The file's header and rows, read as the clerks' upload reads a small file; refused
    (``ValidationError``) when it cannot be read or has more rows than a provider sends."""
    try:
        sample = sample_table(
            io.BytesIO(data),
            filename,
            keep=settings.ROSTER_BACKGROUND_ROWS,
            max_bytes=REQUEST_READ_BYTES,
            headers=known_headers(kind),
        )
    except UnreadableFile as error:
        raise ValidationError(str(error), code="unreadable") from error
    if not sample.complete or sample.row_count > settings.ROSTER_BACKGROUND_ROWS:
        raise ValidationError(
            _("The file has more than %(rows)d rows: send it to the district office to import.")
            % {"rows": settings.ROSTER_BACKGROUND_ROWS},
            code="too_many_rows",
        )
    return sample.header, sample.rows


def own_roster_check(kind: RosterKind, *, provider: Provider, data: bytes, filename: str) -> Plan:
    """The engine's preview of the file for ``provider``: counts, changes, every row error;
    nothing is saved. ``kind``: an ``own_variant``."""
    table = own_table(kind, data, filename)
    with _for(provider):
        return validate_roster(kind, table, user=None)


def own_roster_import(
    kind: RosterKind,
    *,
    provider: Provider,
    data: bytes,
    filename: str,
    user: User,
    expected_digest: str,
    source: object = None,
) -> dict[str, int]:
    """Import the file for ``provider`` as ``user`` (the clerk who accepts it), all rows or
    none, exactly as previewed (``expected_digest``: the preview's fingerprint; refused if
    the data changed since). One ``roster.import`` audit entry naming ``source``. A row
    error refuses it with the first ``ERRORS_SHOWN`` errors by row and column."""
    table = own_table(kind, data, filename)
    with _for(provider):
        try:
            return import_roster(
                kind, table, user=user, expected_digest=expected_digest, source=source, filename=filename
            )
        except RosterRejected as rejected:
            raise ValidationError(row_error_messages(rejected.row_errors)) from rejected


def row_error_messages(errors: list[RowError]) -> list[str]:
    """The first ``ERRORS_SHOWN`` errors as sentences ("row 3, 身份证号: …"), and how many more."""
    messages = [str(error) for error in errors[:ERRORS_SHOWN]]
    if len(errors) > ERRORS_SHOWN:
        messages.append(_("and %(n)d more errors.") % {"n": len(errors) - ERRORS_SHOWN})
    return messages


def _counties(context: RowContext, provider: Provider) -> None:
    """A resident's home county may be any banner/county of the region (as the clerks' roster)."""
    context.lookups["counties"] = list(Division.objects.filter(level=Division.Level.COUNTY))


OWN_RESIDENTS = own_variant(RESIDENTS, lookups=_counties)
