"""Tamper evidence: the audit log's hash chain and the backup's signed facts file.

**The facts file** of a backup (row counts, money totals, the dump's SHA-256) is signed;
the restore drill refuses a facts file whose signature does not verify, so an edited
dump cannot be passed off with edited facts.

Both are HMAC-SHA256 under keys derived from ``INTEGRITY_KEY``, a secret kept apart from
the database (a file of its own in production, never in a dump). Whoever can write to the
database, the owner role included, can delete or edit rows, but cannot make a chain or
a signature that verifies.

**The chain.** Every audit entry carries ``chain_hash`` = HMAC(key, hash of the entry
before it + the entry's own fields), written when the entry is inserted, in id order
(``audit.audit_record`` takes a transaction-level lock, so the entry before is always the
committed last one). ``verify_chain`` walks the entries and names the first one that does
not match: that entry was changed, or one before it was removed. Pruning old entries
(``prune_audit``) records the hash of the last entry it removed, where the chain resumes.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

DEVELOPMENT_INTEGRITY_KEY = "development-only-integrity-key-do-not-use-in-production"
# The entry's fields, in the order they are hashed (and read by verify_chain's callers).
CHAIN_FIELDS = (
    "id",
    "at",
    "action",
    "actor_id",
    "actor_name",
    "ip",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "detail",
    "chain_hash",
)
GENESIS = "0" * 64
PRUNE_ACTION = "audit.prune"


def _key(purpose: str) -> bytes:
    """A key for one purpose, derived from INTEGRITY_KEY (so one secret serves both)."""
    return hmac.new(str(settings.INTEGRITY_KEY).encode(), purpose.encode(), hashlib.sha256).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value.compressed
    return value


def normalise_ip(value: str | None) -> str | None:
    """The form PostgreSQL's inet gives back (so the hash of a stored address is stable)."""
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return value


def entry_hash(previous: str, fields: dict[str, Any]) -> str:
    """The chain hash of an entry with ``fields`` (CHAIN_FIELDS but id and chain_hash)."""
    content = [_canonical(fields[name]) for name in CHAIN_FIELDS if name not in {"id", "chain_hash"}]
    message = previous + "\n" + json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(_key("audit-chain"), message.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: int | None  # id of the first entry that does not verify
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(rows: Iterable[tuple[Any, ...]], *, anchor: str = GENESIS) -> ChainReport:
    """Walk entries (tuples in CHAIN_FIELDS order, ascending id) and report the first break.

    ``anchor`` is the hash the first entry was chained to: the genesis hash, or after a
    prune the one the latest prune entry recorded (``chain_anchor``)."""
    previous = anchor
    checked = 0
    for row in rows:
        fields = dict(zip(CHAIN_FIELDS, row, strict=True))
        checked += 1
        if not hmac.compare_digest(entry_hash(previous, fields), str(fields["chain_hash"] or "")):
            return ChainReport(checked, int(fields["id"]), "changed, or an entry before it was removed")
        previous = str(fields["chain_hash"])
    return ChainReport(checked, None)


def chain_anchor(prune_after: dict[str, Any] | None) -> str:
    """Where the chain starts: after the last entry the latest prune removed, or genesis."""
    return str((prune_after or {}).get("resume_after") or GENESIS)


def facts_signature(facts: dict[str, Any]) -> str:
    """HMAC of a backup's facts file (every field but the signature itself)."""
    content = {key: value for key, value in facts.items() if key != "signature"}
    message = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(_key("backup-facts"), message.encode(), hashlib.sha256).hexdigest()


def facts_signed(facts: dict[str, Any]) -> bool:
    return hmac.compare_digest(facts_signature(facts), str(facts.get("signature") or ""))


@register(Tags.security, deploy=True)
def check_integrity_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: the published development key makes every chain forgeable."""
    key = str(settings.INTEGRITY_KEY)
    if key == DEVELOPMENT_INTEGRITY_KEY or len(key) < 32:
        return [
            Error(
                "INTEGRITY_KEY is the development key or shorter than 32 characters.",
                hint="Set a long random INTEGRITY_KEY (docs/deploy.md) and keep it apart from the database.",
                id="registry.E003",
            )
        ]
    return []
