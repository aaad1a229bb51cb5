"""Who may receive what (DOMAIN §7, issue 13): each fixed construction award only to its own
kind of facility (004:80), operating and construction grants only to social-run providers
(000:1011-1022, 000:1044-1052, 004:80), the Baotou caregiver allowance to every kind of
elderly service provider (004:82).

``load_reference_data`` never overwrites a scheme, so databases loaded before this change
are corrected here — each value only where it is still the one shipped before, never one
that staff edited since."""

from django.db import migrations, models

SOCIAL_RUN = ["private", "private_built_public_aid"]
SCHEMES = {
    # code: (field, value shipped before, value now)
    "IM-OPERATING": (
        "eligibility",
        [{"legal_form": ["non_profit"]}, {"operation_mode": ["public_built_private_run"]}],
        [
            {"legal_form": ["non_profit"], "operation_mode": SOCIAL_RUN},
            {"operation_mode": ["public_built_private_run"]},
        ],
    ),
    "IM-CONSTRUCT-BED": (
        "eligibility",
        [
            {
                "legal_form": ["non_profit"],
                "operation_mode": ["private", "private_built_public_aid", "public_built_private_run"],
            }
        ],
        [{"legal_form": ["non_profit"], "operation_mode": SOCIAL_RUN}],
    ),
    "BT-CONSTRUCT-BED": ("eligibility", [], [{"operation_mode": SOCIAL_RUN}]),
    "BT-CAREGIVER": (
        "provider_kinds",
        ["elderly_institution", "township_home", "medical_elderly"],
        [
            "elderly_institution",
            "township_home",
            "medical_elderly",
            "day_care_centre",
            "service_station",
            "happiness_home",
        ],
    ),
}
FIXED_AWARDS = ["happiness_home", "day_care_centre", "service_station"]


def forwards(apps, schema_editor):
    SubsidyScheme = apps.get_model("subsidies", "SubsidyScheme")
    Rate = apps.get_model("subsidies", "Rate")
    for code, (field, before, after) in SCHEMES.items():
        scheme = SubsidyScheme.objects.filter(code=code).first()
        if scheme is not None and getattr(scheme, field) == before:
            setattr(scheme, field, after)
            scheme.save(update_fields=[field])
    for key in FIXED_AWARDS:
        Rate.objects.filter(scheme__code="BT-CONSTRUCT-FIXED", key=key, provider_kinds=[]).update(provider_kinds=[key])


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0008_approver_not_preparer"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalrate",
            name="provider_kinds",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Empty: any kind the scheme allows, e.g. ["happiness_home"]',
                verbose_name="provider kinds for this rate",
            ),
        ),
        migrations.AddField(
            model_name="rate",
            name="provider_kinds",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Empty: any kind the scheme allows, e.g. ["happiness_home"]',
                verbose_name="provider kinds for this rate",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
