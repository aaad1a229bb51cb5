"""Care-level weights of operating grants (000:906-908, 000:920-925), and their
permissions for the staff roles: the city reviewer keeps them as it keeps the rate tables
(0003_roles), every money role may view them. Re-runnable: permissions are added."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

ROLES = {
    "区级经办": ["view_carelevelweight"],  # district clerk
    "市级审核": ["view_carelevelweight", "add_carelevelweight", "change_carelevelweight"],  # city reviewer
    "财务": ["view_carelevelweight"],  # finance
    "审计管理员": ["view_carelevelweight"],  # audit admin: read-only
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("subsidies")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="subsidies", codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    weights = Permission.objects.filter(content_type__app_label="subsidies", codename__endswith="_carelevelweight")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*weights)


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0013_living_allowances"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalCareLevelWeight",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "care_level",
                    models.CharField(
                        choices=[
                            ("self_care", "Self-care"),
                            ("partly_disabled", "Partly disabled"),
                            ("disabled", "Disabled"),
                            ("cognitively_impaired", "Cognitively impaired"),
                        ],
                        max_length=30,
                        verbose_name="care level",
                    ),
                ),
                (
                    "weight",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="How many residents one resident of this care level counts for; 1.00 counts once.",
                        max_digits=5,
                        validators=[django.core.validators.MinValueValidator(Decimal("0.01"))],
                        verbose_name="weight",
                    ),
                ),
                ("effective_from", models.DateField(verbose_name="effective from")),
                ("effective_to", models.DateField(blank=True, null=True, verbose_name="effective to")),
                (
                    "source",
                    models.CharField(
                        help_text="Seed document and lines, e.g. 004:80", max_length=200, verbose_name="source"
                    ),
                ),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
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
                    "scheme",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        limit_choices_to={"kind": "operating"},
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="subsidies.subsidyscheme",
                        verbose_name="scheme",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical care-level weight",
                "verbose_name_plural": "historical care-level weights",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="CareLevelWeight",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "care_level",
                    models.CharField(
                        choices=[
                            ("self_care", "Self-care"),
                            ("partly_disabled", "Partly disabled"),
                            ("disabled", "Disabled"),
                            ("cognitively_impaired", "Cognitively impaired"),
                        ],
                        max_length=30,
                        verbose_name="care level",
                    ),
                ),
                (
                    "weight",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="How many residents one resident of this care level counts for; 1.00 counts once.",
                        max_digits=5,
                        validators=[django.core.validators.MinValueValidator(Decimal("0.01"))],
                        verbose_name="weight",
                    ),
                ),
                ("effective_from", models.DateField(verbose_name="effective from")),
                ("effective_to", models.DateField(blank=True, null=True, verbose_name="effective to")),
                (
                    "source",
                    models.CharField(
                        help_text="Seed document and lines, e.g. 004:80", max_length=200, verbose_name="source"
                    ),
                ),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
                (
                    "scheme",
                    models.ForeignKey(
                        limit_choices_to={"kind": "operating"},
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="care_level_weights",
                        to="subsidies.subsidyscheme",
                        verbose_name="scheme",
                    ),
                ),
            ],
            options={
                "verbose_name": "care-level weight",
                "verbose_name_plural": "care-level weights",
                "ordering": ["scheme", "care_level", "-effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scheme", "care_level", "effective_from"), name="care_weight_once_per_level_and_start"
                    ),
                    models.CheckConstraint(condition=models.Q(("weight__gt", 0)), name="care_weight_positive"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("effective_to__isnull", True),
                            ("effective_to__gte", models.F("effective_from")),
                            _connector="OR",
                        ),
                        name="care_weight_ends_after_it_starts",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
