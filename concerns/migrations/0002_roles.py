"""Grant the concerns permissions to the staff roles (groups created in registry 0002).

District clerks handle the concerns of their jurisdiction: they read them, take one down
from a call or a letter (add), and investigate and close them (change); nobody deletes one.
City reviewers read them (the contact stays masked: they may not see personal data).
Frozen copy of the role map as of this migration; re-runnable.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "区级经办": ["view_concern", "add_concern", "change_concern"],  # district clerk
    "市级审核": ["view_concern"],  # city reviewer
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("concerns")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="concerns", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="concerns"))


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0001_initial"),
        ("registry", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
