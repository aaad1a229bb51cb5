"""Personal numbers in what a provider sends (an admission's ID number, a guardian's phone).

A submission's data is a JSON column kept with its history; the registry keeps ID and
phone numbers encrypted at rest (``safeguards.fields``), and a submission must not be the
one place they lie in clear. A ``SealedNumberField`` therefore checks the number as typed
and hands the form's cleaned data an encrypted token, which is what is stored; the form
reads the number back with ``unsealed`` (bound again to the stored data when it is sent or
accepted, or shown in its input when the provider corrects it).

What a page shows of such a field: masked (``150203********123X``, ``139****5678``) on
the provider's pages and on the clerk's review page, in full only for a clerk who may see
personal data (``registry.view_personal_data``). A form names its fields in
``masked_fields``; ``shown_number`` is the one display rule.
"""

from __future__ import annotations

from typing import Any

from django import forms

from safeguards.crypto import InvalidToken, decrypt_text, encrypt_text, rotate_bytes, rotate_token
from safeguards.identifiers import mask_id_number, mask_phone, normalise_id_number

from .models import ROSTER_CONTENT_TYPES

TOKEN_PREFIX = "gAAAAA"  # noqa: S105  (not a secret: how every Fernet token starts, its version byte and timestamp)


def unsealed(value: Any) -> str:
    """The plain number of a stored token (a plain value as it is)."""
    text = "" if value is None else str(value)
    if text.startswith(TOKEN_PREFIX):
        try:
            return decrypt_text(text)
        except InvalidToken:
            return ""
    return text


def sealed(value: str) -> str:
    return encrypt_text(value) if value else ""


class SealedInput(forms.TextInput):
    """Shows the stored token's number in the input, for the provider correcting it."""

    def format_value(self, value: Any) -> str | None:
        return super().format_value(unsealed(value) if value else value)


class SealedNumberField(forms.CharField):
    """A personal number: checked as typed (``validators``), stored as a token."""

    widget = SealedInput

    def __init__(self, *, id_number: bool = False, **kwargs: Any) -> None:
        self.id_number = id_number
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(unsealed(value)) or ""
        return normalise_id_number(text).upper() if self.id_number and text else text

    def clean(self, value: Any) -> str:
        return sealed(super().clean(value))


def shown_number(name: str, value: Any, *, full: bool) -> str:
    """A personal number as a page shows it: in full or masked ("id_number" by the ID
    number's mask, anything else by the phone's)."""
    plain = unsealed(value)
    if full or not plain:
        return plain
    return mask_id_number(plain) if name == "id_number" else mask_phone(plain)


def resealed(data: Any) -> Any:
    """``data`` (a submission's JSON) with every sealed number re-encrypted under the newest
    key; the rest unchanged."""
    if isinstance(data, dict):
        return {key: resealed(value) for key, value in data.items()}
    if isinstance(data, list):
        return [resealed(value) for value in data]
    if isinstance(data, str) and data.startswith(TOKEN_PREFIX):
        try:
            return rotate_token(data)
        except InvalidToken:
            return data  # opened by no configured key: left as it is (shown empty)
    return data


def rotate_portal_personal_data() -> dict[str, int]:
    """For ``manage.py rotate_personal_data_key``: the numbers sealed in submissions (and
    their history) and the stored roster files, re-encrypted under the newest key."""
    from django.db import transaction

    from .models import Submission, Upload

    done = {}
    for model in (Submission, Submission.history.model):
        count = 0
        for pk, data in model.objects.values_list("pk", "data").iterator():
            fresh = resealed(data)
            if fresh != data:
                model.objects.filter(pk=pk).update(data=fresh)
                count += 1
        done[model._meta.db_table] = count
    count = 0
    for upload in Upload.objects.filter(content_type__in=ROSTER_CONTENT_TYPES).iterator():
        with transaction.atomic():
            with upload.file.open("rb") as stored:
                token = stored.read()
            fresh_token = rotate_bytes(token)
            with upload.file.open("wb") as stored:
                stored.write(fresh_token)
        count += 1
    done["portal_upload files"] = count
    return done
