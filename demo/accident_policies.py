"""Demo caregivers' accident insurance: two policies whose cover starts in November 2025, so
that a clerk's run of IM-ACCIDENT-631 for that month shows the county's 6/10
(000:1081-1083). Each is added once (by insurer and number)."""

from __future__ import annotations

import datetime

from registry.accident_policies import accident_policy_save
from registry.models import AccidentPolicy, Caregiver, Provider, User

# (provider, insurer, number, cover starts, premium, caregivers covered): demo values.
ACCIDENT_POLICIES = [
    (
        "昆都仑区阳光颐养院",
        "中国人寿保险股份有限公司包头分公司",
        "YW-2025-BT-0311",
        datetime.date(2025, 11, 3),
        "1260.00",
        3,
    ),
    (
        "东河区仁爱养老院",
        "中国人民财产保险股份有限公司包头分公司",
        "PEAC2025150202-0087",
        datetime.date(2025, 11, 15),
        "833.33",
        2,
    ),
]


def seed_accident_policies(clerk: User) -> int:
    """The demo's accident policies not there yet, recorded through the service."""
    created = 0
    for name, insurer, number, starts_on, premium, covered in ACCIDENT_POLICIES:
        provider = Provider.objects.filter(name=name).first()
        if provider is None or AccidentPolicy.objects.filter(insurer=insurer, number=number).exists():
            continue
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
