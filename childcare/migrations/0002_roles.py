"""Who may see and keep the childcare records (issue 17). The district clerk keeps
children, staff and classes, and may see the children's full identifiers as residents'
(registry.view_personal_data); the city reviewer, the inspector and the audit admin see
them masked; the system admin keeps the class standards, which are configuration."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECORDS = ["child", "childcareworker", "childcareclass"]
ROLES = {
    "区级经办": {model: ["view", "add", "change", "delete"] for model in RECORDS} | {"classstandard": ["view"]},
    "市级审核": {model: ["view"] for model in [*RECORDS, "classstandard"]},
    "检查员": {model: ["view"] for model in [*RECORDS, "classstandard"]},
    "审计管理员": {model: ["view"] for model in RECORDS},
    "系统管理员": {"classstandard": ["view", "add", "change"]},
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("childcare")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{verb}_{model}" for model, verbs in models.items() for verb in verbs]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="childcare", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="childcare"))


class Migration(migrations.Migration):
    dependencies = [("childcare", "0001_initial"), ("registry", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
