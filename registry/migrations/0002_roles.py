"""Create the staff roles as groups with their registry permissions.

A frozen copy of the role map as of this migration (migrations must not import app
code). Later apps grant their own permissions to these groups in their own migrations.
Re-runnable: permissions are set, not appended.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REGISTRY_DATA = ["provider", "licence", "feeitem", "annualreport", "creditrecord", "resident", "caregiver"]


def _crud(models, verbs):
    return [f"registry.{verb}_{model}" for model in models for verb in verbs]


ROLES = {
    "区级经办": [  # district clerk
        *_crud(REGISTRY_DATA, ["view", "add", "change"]),
        *_crud(["licence", "feeitem"], ["delete"]),
        *_crud(["division"], ["view", "add", "change"]),
        *_crud(["providerstatuschange", "providerhold"], ["view"]),
        "registry.file_provider",
        "registry.view_personal_data",
    ],
    "市级审核": [  # city reviewer
        *_crud(REGISTRY_DATA + ["division", "providerstatuschange", "providerhold"], ["view"]),
        "registry.change_provider",
        *_crud(["creditrecord", "providerhold"], ["add", "change"]),
        "registry.certify_provider",
        "registry.suspend_provider",
        "registry.reinstate_provider",
        "registry.close_provider",
        "registry.revoke_provider",
    ],
    "财务": _crud(["provider", "division", "creditrecord", "providerhold", "providerstatuschange"], ["view"]),  # finance
    "检查员": _crud(  # inspector
        ["provider", "licence", "feeitem", "division", "creditrecord", "providerhold", "providerstatuschange"], ["view"]
    ),
    "系统管理员": [  # system admin: users and configuration
        *_crud(["user"], ["view", "add", "change"]),
        *_crud(["division", "fireexemptionrule"], ["view", "add", "change"]),
        "auth.view_group",
    ],
    "安全管理员": [  # security admin: roles and permissions
        "auth.view_group",
        "auth.change_group",
        "auth.view_permission",
        "registry.view_user",
        "registry.change_user",
    ],
    "审计管理员": [  # audit admin: read-only logs
        "admin.view_logentry",
        "registry.view_providerstatuschange",
    ],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
