"""Fill the preparers of runs, grants and batches made before they were kept (issue 23).

A preparer is the creator (``created_by`` / ``prepared_by``) and whoever saved the object
while it was still being prepared, as its history records them (the admin's request user):
a run or grant in draft, a batch in draft or submitted. The approval's own history row is
not a preparation. Nothing is left out to hide a past approval by a preparer: such an
object keeps that person among its preparers, for the record. Idempotent; no reverse
needed (reversing 0006 drops the tables).
"""

from django.conf import settings
from django.db import migrations

# (model, field naming its first preparer, states in which a save prepares it)
PREPARED = [
    ("GrantRun", "created_by", "status", ["draft"]),
    ("ConstructionGrant", "prepared_by", "status", ["draft"]),
    ("PaymentBatch", "prepared_by", "state", ["draft", "submitted"]),
]


def fill_preparers(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    users = set(User.objects.values_list("pk", flat=True))
    for name, maker, state_field, preparing in PREPARED:
        model = apps.get_model("subsidies", name)
        history = apps.get_model("subsidies", f"Historical{name}")
        through = model.preparers.through
        column = f"{model._meta.model_name}_id"
        pairs = set(model.objects.filter(**{f"{maker}__isnull": False}).values_list("pk", f"{maker}_id"))
        pairs |= set(
            history.objects.filter(history_user__isnull=False, **{f"{state_field}__in": preparing})
            .values_list("id", "history_user_id")
            .distinct()
        )
        existing = set(model.objects.values_list("pk", flat=True))
        through.objects.bulk_create(
            [through(**{column: pk, "user_id": user}) for pk, user in sorted(pairs) if pk in existing and user in users],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0006_preparers")]

    operations = [migrations.RunPython(fill_preparers, migrations.RunPython.noop)]
