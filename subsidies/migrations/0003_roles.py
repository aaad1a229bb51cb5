"""Grant the subsidies permissions to the staff roles (groups created in registry 0002).

Frozen copy of the role map as of this migration. Re-runnable: permissions are added.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _perms(models, verbs):
    return [f"{verb}_{model}" for model in models for verb in verbs]


MONEY = ["subsidyscheme", "rate", "constructiongrant", "instalment", "grantrun", "grantline",
         "paymentbatch", "paymentitem", "recovery", "repayment", "providerledger"]

ROLES = {
    "区级经办": [  # district clerk: prepares grants and runs
        *_perms(MONEY, ["view"]),
        *_perms(["constructiongrant", "grantrun"], ["add", "change"]),
    ],
    "市级审核": [  # city reviewer: approves grants and runs, keeps the rate tables
        *_perms(MONEY, ["view"]),
        *_perms(["rate", "subsidyscheme"], ["add", "change"]),
        *_perms(["recovery"], ["add", "change"]),
        "approve_constructiongrant",
        "approve_grantrun",
        "approve_paymentbatch",
    ],
    "财务": [  # finance: batches, payment files, reconciliation, recoveries
        *_perms(MONEY, ["view"]),
        *_perms(["paymentbatch", "recovery"], ["add", "change"]),
        "add_repayment",
        "approve_paymentbatch",
    ],
    "审计管理员": _perms(MONEY, ["view"]),  # audit admin: read-only
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
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="subsidies"))


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0002_provider_ledger"),
        ("registry", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
