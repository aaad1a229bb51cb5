"""Grant the childcare permissions to the staff roles (groups created in registry 0002).

District clerks keep the children, childcare staff and classes of their jurisdiction (as
they keep residents and caregivers) and read the class standards; city reviewers, and the
inspectors who check the ratio (the childcare checklist's "保育人员配备比例"), read them;
city reviewers and the system admin change the class standards (reference data the
bureau may adjust, as they do indicators and fire-exemption rules). Frozen copy of the
role map as of this migration; re-runnable.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

KEPT = ["child", "childcareworker", "childcareclass"]


def _crud(models, verbs):
    return [f"{verb}_{model}" for model in models for verb in verbs]


ROLES = {
    "区级经办": [*_crud(KEPT, ["view", "add", "change"]), "view_classstandard"],  # district clerk
    "市级审核": [*_crud(KEPT, ["view"]), *_crud(["classstandard"], ["view", "add", "change"])],  # city reviewer
    "检查员": _crud(["childcareworker", "childcareclass", "classstandard"], ["view"]),  # inspector
    "系统管理员": _crud(["classstandard"], ["view", "add", "change"]),  # system admin
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("childcare")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="childcare", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="childcare"))


class Migration(migrations.Migration):
    dependencies = [
        ("childcare", "0001_initial"),
        ("registry", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
