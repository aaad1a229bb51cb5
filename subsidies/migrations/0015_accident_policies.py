"""Caregiver accident insurance 6:3:1 (000:1081-1083, issue 13): who pays the government's
part. "所需资金由同级财政安排": the banner/county finance of the provider pays all of it
(docs/subsidies.md, "Caregiver accident insurance (6:3:1)").

``load_reference_data`` never overwrites a scheme, so a database loaded before this change
gets the value here, only where the scheme still names no payer."""

from django.db import migrations, models

GOVERNMENT_PAYERS = {"IM-ACCIDENT-631": [["county", 1]]}


def forwards(apps, schema_editor):
    SubsidyScheme = apps.get_model("subsidies", "SubsidyScheme")
    for code, payers in GOVERNMENT_PAYERS.items():
        SubsidyScheme.objects.filter(code=code, government_payers=[]).update(government_payers=payers)


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0014_care_level_weights"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalsubsidyscheme",
            name="government_payers",
            field=models.JSONField(
                blank=True, default=list, help_text='[["county", 1]]', verbose_name="government share paid by"
            ),
        ),
        migrations.AddField(
            model_name="subsidyscheme",
            name="government_payers",
            field=models.JSONField(
                blank=True, default=list, help_text='[["county", 1]]', verbose_name="government share paid by"
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
