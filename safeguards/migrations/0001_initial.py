"""The platform's models move here from ``registry`` (issue 15) without moving a row: their
tables keep their names, so only Django's idea of where they live changes. The content
types are renamed, not recreated, so every permission granted on them and every admin log
entry pointing at them stays valid."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ("auditentry", "deferredtask", "passwordhistory")


def _move_content_types(from_label: str, to_label: str):
    def move(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in MOVED:
            # A content type the new label already has (created by an earlier run of the
            # post-migrate hook) has no permissions granted yet: it gives way.
            old = content_type.objects.filter(app_label=from_label, model=model).first()
            if old is None:
                continue
            content_type.objects.filter(app_label=to_label, model=model).delete()
            old.app_label = to_label
            old.save(update_fields=["app_label"])

    return move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("registry", "0021_password_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='DeferredTask',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('task', models.CharField(max_length=200, verbose_name='task')),
                        ('args', models.JSONField(blank=True, default=list, verbose_name='arguments')),
                        ('kwargs', models.JSONField(blank=True, default=dict, verbose_name='keyword arguments')),
                        ('options', models.JSONField(blank=True, default=dict, verbose_name='options')),
                        ('error', models.TextField(blank=True, verbose_name='last error')),
                        ('attempts', models.PositiveIntegerField(default=1, verbose_name='attempts')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='deferred at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                    ],
                    options={
                        'verbose_name': 'deferred background task',
                        'verbose_name_plural': 'deferred background tasks',
                        'db_table': 'registry_deferredtask',
                        'ordering': ['pk'],
                        'indexes': [models.Index(fields=['sent_at', 'id'], name='deferred_task_pending')],
                    },
                ),
                migrations.CreateModel(
                    name='PasswordHistory',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('password', models.CharField(max_length=128, verbose_name='password')),
                        ('replaced_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='replaced at')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='account')),
                    ],
                    options={
                        'verbose_name': 'earlier password',
                        'verbose_name_plural': 'earlier passwords',
                        'db_table': 'registry_passwordhistory',
                    },
                ),
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time')),
                        ('action', models.CharField(db_index=True, max_length=60, verbose_name='action')),
                        ('actor_name', models.CharField(blank=True, max_length=150, verbose_name='user name')),
                        ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                        ('object_type', models.CharField(blank=True, max_length=100, verbose_name='object type')),
                        ('object_id', models.CharField(blank=True, max_length=64, verbose_name='object id')),
                        ('object_repr', models.CharField(blank=True, max_length=200, verbose_name='object')),
                        ('before', models.JSONField(blank=True, null=True, verbose_name='before')),
                        ('after', models.JSONField(blank=True, null=True, verbose_name='after')),
                        ('detail', models.TextField(blank=True, verbose_name='detail')),
                        ('chain_hash', models.CharField(blank=True, db_default='', help_text='HMAC of this entry and the one before it: a changed or removed entry breaks the chain.', max_length=64, verbose_name='chain hash')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                    ],
                    options={
                        'verbose_name': 'audit entry',
                        'verbose_name_plural': 'audit log',
                        'db_table': 'registry_auditentry',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['object_type', 'object_id'], name='audit_object')],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            _move_content_types("registry", "safeguards"), _move_content_types("safeguards", "registry")
        ),
    ]
