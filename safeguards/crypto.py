"""Personal data at rest: ID and phone numbers are stored encrypted, and found through a
keyed hash.

- **Encryption**: Fernet (AES-128-CBC with an HMAC-SHA256 tag, from ``cryptography``).
  ``PERSONAL_DATA_KEYS`` lists Fernet keys: the first encrypts, every one decrypts, so a
  key is rotated by putting a new one first and running ``manage.py
  rotate_personal_data_key``. A database dump or backup holds only the tokens.
- **Lookup and uniqueness**: HMAC-SHA256 of the normalised number with
  ``PERSONAL_DATA_HASH_KEY``. Equal numbers have equal hashes, so the database can
  enforce "one person once per provider" and find a person by number, while the hash
  alone reveals nothing without the key (an unkeyed hash of an 18-digit ID, let alone of
  an 11-digit mobile number, could be brute-forced: the space of real numbers is small).
  Phone hashes are domain-separated (``phone:`` before the number), so a phone hash never
  equals an ID number's.

Both keys come from the environment (or ``*_FILE``); dev and test use published,
worthless keys that ``manage.py check --deploy`` refuses.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.signals import setting_changed
from django.dispatch import receiver

from .identifiers import normalise_id_number, normalise_phone

# Published with the source code: they protect nothing, and the deploy check refuses them.
DEVELOPMENT_KEY = "oKihnQHYOBti1auQ679ax-KF9WK53MbUvdHtYfKS9L4="
DEVELOPMENT_HASH_KEY = "development-only-hash-key-do-not-use-in-production"

__all__ = [
    "InvalidToken",
    "decrypt_text",
    "encrypt_text",
    "id_number_hash",
    "keyed_text_hash",
    "phone_hash",
    "short_keyed_hash",
]


@functools.cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in settings.PERSONAL_DATA_KEYS])


@functools.cache
def _hash_key() -> bytes:
    return str(settings.PERSONAL_DATA_HASH_KEY).encode()


@receiver(setting_changed)
def _forget_keys(setting: str, **kwargs: Any) -> None:
    if setting in {"PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY"}:
        _fernet.cache_clear()
        _hash_key.cache_clear()


def encrypt_text(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii")


def rotate_bytes(token: bytes) -> bytes:
    """An encrypted file's token, encrypted again with the first (current) key."""
    return _fernet().rotate(token)


def decrypt_text(token: str) -> str:
    """The plain text; raises ``InvalidToken`` when no configured key opens it."""
    return _fernet().decrypt(token.encode("ascii")).decode()


def encrypt_bytes(data: bytes) -> bytes:
    """A stored upload (a roster holds ID numbers), encrypted like the numbers themselves."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def rotate_token(token: str) -> str:
    """The same text encrypted with the first (current) key."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def id_number_hash(value: str) -> str:
    """The keyed hash of an ID number (``"…018x"`` and ``"…018X"`` hash alike)."""
    number = normalise_id_number(value)
    if _hashes_cached.get():
        return _cached_hash(_hash_key(), number)
    return _keyed_hash(_hash_key(), number)


def keyed_text_hash(value: str) -> str:
    """The keyed hash of any other encrypted text (surrounding spaces dropped)."""
    return _keyed_hash(_hash_key(), "text:" + value.strip())


def phone_hash(value: str) -> str:
    """The keyed hash of a phone number: ``0472-5123456`` and ``0472 5123456`` hash alike."""
    return _keyed_hash(_hash_key(), "phone:" + normalise_phone(value))


def short_keyed_hash(purpose: str, value: str) -> str:
    """A 16-character keyed hash (80 bits, base32) of a one-time secret such as a two-factor
    backup code, for a column that holds no more (django-otp's ``StaticToken.token``): found
    by equality, unreadable and not brute-forced without ``PERSONAL_DATA_HASH_KEY``.
    ``purpose`` separates the domains, so it never equals a number's hash."""
    digest = hmac.new(_hash_key(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii")


def _keyed_hash(key: bytes, number: str) -> str:
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


_hashes_cached: ContextVar[bool] = ContextVar("id_number_hashes_cached", default=False)
_cached_hash = functools.lru_cache(maxsize=8192)(_keyed_hash)


@contextlib.contextmanager
def id_number_hashes_cached() -> Iterator[None]:
    """Within, each ID number is hashed once (a roster import hashes every number to find
    it, to check it and to store it); afterwards the cache — keyed by the numbers in
    clear — is emptied. Outside, nothing is cached."""
    token = _hashes_cached.set(True)
    try:
        yield
    finally:
        _hashes_cached.reset(token)
        _cached_hash.cache_clear()


@register(Tags.security, deploy=True)
def check_personal_data_keys(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: the published development keys protect nothing."""
    problems: list[CheckMessage] = []
    keys = [k.strip() for k in settings.PERSONAL_DATA_KEYS]
    if not keys or DEVELOPMENT_KEY in keys:
        problems.append(
            Error(
                "PERSONAL_DATA_KEYS is empty or holds the published development key.",
                hint="Generate a key with Fernet.generate_key() and set PERSONAL_DATA_KEYS (docs/deploy.md).",
                id="registry.E001",
            )
        )
    hash_key = str(settings.PERSONAL_DATA_HASH_KEY)
    if hash_key == DEVELOPMENT_HASH_KEY or len(hash_key) < 32:
        problems.append(
            Error(
                "PERSONAL_DATA_HASH_KEY is the development key or shorter than 32 characters.",
                hint="Set a long random PERSONAL_DATA_HASH_KEY (docs/deploy.md); never change it afterwards.",
                id="registry.E002",
            )
        )
    return problems
