"""Model fields for ID numbers at rest (see ``registry.crypto``).

``EncryptedIdNumberField`` keeps the Fernet token in the column and the plain number on
the model instance. Its ``exact``, ``iexact`` and ``in`` lookups are answered through the
model's keyed-hash column (``IdNumberHashField``), so ``Resident.objects.filter(
id_number=…)`` works as before; lookups that would need the plain text in the database
(``startswith``, ``contains``, ordering by number …) are refused.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import EmptyResultSet, FieldError
from django.db import models
from django.db.models import Lookup
from django.db.models.expressions import Col

from .crypto import decrypt_text, encrypt_text, id_number_hash


class IdNumberHashField(models.CharField):
    """HMAC-SHA256 of the ``source`` field, computed on every save (bulk inserts too)."""

    def __init__(self, *args: Any, source: str = "id_number", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.source != "id_number":
            kwargs["source"] = self.source
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.source)
        digest = id_number_hash(value) if value else ""
        setattr(model_instance, self.attname, digest)
        return digest


class EncryptedIdNumberField(models.TextField):
    """An 18-character ID number, stored encrypted; looked up through ``hash_field``."""

    def __init__(self, *args: Any, hash_field: str = "id_number_hash", **kwargs: Any) -> None:
        self.hash_field = hash_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field != "id_number_hash":
            kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt_text(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt_text(value) if value else value

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        return models.Field.formfield(self, form_class=forms.CharField, max_length=18, **kwargs)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"exact", "iexact", "in", "isnull"}:
            return None  # Django then raises "Unsupported lookup … for EncryptedIdNumberField"
        return super().get_lookup(lookup_name)


class _ThroughHash(Lookup):
    """Compare the keyed hash column of the same table with the hash of the value(s)."""

    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return self.rhs  # the plain number(s): hashed in as_sql, never encrypted

    def hash_column(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not isinstance(self.lhs, Col):
            raise FieldError("Encrypted ID numbers can only be compared as a column.")
        target: Any = self.lhs.target
        hash_field: Any = target.model._meta.get_field(target.hash_field)
        sql, params = compiler.compile(hash_field.get_col(self.lhs.alias))
        return sql, list(params)


@EncryptedIdNumberField.register_lookup
class HashedExact(_ThroughHash):
    lookup_name = "exact"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not isinstance(self.rhs, str):
            raise FieldError("Compare an encrypted ID number with a string.")
        sql, params = self.hash_column(compiler, connection)
        return f"{sql} = %s", [*params, id_number_hash(self.rhs)]


@EncryptedIdNumberField.register_lookup
class HashedIExact(HashedExact):
    lookup_name = "iexact"  # the hash is of the normalised number: case does not matter


@EncryptedIdNumberField.register_lookup
class HashedIn(_ThroughHash):
    lookup_name = "in"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if isinstance(self.rhs, str) or not hasattr(self.rhs, "__iter__") or hasattr(self.rhs, "query"):
            raise FieldError("Compare an encrypted ID number with a list of strings.")
        hashes = sorted({id_number_hash(value) for value in self.rhs if value})
        if not hashes:
            raise EmptyResultSet
        sql, params = self.hash_column(compiler, connection)
        if connection.vendor == "postgresql":  # one array parameter, not thousands (a roster's chunk)
            return f"{sql} = ANY(%s)", [*params, hashes]
        return f"{sql} IN ({', '.join(['%s'] * len(hashes))})", [*params, *hashes]
