"""Demo infant care (issue 17): what Baotou's childcare providers offer and who is there.

* Places (托位) by service mode and age band adding up to each provider's places; how it is
  run (a chain, an employer's, embedded in a community); inclusive places and their price
  cap; two demonstration providers; the registration data pushed to the health commission;
  fees for half-day and hourly care where offered.
* Classes of the national standard's types, filled with children enrolled at 70-95 % of
  the places (ID or birth-certificate numbers, guardians' phones, all demo values), and
  enough carers for each class's ratio — except one class of 昆都仑区贝贝乐托育中心, one
  carer short, and one child of 青山区育才托儿所 who turns 3 this month and is still
  enrolled: the district clerk's workbench shows both.
* Day-care centres and service stations: their daily capacity and two weeks of attendance
  (what the public page shows for them instead of vacant beds).

Elderly caregivers' records are not used for childcare staff: ``childcare_staff`` turns the
staff the main plan drew for a childcare provider into childcare workers.

Deterministic (one ``random.Random`` per provider and purpose) and idempotent: a provider
that has places by mode is left alone; attendance is added for the days missing, so a
later run moves it forward.
"""

from __future__ import annotations

import datetime
import math
import random
from typing import Any

from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from childcare.models import Child, ChildcareClass, ChildcareWorker, ClassStandard, ClassType, SkillLevel, StaffRole
from registry.models import (
    AgeBand,
    Attendance,
    CareMode,
    ChildcarePlaces,
    ChildcareSetting,
    DemonstrationLevel,
    FeeItem,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
    ProviderStatus,
    User,
)
from registry.occupancy import DAY_KINDS, sync_childcare_places
from safeguards.identifiers import make_id_number

from .baotou import BAOTOU_ID_AREAS, CHANGE_REASON, SEED, SYSTEM_USERNAME
from .people import add_years, days, mobile, money, person_name, random_date

K = ProviderKind
OPERATING = [ProviderStatus.FILED, ProviderStatus.CERTIFIED, ProviderStatus.SUSPENDED]
SHORT_OF_CARERS = "昆都仑区贝贝乐托育中心"
TURNS_THREE = "青山区育才托儿所"
DEMONSTRATION = {
    "东河区机关托儿所": (DemonstrationLevel.REGION, 2024),
    "青山区小太阳托育园": (DemonstrationLevel.LEAGUE_CITY, 2025),
}
BAND_CLASS: dict[str, str] = {AgeBand.UNDER_1: ClassType.INFANT, AgeBand.ONE_TO_TWO: ClassType.TODDLER_SMALL}
BAND_CLASS[AgeBand.TWO_TO_THREE] = ClassType.TODDLER_LARGE
CLASS_NAMES: dict[str, str] = {
    ClassType.INFANT: "乳儿",
    ClassType.TODDLER_SMALL: "托小",
    ClassType.TODDLER_LARGE: "托大",
}
NUMERALS = "一二三四五六七八九十"
# The national standard's limits (DOMAIN §7), if the class standards are not loaded yet.
STANDARD_LIMITS: dict[str, tuple[int, int]] = {
    ClassType.INFANT: (10, 3),
    ClassType.TODDLER_SMALL: (15, 5),
    ClassType.TODDLER_LARGE: (20, 7),
}
# Age in months at the youngest and oldest of each band (a child of a band turns 3 after this month).
BAND_MONTHS: dict[str, tuple[int, int]] = {
    AgeBand.UNDER_1: (6, 11),
    AgeBand.ONE_TO_TWO: (12, 23),
    AgeBand.TWO_TO_THREE: (24, 34),
}
SKILL_BY_CERTIFICATE = {"none": SkillLevel.NONE, "junior": SkillLevel.LEVEL_5}
SKILL_BY_CERTIFICATE |= {"intermediate": SkillLevel.LEVEL_4, "senior": SkillLevel.LEVEL_3}


