"""Caregivers' accident insurance policies (000:1081-1083, issue 13): insurer, number, cover
period, premium and the caregivers covered, a provider record like its licences.

The district clerk records them (as it does licences); reviewers, finance and the audit
admin read them."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

ROLES = {
    "区级经办": ["view", "add", "change", "delete"],  # district clerk
    "市级审核": ["view"],  # city reviewer
    "财务": ["view"],  # finance
    "审计管理员": ["view"],  # audit admin
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("registry")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, verbs in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{verb}_accidentpolicy" for verb in verbs]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="registry", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(codename__endswith="_accidentpolicy"))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0026_resident_home_county"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalAccidentPolicy",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("insurer", models.CharField(max_length=100, verbose_name="insurer")),
                ("number", models.CharField(max_length=80, verbose_name="policy number")),
                ("starts_on", models.DateField(verbose_name="cover starts on")),
                ("ends_on", models.DateField(verbose_name="cover ends on")),
                (
                    "premium_yuan",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="The whole premium of the policy.",
                        max_digits=14,
                        verbose_name="premium (yuan)",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="registry.provider",
                        verbose_name="provider",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical caregiver accident insurance policy",
                "verbose_name_plural": "historical caregiver accident insurance policies",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="AccidentPolicy",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("insurer", models.CharField(max_length=100, verbose_name="insurer")),
                ("number", models.CharField(max_length=80, verbose_name="policy number")),
                ("starts_on", models.DateField(verbose_name="cover starts on")),
                ("ends_on", models.DateField(verbose_name="cover ends on")),
                (
                    "premium_yuan",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="The whole premium of the policy.",
                        max_digits=14,
                        verbose_name="premium (yuan)",
                    ),
                ),
                (
                    "caregivers",
                    models.ManyToManyField(
                        related_name="accident_policies", to="registry.caregiver", verbose_name="caregivers covered"
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="accident_policies",
                        to="registry.provider",
                        verbose_name="provider",
                    ),
                ),
            ],
            options={
                "verbose_name": "caregiver accident insurance policy",
                "verbose_name_plural": "caregiver accident insurance policies",
                "ordering": ["provider", "-starts_on", "pk"],
                "indexes": [models.Index(fields=["starts_on"], name="accident_policy_start")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_on__gt", models.F("starts_on"))),
                        name="accident_policy_ends_after_start",
                        violation_error_message="The cover must end after it starts.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("premium_yuan__gt", 0)),
                        name="accident_policy_premium_positive",
                        violation_error_message="The premium must be more than zero.",
                    ),
                    models.UniqueConstraint(
                        fields=("insurer", "number"), name="accident_policy_number_once_per_insurer"
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
