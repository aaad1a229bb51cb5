"""The security admin resets staff members' two-factor devices and unlocks login lockouts.

Grants the 安全管理员 group: view and delete TOTP devices (a deleted device makes its
owner enrol again; the secret key is never shown), view django-axes attempts and logs,
and delete attempts (which lifts a lockout). Re-runnable: permissions are added, never
appended twice.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SECURITY_ADMIN = "安全管理员"
PERMISSIONS = {
    "otp_totp": ["view_totpdevice", "delete_totpdevice"],
    "axes": ["view_accessattempt", "delete_accessattempt", "view_accessfailurelog", "view_accesslog"],
}


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    wanted = []
    for app_label, codenames in PERMISSIONS.items():
        wanted += list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    return wanted


def grant(apps, schema_editor):
    for app_label in PERMISSIONS:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=SECURITY_ADMIN)
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name=SECURITY_ADMIN):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_password_changed_at"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
