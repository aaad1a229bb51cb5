"""Vacancies by kind (issue 17) and the childcare side of the public register: a home shows
vacant beds, a nursery vacant places (places − children enrolled, per mode on its page), a
day-care centre its capacity and the day's attendance and no vacant beds, each with its
date; the directory filters childcare by age band, mode, inclusive places and
demonstration; no child's data reaches a public page, the CSV or the API."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from downloads import file_bytes
from factories import FeeItemFactory, ProviderFactory, ResidentFactory

from childcare.models import Child
from registry.models import (
    AgeBand,
    Attendance,
    CareMode,
    ChildcarePlaces,
    DemonstrationLevel,
    FeeItem,
    FilingAuthority,
    LegalForm,
    Provider,
    ProviderKind,
    ProviderStatus,
    RegistrationAuthority,
)
from registry.occupancy import sync_childcare_places
from safeguards.identifiers import make_id_number, mask_id_number, mask_phone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions", "fresh_cache")]

DAY = datetime.timedelta(days=1)


def today() -> datetime.date:
    return timezone.localdate()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def nursery(name: str = "测试托育园", **fields: Any) -> Provider:
    values = {
        "kind": ProviderKind.NURSERY,
        "legal_form": LegalForm.FOR_PROFIT,
        "registration_authority": RegistrationAuthority.MARKET_REGULATION,
        "status": ProviderStatus.CERTIFIED,
        "beds": 0,
        "nursing_beds": 0,
        **fields,
    }
    return ProviderFactory(name=name, **values)


def offer(provider: Provider, places: dict[tuple[str, str], int]) -> None:
    for (mode, band), n in places.items():
        ChildcarePlaces.objects.create(provider=provider, mode=mode, age_band=band, places=n)
    sync_childcare_places(provider)
    provider.refresh_from_db()


CHILD_NAMES = ["王小宝", "李朵朵", "张乐乐", "赵安安", "刘果果"]
GUARDIAN_PHONES = ["13904721001", "13904721002", "13904721003", "13904721004", "13904721005"]


def enrol(
    provider: Provider, n: int, *, mode: str, enrolled_on: datetime.date, left_on: datetime.date | None = None
) -> Child:
    birth = today() - datetime.timedelta(days=500 + n)
    child = Child(
        provider=provider,
        name=CHILD_NAMES[n],
        id_number=make_id_number("150203", birth, 100 + n),
        birth_date=birth,
        mode=mode,
        enrolled_on=enrolled_on,
        left_on=left_on,
        guardian_name=f"家长{CHILD_NAMES[n]}",
        phone=GUARDIAN_PHONES[n],
    )
    child.full_clean()
    child.save()
    return child


@pytest.fixture
def three_kinds() -> dict[str, Provider]:
    day = today()
    home = ProviderFactory(name="测试颐养院", status=ProviderStatus.CERTIFIED, beds=10, nursing_beds=0)
    ResidentFactory.create_batch(3, provider=home, admitted_on=day - 30 * DAY)

    kids = nursery(inclusive_places=0)
    offer(
        kids,
        {(CareMode.FULL_DAY, AgeBand.TWO_TO_THREE): 10, (CareMode.HALF_DAY, AgeBand.ONE_TO_TWO): 5},
    )
    enrol(kids, 0, mode=CareMode.FULL_DAY, enrolled_on=day - 40 * DAY)
    enrol(kids, 1, mode=CareMode.FULL_DAY, enrolled_on=day - 20 * DAY)
    enrol(kids, 2, mode=CareMode.HALF_DAY, enrolled_on=day - 10 * DAY)
    enrol(kids, 3, mode=CareMode.FULL_DAY, enrolled_on=day - 60 * DAY, left_on=day - DAY)  # left yesterday
    enrol(kids, 4, mode=CareMode.FULL_DAY, enrolled_on=day + DAY)  # starts tomorrow
    FeeItemFactory(
        provider=kids,
        kind=FeeItem.Kind.CHILDCARE,
        name="保育费(半日托)",
        amount=Decimal("1350.00"),
        unit=FeeItem.Unit.MONTH,
        care_mode=CareMode.HALF_DAY,
        effective_from=day - 100 * DAY,
    )

    centre = ProviderFactory(
        name="测试日间照料中心",
        kind=ProviderKind.DAY_CARE_CENTRE,
        status=ProviderStatus.CERTIFIED,
        beds=12,
        nursing_beds=0,
        day_capacity=40,
    )
    Attendance.objects.create(provider=centre, day=day - 3 * DAY, attended=30)
    Attendance.objects.create(provider=centre, day=day - DAY, attended=23)
    return {"home": home, "nursery": kids, "centre": centre}


def api_row(client: Client, provider: Provider) -> dict[str, Any]:
    results = client.get("/api/providers/", {"q": provider.name}).json()["results"]
    return next(row for row in results if row["uscc"] == provider.uscc)


def test_each_kind_shows_its_own_figure_in_the_api(client: Client, three_kinds: dict[str, Provider]) -> None:
    day = today().isoformat()
    home = api_row(client, three_kinds["home"])
    kids = api_row(client, three_kinds["nursery"])
    centre = api_row(client, three_kinds["centre"])

    assert (home["vacancy_basis"], home["vacancies"], home["occupancy_as_of"]) == ("beds", 7, day)
    # 15 places, 3 children enrolled today (one left yesterday, one starts tomorrow).
    assert (kids["vacancy_basis"], kids["childcare_places"], kids["vacancies"]) == ("places", 15, 12)
    assert kids["occupancy_as_of"] == day
    assert (kids["places_under_1"], kids["places_1_2"], kids["places_2_3"]) == (0, 5, 10)
    assert kids["care_modes"] == "full_day;half_day"
    # A day-care centre: no vacant beds, its capacity and the latest day's attendance.
    assert (centre["vacancy_basis"], centre["vacancies"], centre["day_capacity"]) == ("attendance", None, 40)
    assert (centre["attendance"], centre["occupancy_as_of"]) == (23, (today() - DAY).isoformat())
    assert home["places_2_3"] is None and home["care_modes"] == ""


def test_the_list_and_the_pages_say_which_figure_and_its_date(client: Client, three_kinds: dict[str, Provider]) -> None:
    day = f"{today():%Y-%m-%d}"
    yesterday = f"{today() - DAY:%Y-%m-%d}"
    listing = text_of(client.get("/en/providers/", {"q": "测试", "size": 100}).content.decode())
    centre_page = text_of(client.get(f"/en/providers/{three_kinds['centre'].uscc}/").content.decode())
    nursery_page = text_of(client.get(f"/en/providers/{three_kinds['nursery'].uscc}/").content.decode())

    assert f"Vacant beds: 7 (as of {day})" in listing
    assert f"Vacant places: 12 (as of {day})" in listing
    assert f"Serves up to 40 people a day · 23 served on {yesterday}" in listing
    assert "Vacant beds" not in centre_page and "Beds 12" not in centre_page
    assert f"Serves up to 40 people a day · 23 served on {yesterday}" in centre_page
    assert f"Vacant places: 12 (as of {day})" in nursery_page
    assert "Childcare places 15 (1-2: 5 · 2-3: 10)" in nursery_page


def test_the_nursery_page_shows_places_and_vacancies_per_mode_and_fees(
    client: Client, three_kinds: dict[str, Provider]
) -> None:
    kids = three_kinds["nursery"]
    text = text_of(client.get(f"/en/providers/{kids.uscc}/").content.decode())

    # Mode, under 1, 1-2, 2-3, places, vacant places, fees.
    assert "Full-day care 0 0 10 10 8 -" in text  # 2 enrolled today
    assert "Half-day care 0 5 0 5 4 1350.00 yuan per month" in text  # 1 enrolled
    assert "Hourly care" not in text


def test_a_child_enrolled_changes_the_feed(client: Client, three_kinds: dict[str, Provider]) -> None:
    since = timezone.now()
    kids = three_kinds["nursery"]
    before = {
        row["uscc"] for row in client.get("/api/providers/", {"modified_after": since.isoformat()}).json()["results"]
    }
    child = Child.objects.get(provider=kids, name=CHILD_NAMES[4])
    child.enrolled_on = today()
    child.save()  # starts today instead of tomorrow: one fewer vacant place
    after = {
        row["uscc"] for row in client.get("/api/providers/", {"modified_after": since.isoformat()}).json()["results"]
    }

    assert kids.uscc not in before
    assert kids.uscc in after
    assert api_row(client, kids)["vacancies"] == 11


def test_childcare_filters(client: Client, three_kinds: dict[str, Provider]) -> None:
    babies = nursery("测试乳儿园", inclusive_places=0)
    offer(babies, {(CareMode.HOURLY, AgeBand.UNDER_1): 6})
    babies.inclusive_places, babies.inclusive_price = 4, Decimal("1500.00")
    babies.demonstration_level, babies.demonstration_year = DemonstrationLevel.LEAGUE_CITY, 2025
    babies.save()
    kids = three_kinds["nursery"]

    def found(**params: str) -> set[str]:
        rows = client.get("/api/providers/", {"q": "测试", **params}).json()["results"]
        return {row["uscc"] for row in rows}

    assert found(age_band=AgeBand.UNDER_1) == {babies.uscc}
    assert found(age_band=AgeBand.TWO_TO_THREE) == {kids.uscc}
    assert found(care_mode=CareMode.HALF_DAY) == {kids.uscc}
    assert found(care_mode=CareMode.HOURLY) == {babies.uscc}
    assert found(inclusive="on") == {babies.uscc}
    assert found(demonstration="on") == {babies.uscc}
    assert found(vacancies="on") == {three_kinds["home"].uscc, kids.uscc, babies.uscc}  # not the centre


def test_no_child_or_guardian_reaches_the_public_side(client: Client, three_kinds: dict[str, Provider]) -> None:
    kids = three_kinds["nursery"]
    secrets = []
    for child in Child.objects.filter(provider=kids):
        secrets += [child.name, child.guardian_name, child.id_number, child.phone]
        secrets += [mask_id_number(child.id_number), mask_phone(child.phone), child.birth_date.isoformat()]
    pages = []
    for prefix in ("", "/en"):
        pages.append(client.get(f"{prefix}/providers/", {"q": "测试"}).content.decode())
        pages.append(client.get(f"{prefix}/providers/{kids.uscc}/").content.decode())
        pages.append(file_bytes(client.get(f"{prefix}/providers-table.csv", {"q": "测试"})).decode("utf-8-sig"))
    pages.append(file_bytes(client.get("/providers.csv", {"q": "测试"})).decode("utf-8-sig"))
    pages.append(client.get("/api/providers/", {"q": "测试"}).content.decode())
    corpus = "\n".join(pages)

    assert kids.name in corpus
    assert [secret for secret in secrets if secret and secret in corpus] == []


def test_the_table_csv_says_modes_and_bases_in_words(client: Client, three_kinds: dict[str, Provider]) -> None:
    body = file_bytes(client.get("/en/providers-table.csv", {"q": "测试"})).decode("utf-8-sig")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(body))}

    assert rows["测试托育园"]["childcare service modes"] == "Full-day care, Half-day care"
    assert rows["测试托育园"]["vacancies counted as"] == "Vacant childcare places"
    assert rows["测试日间照料中心"]["vacancies counted as"] == "Daily capacity and attendance"


@pytest.mark.parametrize(
    ("legal_form", "authority", "allowed"),
    [
        (LegalForm.NON_PROFIT, RegistrationAuthority.ESTABLISHMENT_OFFICE, True),
        (LegalForm.NON_PROFIT, RegistrationAuthority.CIVIL_AFFAIRS, True),
        (LegalForm.NON_PROFIT, RegistrationAuthority.MARKET_REGULATION, False),
        (LegalForm.FOR_PROFIT, RegistrationAuthority.MARKET_REGULATION, True),
        (LegalForm.FOR_PROFIT, RegistrationAuthority.CIVIL_AFFAIRS, False),
    ],
)
def test_childcare_registration_authority_follows_the_legal_form(
    legal_form: str, authority: str, allowed: bool
) -> None:
    """000:169-177: non-profit with the establishment office or civil affairs, for-profit
    with market regulation; elderly providers are not held to this rule."""
    provider = ProviderFactory.build(kind=ProviderKind.NURSERY, legal_form=legal_form, registration_authority=authority)
    elderly = ProviderFactory.build(legal_form=legal_form, registration_authority=authority)

    if allowed:
        provider.full_clean(exclude=["division"])
    else:
        with pytest.raises(ValidationError) as error:
            provider.full_clean(exclude=["division"])
        assert "registration_authority" in error.value.message_dict
    elderly.full_clean(exclude=["division"])


def test_a_childcare_provider_files_with_the_health_commission() -> None:
    provider = ProviderFactory.build(
        kind=ProviderKind.NURSERY,
        legal_form=LegalForm.NON_PROFIT,
        registration_authority=RegistrationAuthority.CIVIL_AFFAIRS,
        filing_authority=FilingAuthority.CIVIL_AFFAIRS,
    )
    with pytest.raises(ValidationError) as error:
        provider.full_clean(exclude=["division"])
    assert "filing_authority" in error.value.message_dict


def test_places_by_mode_set_the_total_and_inclusive_places_stay_within_it() -> None:
    kids = nursery(childcare_places=40, inclusive_places=30)
    offer(kids, {(CareMode.FULL_DAY, AgeBand.TWO_TO_THREE): 12, (CareMode.TEMPORARY, AgeBand.ONE_TO_TWO): 8})

    assert (kids.childcare_places, kids.inclusive_places) == (20, 20)
