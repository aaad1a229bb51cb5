"""ID numbers of residents and caregivers encrypted at rest, with a keyed hash for lookup.

1. Widen ``id_number`` to text and add ``id_number_hash``.
2. Encrypt every stored number (current rows and their history) and hash it, in batches,
   with the keys configured now (registry/crypto.py). Reversible: decrypts again.
3. Declare the encrypted field and move the uniqueness rules onto the hash.
"""

from django.db import migrations, models

import safeguards.fields
import safeguards.identifiers

MODELS = ["resident", "historicalresident", "caregiver", "historicalcaregiver"]
BATCH = 2000


def _convert(apps, forward: bool) -> None:
    from safeguards.crypto import decrypt_text, encrypt_text, id_number_hash
    from safeguards.identifiers import normalise_id_number

    for name in MODELS:
        model = apps.get_model("registry", name)
        pk = model._meta.pk.name
        last = None
        while True:
            rows = model._default_manager.order_by(pk).only(pk, "id_number", "id_number_hash")
            if last is not None:
                rows = rows.filter(**{f"{pk}__gt": last})
            batch = list(rows[:BATCH])
            if not batch:
                break
            for row in batch:
                if forward:
                    number = normalise_id_number(row.id_number)
                    row.id_number, row.id_number_hash = encrypt_text(number), id_number_hash(number)
                else:
                    row.id_number, row.id_number_hash = decrypt_text(row.id_number), ""
            model._default_manager.bulk_update(batch, ["id_number", "id_number_hash"])
            last = getattr(batch[-1], pk)


def encrypt(apps, schema_editor):
    _convert(apps, forward=True)


def decrypt(apps, schema_editor):
    _convert(apps, forward=False)


def _id_field():
    return safeguards.fields.EncryptedIdNumberField(
        validators=[safeguards.identifiers.validate_id_number], verbose_name="ID number"
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0011_security_admin_devices_and_lockouts")]

    operations = [
        migrations.RemoveConstraint(model_name="caregiver", name="caregiver_id_number_unique"),
        migrations.RemoveConstraint(model_name="resident", name="resident_once_per_provider"),
        *[
            migrations.AddField(
                model_name=name,
                name="id_number_hash",
                field=safeguards.fields.IdNumberHashField(default="", verbose_name="ID number hash"),
                preserve_default=False,
            )
            for name in MODELS
        ],
        *[
            migrations.AlterField(model_name=name, name="id_number", field=models.TextField(verbose_name="ID number"))
            for name in MODELS
        ],
        migrations.RunPython(encrypt, decrypt, elidable=False),
        *[migrations.AlterField(model_name=name, name="id_number", field=_id_field()) for name in MODELS],
        migrations.AddIndex(
            model_name="resident", index=models.Index(fields=["id_number_hash"], name="resident_person")
        ),
        migrations.AddConstraint(
            model_name="caregiver",
            constraint=models.UniqueConstraint(
                fields=("id_number_hash",),
                name="caregiver_id_number_unique",
                violation_error_code="unique",
                violation_error_message="A caregiver with this ID number is already registered.",
            ),
        ),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                fields=("provider", "id_number_hash"),
                name="resident_once_per_provider",
                violation_error_message="This person is already registered at this provider.",
            ),
        ),
    ]
