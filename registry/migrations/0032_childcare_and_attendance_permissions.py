"""Who may see and keep childcare places and daily attendance (issue 17): the district
clerk keeps them, the city reviewer, the inspector, finance and the audit admin see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["childcareplaces", "attendance"]
ROLES = {
    "区级经办": ["view", "add", "change", "delete"],  # district clerk
    "市级审核": ["view"],  # city reviewer
    "财务": ["view"],  # finance
    "检查员": ["view"],  # inspector
    "审计管理员": ["view"],  # audit admin
}


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
    dependencies = [("registry", "0031_childcare_places_attendance_departments")]

    operations = [migrations.RunPython(grant, revoke)]
