"""Model fields for personal data at rest (see ``safeguards.crypto``).

``EncryptedTextField`` keeps the Fernet token in the column and the plain text on the
model instance. With a ``hash_field`` (a ``KeyedHashField`` of the same model, computed on
every save from this field), its ``exact``, ``iexact`` and ``in`` lookups are answered
through that keyed-hash column, so ``Resident.objects.filter(id_number=…)`` or
``filter(phone=…)`` work as before; lookups that would need the plain text in the database
(``startswith``, ``contains``, ordering by number …) are refused. Without a ``hash_field``
only ``isnull`` is offered.

The two kinds of number differ only in how they are normalised before hashing:
``EncryptedIdNumberField`` (``…018x`` = ``…018X``) and ``EncryptedPhoneField``
(``0472-5123456`` = ``0472 5123456``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import EmptyResultSet, FieldError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Lookup
from django.db.models.expressions import Col

from .crypto import decrypt_text, encrypt_text, id_number_hash, keyed_text_hash, phone_hash


class KeyedHashField(models.CharField):
    """HMAC-SHA256 of the ``source`` field (an ``EncryptedTextField`` of the same model),
    computed on every save (bulk inserts too); empty when the source is empty. Never shown,
    never filtered on in the admin (``PersonalDataAdminMixin.lookup_allowed``)."""

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        source: Any = model_instance._meta.get_field(self.source)
        value = getattr(model_instance, self.source)
        digest = source.hash_value(value) if value else ""
        setattr(model_instance, self.attname, digest)
        return digest


class IdNumberHashField(KeyedHashField):
    """The keyed hash of ``id_number`` (the name migration 0012 created it under)."""

    def __init__(self, *args: Any, source: str = "id_number", **kwargs: Any) -> None:
        super().__init__(*args, source=source, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("source") == "id_number":
            kwargs.pop("source")
        return name, path, args, kwargs


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; looked up through ``hash_field`` when it has one.

    ``max_length`` limits what the form accepts (the token is longer than the text)."""

    default_hash_field: str | None = None

    def __init__(self, *args: Any, hash_field: str | None = None, **kwargs: Any) -> None:
        self.hash_field = hash_field if hash_field is not None else self.default_hash_field
        super().__init__(*args, **kwargs)
        if self.max_length is not None:  # the column is text: the limit is checked here
            self.validators.append(MaxLengthValidator(self.max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field != self.default_hash_field:
            kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def hash_value(self, value: str) -> str:
        """The keyed hash stored in ``hash_field`` and compared by the lookups."""
        return keyed_text_hash(value)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt_text(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt_text(value) if value else value

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        # A one-line input (not the textarea of a TextField), at most max_length characters.
        kwargs.setdefault("max_length", self.max_length)
        return models.Field.formfield(self, form_class=forms.CharField, **kwargs)

    def get_lookup(self, lookup_name: str) -> Any:
        allowed = {"exact", "iexact", "in", "isnull"} if self.hash_field else {"isnull"}
        if lookup_name not in allowed:
            return None  # Django then raises "Unsupported lookup … for EncryptedTextField"
        return super().get_lookup(lookup_name)


class EncryptedIdNumberField(EncryptedTextField):
    """An 18-character ID number, stored encrypted; looked up through ``id_number_hash``."""

    default_hash_field = "id_number_hash"

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        # Only the form limits the length: validate_id_number explains a wrong one.
        return super().formfield(form_class, choices_form_class, **{"max_length": 18, **kwargs})

    def hash_value(self, value: str) -> str:
        return id_number_hash(value)


class EncryptedPhoneField(EncryptedTextField):
    """A phone number as typed (at most ``max_length`` characters), stored encrypted; looked
    up as a whole number through ``phone_hash``."""

    default_hash_field = "phone_hash"

    def hash_value(self, value: str) -> str:
        return phone_hash(value)


class _ThroughHash(Lookup):
    """Compare the keyed hash column of the same table with the hash of the value(s)."""

    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return self.rhs  # the plain value(s): hashed in as_sql, never encrypted

    def target_and_hash_column(self, compiler: Any, connection: Any) -> tuple[Any, str, list[Any]]:
        if not isinstance(self.lhs, Col):
            raise FieldError("Encrypted personal data can only be compared as a column.")
        target: Any = self.lhs.target
        hash_field: Any = target.model._meta.get_field(target.hash_field)
        sql, params = compiler.compile(hash_field.get_col(self.lhs.alias))
        return target, sql, list(params)


@EncryptedTextField.register_lookup
class HashedExact(_ThroughHash):
    lookup_name = "exact"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not isinstance(self.rhs, str):
            raise FieldError("Compare encrypted personal data with a string.")
        target, sql, params = self.target_and_hash_column(compiler, connection)
        # An empty value is stored (and hashed) as empty: "no phone on record".
        return f"{sql} = %s", [*params, target.hash_value(self.rhs) if self.rhs else ""]


@EncryptedTextField.register_lookup
class HashedIExact(HashedExact):
    lookup_name = "iexact"  # the hash is of the normalised number: case does not matter


@EncryptedTextField.register_lookup
class HashedIn(_ThroughHash):
    lookup_name = "in"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if isinstance(self.rhs, str) or not hasattr(self.rhs, "__iter__") or hasattr(self.rhs, "query"):
            raise FieldError("Compare encrypted personal data with a list of strings.")
        target, sql, params = self.target_and_hash_column(compiler, connection)
        hashes = sorted({target.hash_value(value) if value else "" for value in self.rhs})
        if not hashes:
            raise EmptyResultSet
        if connection.vendor == "postgresql":  # one array parameter, not thousands (a roster's chunk)
            return f"{sql} = ANY(%s)", [*params, hashes]
        return f"{sql} IN ({', '.join(['%s'] * len(hashes))})", [*params, *hashes]
