"""The providers' own checks (issue 18) in the back office: every role that sees the
inspections sees the weekly and daily logs (nobody edits them: the provider writes them
through the portal). Re-runnable: permissions are added."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "检查员": ["view_selfcheck"],  # inspector
    "区级经办": ["view_selfcheck"],  # district clerk: the list of providers behind opens from here
    "市级审核": ["view_selfcheck"],  # city reviewer
    "审计管理员": ["view_selfcheck"],  # audit admin
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
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="inspections", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="inspections", codename="view_selfcheck")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0007_self_checks_and_returned_rectifications"), ("registry", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
