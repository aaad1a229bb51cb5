"""Background tasks kept while the broker is down (registry/deferred.py); the system
admin watches them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def grant(apps, schema_editor):
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="系统管理员")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="registry", codename="view_deferredtask"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="系统管理员"):
        group.permissions.remove(*group.permissions.filter(codename="view_deferredtask"))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0012_id_numbers_encrypted"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeferredTask",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task", models.CharField(max_length=200, verbose_name="task")),
                ("args", models.JSONField(blank=True, default=list, verbose_name="arguments")),
                ("kwargs", models.JSONField(blank=True, default=dict, verbose_name="keyword arguments")),
                ("options", models.JSONField(blank=True, default=dict, verbose_name="options")),
                ("error", models.TextField(blank=True, verbose_name="last error")),
                ("attempts", models.PositiveIntegerField(default=1, verbose_name="attempts")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="deferred at")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
            ],
            options={
                "verbose_name": "deferred background task",
                "verbose_name_plural": "deferred background tasks",
                "ordering": ["pk"],
                "indexes": [models.Index(fields=["sent_at", "id"], name="deferred_task_pending")],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
