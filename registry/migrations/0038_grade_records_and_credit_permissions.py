"""Grade history starts from what exists (issue 19): one grade record for every provider
graded today, from its certification date (else the day it was created; when it was
assessed is not known), noted "migrated". And who may keep grades, credit disclosures and
objections: the district clerk and the city reviewer keep them; finance, the inspector and
the audit admin see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_GRADE_STANDARD = "《养老机构等级划分与评定》（GB/T 37276-2018）"
MODELS = ["providergrade", "creditdisclosure", "creditobjection"]
ROLES = {
    "区级经办": ["view", "add", "change"],  # district clerk
    "市级审核": ["view", "add", "change"],  # city reviewer
    "财务": ["view"],  # finance
    "检查员": ["view"],  # inspector
    "审计管理员": ["view"],  # audit admin
}


def grades_from_current(apps, schema_editor):
    Provider = apps.get_model("registry", "Provider")
    ProviderGrade = apps.get_model("registry", "ProviderGrade")
    rows = []
    for provider in Provider.objects.filter(grade__gt=0).exclude(grades__isnull=False).iterator(chunk_size=2000):
        since = provider.certified_on or provider.created_at.date()
        rows.append(
            ProviderGrade(
                provider_id=provider.pk,
                grade=provider.grade,
                standard=DEFAULT_GRADE_STANDARD,
                assessor="",
                assessed_on=since,
                valid_from=since,
                notes="migrated",
            )
        )
    ProviderGrade.objects.bulk_create(rows, batch_size=2000)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, verbs in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{verb}_{model}" for model in MODELS for verb in verbs]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="registry", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        for model in MODELS:
            group.permissions.remove(*group.permissions.filter(codename__endswith=f"_{model}"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0037_grade_history_credit_disclosure")]

    operations = [
        migrations.RunPython(grades_from_current, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
