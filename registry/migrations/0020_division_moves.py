"""Only the system admin changes a division's place (code, level, parent): the
``move_division`` permission, granted to 系统管理员 (registry/divisions.py). District clerks
keep ``change_division`` for the names of their local units."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name="系统管理员")
    group.permissions.add(Permission.objects.get(content_type__app_label="registry", codename="move_division"))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name="系统管理员"):
        group.permissions.remove(*group.permissions.filter(codename="move_division"))


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0019_audit_chain'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='division',
            options={'ordering': ['code'], 'permissions': [('move_division', "Can change a division's code, level or parent")], 'verbose_name': 'division', 'verbose_name_plural': 'divisions'},
        ),
        migrations.RunPython(grant, revoke),
    ]
