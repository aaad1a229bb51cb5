"""Who works the portal's back-office side (issue 18): the district clerk invites provider
staff, sees and revokes their access, and reviews what they send (accept or return); the
city reviewer and the audit admin see it all; inspectors see the submissions (evidence of
rectification reaches them through the findings)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "区级经办": [  # district clerk
        "view_submission",
        "review_submission",
        "view_invitation",
        "add_invitation",
        "view_provideraccess",
        "delete_provideraccess",
    ],
    "市级审核": ["view_submission", "view_invitation", "view_provideraccess"],  # city reviewer
    "检查员": ["view_submission"],  # inspector
    "审计管理员": ["view_submission", "view_invitation", "view_provideraccess"],  # audit admin
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("portal")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="portal", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="portal"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("registry", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
