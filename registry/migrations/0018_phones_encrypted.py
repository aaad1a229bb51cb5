"""Phone numbers of residents and caregivers encrypted at rest, as ID numbers are (0012).

1. Widen ``phone`` to text and add ``phone_hash`` (the keyed hash that finds a whole
   number; no index: nothing but a permitted user's search or filter reads it).
2. Encrypt every stored phone (current rows and their history) and hash it, in batches,
   with the keys configured now (registry/crypto.py). Empty phones stay empty. Reversible:
   decrypts again (a phone longer than 30 characters could not have been stored before).
3. Declare the encrypted field.
"""

from django.db import migrations, models

import safeguards.fields

MODELS = ["resident", "historicalresident", "caregiver", "historicalcaregiver"]
BATCH = 2000


def _convert(apps, forward: bool) -> None:
    from safeguards.crypto import decrypt_text, encrypt_text, phone_hash

    for name in MODELS:
        model = apps.get_model("registry", name)
        pk = model._meta.pk.name
        last = None
        while True:
            rows = model._default_manager.order_by(pk).only(pk, "phone", "phone_hash")
            if last is not None:
                rows = rows.filter(**{f"{pk}__gt": last})
            batch = list(rows[:BATCH])
            if not batch:
                break
            changed = []
            for row in batch:
                if not row.phone:
                    continue
                if forward:
                    row.phone, row.phone_hash = encrypt_text(row.phone), phone_hash(row.phone)
                else:
                    row.phone, row.phone_hash = decrypt_text(row.phone), ""
                changed.append(row)
            model._default_manager.bulk_update(changed, ["phone", "phone_hash"])
            last = getattr(batch[-1], pk)


def encrypt(apps, schema_editor):
    _convert(apps, forward=True)


def decrypt(apps, schema_editor):
    _convert(apps, forward=False)


class Migration(migrations.Migration):
    # Named 0016 as planned, but after the role grants and the audit trigger (0016_role_grants,
    # 0017_audit_log_no_truncate) that landed first: one line of migrations, no merge.
    dependencies = [("registry", "0017_audit_log_no_truncate")]

    operations = [
        *[
            migrations.AddField(
                model_name=name,
                name="phone_hash",
                field=safeguards.fields.KeyedHashField(blank=True, source="phone", verbose_name="phone hash"),
            )
            for name in MODELS
        ],
        *[
            migrations.AlterField(
                model_name=name, name="phone", field=models.TextField(blank=True, verbose_name="phone")
            )
            for name in MODELS
        ],
        migrations.RunPython(encrypt, decrypt, elidable=False),
        *[
            migrations.AlterField(
                model_name=name,
                name="phone",
                field=safeguards.fields.EncryptedPhoneField(blank=True, max_length=30, verbose_name="phone"),
            )
            for name in MODELS
        ],
    ]
