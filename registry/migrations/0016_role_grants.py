"""Role grants (maker-checker for accounts) and the admin roles' permissions made exclusive.

- 安全管理员 security admin: loses ``auth.change_group`` (it could give its own role any
  permission) and ``registry.change_user``; confirms or refuses role grants.
- 系统管理员 system admin: requests role grants; keeps creating and changing accounts, but
  no longer edits roles or passwords directly (registry.staff.separation, registry.staff.accounts).
- 审计管理员 audit admin: reads role grants.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN = "系统管理员", "安全管理员", "审计管理员"
GRANTS = {
    SYSTEM_ADMIN: ["registry.view_rolegrant", "registry.add_rolegrant"],
    SECURITY_ADMIN: ["registry.view_rolegrant", "registry.confirm_rolegrant"],
    AUDIT_ADMIN: ["registry.view_rolegrant"],
}
REVOKES = {SECURITY_ADMIN: ["auth.change_group", "registry.change_user"]}


def _permissions(apps, names):
    Permission = apps.get_model("auth", "Permission")
    wanted = []
    for name in names:
        app_label, codename = name.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return wanted


def _set(apps, add, remove):
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name in {*add, *remove}:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, add.get(name, [])))
        group.permissions.remove(*_permissions(apps, remove.get(name, [])))


def forward(apps, schema_editor):
    _set(apps, GRANTS, REVOKES)


def backward(apps, schema_editor):
    _set(apps, REVOKES, GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('registry', '0015_roster_import_preview'),
    ]

    operations = [
        migrations.CreateModel(
            name='RoleGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(verbose_name='reason')),
                ('status', models.CharField(choices=[('pending', 'Waiting for confirmation'), ('confirmed', 'Confirmed'), ('refused', 'Refused')], default='pending', max_length=10, verbose_name='status')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='auth.group', verbose_name='role')),
                ('jurisdiction', models.ForeignKey(blank=True, help_text="The account's jurisdiction once confirmed; empty keeps the one it has.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.division', verbose_name='jurisdiction')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='role_grants', to=settings.AUTH_USER_MODEL, verbose_name='account')),
            ],
            options={
                'verbose_name': 'role grant',
                'verbose_name_plural': 'role grants',
                'ordering': ['-requested_at'],
                'permissions': [('confirm_rolegrant', 'Can confirm or refuse role grants')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('user', 'group'), name='rolegrant_one_pending_per_role'), models.CheckConstraint(condition=models.Q(('decided_by__isnull', True), models.Q(('decided_by', models.F('requested_by')), _negated=True), _connector='OR'), name='rolegrant_two_people')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
