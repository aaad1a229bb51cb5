"""Holds pause money; they do not forfeit it (DOMAIN §7, issue 13).

Lines used to carry the provider's holds of their month ("hold", "blacklisted"), which kept
them unpaid for ever. Payment batches now check the provider's holds when they are made,
so those two codes are taken off the lines: a line whose provider is no longer on hold
becomes payable, and one whose provider still is stays out of every batch until it ends.
"""

from django.db import migrations

PAUSES = {"hold", "blacklisted"}


def lines_keep_only_their_own_blockers(apps, schema_editor):
    GrantLine = apps.get_model("subsidies", "GrantLine")
    changed = []
    for line in GrantLine.objects.exclude(holds=[]).only("pk", "holds").iterator(chunk_size=2000):
        kept = [hold for hold in line.holds if hold.get("code") not in PAUSES]
        if kept != line.holds:
            line.holds = kept
            changed.append(line)
    GrantLine.objects.bulk_update(changed, ["holds"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0009_rate_provider_kinds")]

    operations = [migrations.RunPython(lines_keep_only_their_own_blockers, migrations.RunPython.noop)]
