"""Demo caregivers' accident insurance: two policies whose cover starts in the demo's first
paid month, so that a clerk's run of IM-ACCIDENT-631 for that month shows the county's 6/10
(000:1081-1083). Each is added once (by insurer and number)."""

from __future__ import annotations

import datetime

from registry.accident_policies import accident_policy_save
from registry.models import AccidentPolicy, Caregiver, Provider, User

# (provider, insurer, number ({year}: the year cover starts), day of the month cover starts,
# premium, caregivers covered): demo values.
ACCIDENT_POLICIES = [
    ("昆都仑区阳光颐养院", "中国人寿保险股份有限公司包头分公司", "YW-{year}-BT-0311", 3, "1260.00", 3),
    ("东河区仁爱养老院", "中国人民财产保险股份有限公司包头分公司", "PEAC{year}150202-0087", 15, "833.33", 2),
]


def seed_accident_policies(clerk: User, month: datetime.date) -> int:
    """The demo's accident policies, cover starting in ``month``, recorded through the
    service; none when the provider already has a demo policy."""
    created = 0
    for name, insurer, number_format, day, premium, covered in ACCIDENT_POLICIES:
        provider = Provider.objects.filter(name=name).first()
        if provider is None or AccidentPolicy.objects.filter(provider=provider, insurer=insurer).exists():
            continue
        starts_on = month.replace(day=day)
        number = number_format.format(year=starts_on.year)
        caregivers = list(Caregiver.objects.filter(provider=provider).order_by("pk")[:covered])
        if not caregivers:
            continue
        accident_policy_save(
            provider=provider,
            insurer=insurer,
            number=number,
            starts_on=starts_on,
            ends_on=starts_on.replace(year=starts_on.year + 1) - datetime.timedelta(days=1),
            premium_yuan=premium,
            caregivers=caregivers,
            user=clerk,
        )
        created += 1
    return created
