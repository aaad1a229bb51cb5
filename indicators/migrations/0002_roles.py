"""Grant the indicators' permissions to the staff roles (groups created in registry 0002).

Every role with a jurisdiction may read the indicators and their snapshots (the dashboard
needs no permission beyond that). District clerks and city reviewers enter the population
and community figures of their jurisdiction; city reviewers may adjust an indicator's
target or name. Frozen copy of the role map as of this migration; re-runnable.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = ["view_indicator", "view_indicatorsnapshot", "view_populationfigure", "view_communitycount"]
ENTER = ["add_populationfigure", "change_populationfigure", "add_communitycount", "change_communitycount"]

ROLES = {
    "区级经办": [*READ, *ENTER],  # district clerk
    "市级审核": [*READ, *ENTER, "change_indicator"],  # city reviewer
    "财务": READ,  # finance
    "检查员": READ,  # inspector
    "审计管理员": READ,  # audit admin: read-only
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("indicators")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="indicators", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="indicators"))


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("registry", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