def childcare_staff(caregivers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The staff the main plan drew for a childcare provider, as childcare workers: a
    director and a health-care worker where there are four or more, carers otherwise."""
    staff = []
    for n, person in enumerate(caregivers):
        if len(caregivers) >= 4 and n == 0:
            role = StaffRole.DIRECTOR
        elif len(caregivers) >= 4 and n == 1:
            role = StaffRole.HEALTH_CARE
        else:
            role = StaffRole.NURSERY_CARER if n % 2 else StaffRole.INFANT_CARER
        level = SKILL_BY_CERTIFICATE[person["certificate_level"]]
        staff.append(
            {
                "name": person["name"],
                "id_number": person["id_number"],
                "phone": person["phone"],
                "role": role,
                "qualification": "保育师职业技能等级证书" if level != SkillLevel.NONE else "",
                "skill_level": level,
                "certificate_number": person["certificate_number"],
                "employed_from": person["employed_from"],
                "employed_to": person["employed_to"],
            }
        )
    return staff


@transaction.atomic
def seed(today: datetime.date) -> dict[str, int]:
    actor = User.objects.get(username=SYSTEM_USERNAME)
    created = {"childcare providers described": 0, "children enrolled": 0, "attendance days": 0}
    providers = Provider.objects.filter(status__in=OPERATING, kind__in=K.childcare(), childcare_places__gt=0)
    for provider in providers.order_by("pk"):
        if provider.childcare_place_offers.exists():
            continue
        describe_provider(provider, today, actor)
        created["childcare providers described"] += 1
        created["children enrolled"] += enrol_children(provider, today, actor)
    day_providers = Provider.objects.filter(status__in=OPERATING, kind__in=DAY_KINDS).order_by("pk")
    for provider in day_providers:
        created["attendance days"] += record_attendance(provider, today, actor)
    return created


def _rng(provider: Provider, purpose: str) -> random.Random:
    return random.Random(f"{SEED}:childcare:{provider.uscc}:{purpose}")


def _save(provider: Provider, actor: User, fields: list[str]) -> None:
    provider._history_user = actor
    provider._change_reason = CHANGE_REASON
    provider.save(update_fields=[*fields, "updated_at"])


def bands_of(kind: str) -> dict[str, float]:
    """Which ages a kind takes, and their shares of its places."""
    if kind in {K.KINDERGARTEN_CLASS, K.HOME_CHILDCARE}:  # 2-3 years (000:102-104); a home point, the oldest
        return {AgeBand.TWO_TO_THREE: 1.0}
    if kind == K.WORKPLACE_CHILDCARE:
        return {AgeBand.ONE_TO_TWO: 0.4, AgeBand.TWO_TO_THREE: 0.6}
    return {AgeBand.UNDER_1: 0.15, AgeBand.ONE_TO_TWO: 0.35, AgeBand.TWO_TO_THREE: 0.5}


def modes_of(rng: random.Random, kind: str) -> dict[str, float]:
    if kind in {K.KINDERGARTEN_CLASS, K.HOME_CHILDCARE}:
        return {CareMode.FULL_DAY: 1.0}
    if kind == K.WORKPLACE_CHILDCARE:
        return {CareMode.FULL_DAY: 0.8, CareMode.TEMPORARY: 0.2}
    shares: dict[str, float] = {CareMode.FULL_DAY: 0.7, CareMode.HALF_DAY: 0.2, CareMode.TEMPORARY: 0.1}
    if rng.random() < 0.5:
        shares = {CareMode.FULL_DAY: 0.65, CareMode.HALF_DAY: 0.15, CareMode.HOURLY: 0.1, CareMode.TEMPORARY: 0.1}
    return shares


def split(total: int, shares: dict[str, float]) -> dict[str, int]:
    """``total`` in parts of ``shares``, adding up exactly (the largest part takes the rest)."""
    parts = {key: math.floor(total * share) for key, share in shares.items()}
    largest = max(shares, key=lambda key: shares[key])
    parts[largest] += total - sum(parts.values())
    return parts


def describe_provider(provider: Provider, today: datetime.date, actor: User) -> None:
    rng = _rng(provider, "places")
    rows = []
    for mode, mode_places in split(provider.childcare_places, modes_of(rng, provider.kind)).items():
        for band, places in split(mode_places, bands_of(provider.kind)).items():
            if places:
                rows.append(ChildcarePlaces(provider=provider, mode=mode, age_band=band, places=places))
    bulk_create_with_history(rows, ChildcarePlaces, default_user=actor, default_change_reason=CHANGE_REASON)
    sync_childcare_places(provider)

    setting: dict[str, str] = {
        K.WORKPLACE_CHILDCARE: ChildcareSetting.EMPLOYER,
        K.COMMUNITY_CHILDCARE: ChildcareSetting.EMBEDDED,
    }
    provider.childcare_setting = setting.get(provider.kind, ChildcareSetting.STANDALONE)
    if provider.kind == K.INFANT_CARE and rng.random() < 0.4:
        provider.childcare_setting = ChildcareSetting.CHAIN
    publicly_backed = provider.legal_form == LegalForm.NON_PROFIT or provider.operation_mode != OperationMode.PRIVATE
    if publicly_backed or provider.kind == K.WORKPLACE_CHILDCARE:
        provider.inclusive_places = round(provider.childcare_places * rng.uniform(0.5, 1.0))
        provider.inclusive_price = money(rng.randrange(1200, 1801, 100))
    elif rng.random() < 0.5:
        provider.inclusive_places = round(provider.childcare_places * rng.uniform(0.2, 0.4))
        provider.inclusive_price = money(rng.randrange(1800, 2201, 100))
    provider.demonstration_level, provider.demonstration_year = DEMONSTRATION.get(provider.name, ("", None))
    if provider.filed_on:
        provider.registration_pushed_on = provider.filed_on - days(rng.randint(3, 20))
    _save(
        provider,
        actor,
        [
            "childcare_setting",
            "inclusive_places",
            "inclusive_price",
            "demonstration_level",
            "demonstration_year",
            "registration_pushed_on",
        ],
    )
    add_mode_fees(provider, rng, actor, {row.mode for row in rows})


def add_mode_fees(provider: Provider, rng: random.Random, actor: User, modes: set[str]) -> None:
    """Half-day and hourly fees where the provider offers them (the full-day and temporary
    fees come with the main plan's fees)."""
    full_day = provider.fee_items.filter(care_mode=CareMode.FULL_DAY).first()
    since = full_day.effective_from if full_day else (provider.filed_on or provider.certified_on)
    if since is None:
        return
    fees = []
    if CareMode.HALF_DAY in modes:
        amount = money(rng.randrange(900, 1801, 50))
        fees.append(("保育费(半日托)", amount, FeeItem.Unit.MONTH, CareMode.HALF_DAY))
    if CareMode.HOURLY in modes:
        fees.append(("计时托(每小时)", money(rng.randrange(30, 61, 5)), FeeItem.Unit.HOUR, CareMode.HOURLY))
    items = [
        FeeItem(
            provider=provider,
            kind=FeeItem.Kind.CHILDCARE,
            name=name,
            amount=amount,
            unit=unit,
            care_mode=mode,
            effective_from=since,
        )
        for name, amount, unit, mode in fees
    ]
    bulk_create_with_history(items, FeeItem, default_user=actor, default_change_reason=CHANGE_REASON)


def limits(class_type: str, today: datetime.date) -> tuple[int, int]:
    """(most children, children per carer) of a class type on ``today``."""
    standard = (
        ClassStandard.objects.filter(class_type=class_type, effective_from__lte=today)
        .order_by("-effective_from")
        .first()
    )
    return (standard.max_children, standard.children_per_carer) if standard else STANDARD_LIMITS[class_type]


def birth_date_in(rng: random.Random, band: str, today: datetime.date) -> datetime.date:
    youngest, oldest = BAND_MONTHS[band]
    earliest = add_months(today, -oldest)
    earliest = max(earliest, add_months(today.replace(day=1), -35))  # turns 3 after this month
    return random_date(rng, earliest, add_months(today, -youngest))


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


def child_identifier(rng: random.Random, birth: datetime.date, used: set[str]) -> str:
    """An ID number for most children; a birth-certificate number for some babies."""
    while True:
        if rng.random() < 0.2:
            number = f"{rng.choice('MNOPQR')}{rng.randrange(150000000, 150999999)}"
        else:
            number = make_id_number(rng.choice(BAOTOU_ID_AREAS), birth, rng.randrange(1000))
        if number not in used:
            used.add(number)
            return number


def enrol_children(provider: Provider, today: datetime.date, actor: User) -> int:
    """Classes, children and the carers their ratios need."""
    if provider.children.exists():
        return 0
    rng = _rng(provider, "children")
    opened = provider.filed_on or provider.certified_on or today - days(365)
    offers = list(provider.childcare_place_offers.all())
    classes: dict[str, list[ChildcareClass]] = {}
    children: list[Child] = []
    used: set[str] = set()
    by_band: dict[str, list[Child]] = {}
    for offer in offers:
        for _ in range(round(offer.places * rng.uniform(0.7, 0.95))):
            birth = birth_date_in(rng, offer.age_band, today)
            earliest = max(birth + days(183), opened, today - days(400))
            child = Child(
                provider=provider,
                name=person_name(rng, male=rng.random() < 0.5, elderly=False),
                id_number=child_identifier(rng, birth, used),
                birth_date=birth,
                mode=offer.mode,
                enrolled_on=random_date(rng, min(earliest, today - days(1)), today - days(1)),
                guardian_name=person_name(rng, male=rng.random() < 0.3, elderly=False),
                phone=mobile(rng),
            )
            children.append(child)
            by_band.setdefault(offer.age_band, []).append(child)
    if provider.name == TURNS_THREE and children:  # turns 3 this month, still enrolled
        turning = children[-1]
        turning.birth_date = add_years(today.replace(day=1), -3)
        turning.id_number = child_identifier(rng, turning.birth_date, used)
    staff = list(  # carers at work today; those who left stay unassigned
        provider.childcare_staff.filter(
            role__in=[StaffRole.NURSERY_CARER, StaffRole.INFANT_CARER], employed_from__lte=today
        ).filter(Q(employed_to__isnull=True) | Q(employed_to__gte=today))
    )
    new_staff: list[ChildcareWorker] = []
    for band, members in by_band.items():
        class_type = BAND_CLASS[band]
        largest, per_carer = limits(class_type, today)
        count = math.ceil(len(members) / largest)
        for n in range(count):
            group = ChildcareClass.objects.create(
                provider=provider, name=f"{CLASS_NAMES[class_type]}{NUMERALS[n % 10]}班", class_type=class_type
            )
            classes.setdefault(band, []).append(group)
            pupils = members[n::count]
            for child in pupils:
                child.childcare_class = group
            needed = math.ceil(len(pupils) / per_carer)
            if provider.name == SHORT_OF_CARERS and band == AgeBand.TWO_TO_THREE and n == 0:
                needed -= 1  # one carer short: the workbench shows the class
            for _ in range(needed):
                carer = staff.pop() if staff else None
                if carer is None:
                    carer = new_carer(rng, provider, opened, today, used)
                    new_staff.append(carer)
                carer.childcare_class = group
                if carer.pk:
                    carer.save(update_fields=["childcare_class"])
    for worker in new_staff:
        worker.full_clean(validate_unique=False, validate_constraints=False)
    bulk_create_with_history(new_staff, ChildcareWorker, default_user=actor, default_change_reason=CHANGE_REASON)
    for child in children:
        child.full_clean(validate_unique=False, validate_constraints=False)
    bulk_create_with_history(children, Child, default_user=actor, default_change_reason=CHANGE_REASON)
    return len(children)


def new_carer(
    rng: random.Random, provider: Provider, opened: datetime.date, today: datetime.date, used: set[str]
) -> ChildcareWorker:
    birth = random_date(rng, datetime.date(1975, 1, 1), datetime.date(2002, 12, 31))
    number = make_id_number(rng.choice(BAOTOU_ID_AREAS), birth, rng.randrange(1000))
    while number in used:
        number = make_id_number(rng.choice(BAOTOU_ID_AREAS), birth, rng.randrange(1000))
    used.add(number)
    level = rng.choice([SkillLevel.LEVEL_5, SkillLevel.LEVEL_4, SkillLevel.LEVEL_4, SkillLevel.LEVEL_3])
    return ChildcareWorker(
        provider=provider,
        name=person_name(rng, male=rng.random() < 0.05, elderly=False),
        id_number=number,
        phone=mobile(rng),
        role=rng.choice([StaffRole.NURSERY_CARER, StaffRole.INFANT_CARER, StaffRole.TEACHER]),
        qualification="保育师职业技能等级证书",
        skill_level=level,
        certificate_number=f"BY1502{opened.year}{level}{rng.randrange(10**6):06d}",
        employed_from=random_date(rng, opened, max(opened, today - days(30))),
    )


def record_attendance(provider: Provider, today: datetime.date, actor: User) -> int:
    """A daily capacity once, then the attendance of each of the last 14 days not recorded."""
    rng = _rng(provider, "capacity")
    if provider.day_capacity is None:
        lowest, highest = (30, 81) if provider.kind == K.DAY_CARE_CENTRE else (20, 51)
        provider.day_capacity = rng.randrange(lowest, highest, 5)
        _save(provider, actor, ["day_capacity"])
    capacity = provider.day_capacity
    last_open = provider.status_changed_on if provider.status == ProviderStatus.SUSPENDED else None
    wanted = [today - days(n) for n in range(14, 0, -1)]
    if last_open:
        wanted = [day for day in wanted if day < last_open]
    known = set(provider.attendances.filter(day__in=wanted).values_list("day", flat=True))
    rows = []
    for day in wanted:
        if day in known:
            continue
        day_rng = random.Random(f"{SEED}:attendance:{provider.uscc}:{day}")
        share = day_rng.uniform(0.25, 0.5) if day.weekday() >= 5 else day_rng.uniform(0.55, 0.95)
        rows.append(Attendance(provider=provider, day=day, attended=round(capacity * share)))
    bulk_create_with_history(rows, Attendance, default_user=actor, default_change_reason=CHANGE_REASON)
    return len(rows)
