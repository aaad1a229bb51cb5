"""The audit admin reads (and may export) the audit log; nobody may change it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="审计管理员")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="registry", codename__in=["view_auditentry", "view_rosterimport", "view_dataexport"]
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="审计管理员"):
        group.permissions.remove(*group.permissions.filter(codename__in=["view_auditentry"]))


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_audit_log_append_only")]

    operations = [migrations.RunPython(grant, revoke)]
