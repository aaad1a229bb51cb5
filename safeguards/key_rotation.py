"""Re-encrypting personal data with the newest key (``manage.py rotate_personal_data_key``)."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db import transaction

from .fields import EncryptedTextField

# Personal data encrypted outside an encrypted field (a token inside a JSON column, an
# encrypted file), re-encrypted by the app that stores it: it registers a function that
# returns {what: rows re-encrypted} (``portal`` for its submissions and roster uploads,
# ``registry`` for the roster files clerks uploaded and have not imported).
EXTRA_ROTATIONS: list[Callable[[], dict[str, int]]] = []


def register_rotation(rotation: Callable[[], dict[str, int]]) -> None:
    if rotation not in EXTRA_ROTATIONS:
        EXTRA_ROTATIONS.append(rotation)


def rotate_personal_data_key(*, batch_size: int = 2000) -> dict[str, int]:
    """Re-encrypt every stored ID and phone number (every model with an encrypted field, their
    history included) with the first key,
    so an old key can then be removed from ``PERSONAL_DATA_KEYS``. Idempotent; returns rows
    per table."""
    done: dict[str, int] = {}
    for model in apps.get_models():
        encrypted = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if not encrypted or model._meta.proxy:
            continue
        pk = model._meta.pk.name
        rows = model._default_manager.order_by(pk).only(pk, *encrypted)
        count, last = 0, None
        while True:
            with transaction.atomic():  # locked: a clerk's correction meanwhile is not undone
                page = rows.filter(**{f"{pk}__gt": last}) if last is not None else rows
                batch = list(page.select_for_update()[:batch_size])
                if not batch:
                    break
                model._default_manager.bulk_update(batch, encrypted)  # re-encrypts on the way in
            count += len(batch)
            last = getattr(batch[-1], pk)
        done[model._meta.db_table] = count
    for rotation in EXTRA_ROTATIONS:
        done.update(rotation())
    return done
