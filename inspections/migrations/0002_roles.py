"""Grant the inspections permissions to the staff roles (groups created in registry 0002).

Frozen copy of the role map as of this migration. Re-runnable: permissions are added.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _perms(models, verbs):
    return [f"{verb}_{model}" for model in models for verb in verbs]


ALL = ["regime", "inspectiontask", "draw", "inspection", "finding", "evidence", "notification"]

ROLES = {
    "检查员": [  # inspector: records inspections, verifies rectifications
        *_perms(ALL, ["view"]),
        *_perms(["inspection", "finding"], ["add", "change"]),
        *_perms(["evidence"], ["add", "change", "delete"]),
        "change_inspectiontask",
        "verify_finding",
    ],
    "区级经办": [  # district clerk: self-inspections for providers, rectification reports, draws
        *_perms(ALL, ["view"]),
        *_perms(["inspection", "finding", "draw"], ["add", "change"]),
        *_perms(["evidence"], ["add", "change"]),
        "change_inspectiontask",
    ],
    "市级审核": [  # city reviewer: draws and regimes
        *_perms(ALL, ["view"]),
        *_perms(["draw", "regime"], ["add", "change"]),
    ],
    "财务": ["view_notification"],
    "系统管理员": [*_perms(["regime"], ["view", "add", "change"]), "view_notification"],
    "安全管理员": ["view_notification"],
    "审计管理员": _perms(ALL, ["view"]),
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("inspections")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="inspections", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="inspections"))


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("registry", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
