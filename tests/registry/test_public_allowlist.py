"""No personal data in any public response, scanned over the whole demo data (issue 5).

The module loads the demo once, adds what the demo lacks (a published draw, inspections
with findings, subsidies paid to providers and to caregivers, with bank accounts), then
fetches every public page, download and API page in both languages and looks for ID
numbers, names of residents, caregivers and contact persons, personal phones, e-mail
addresses and bank account numbers.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from downloads import file_bytes
from public_support import ID_NUMBER, ID_NUMBER_ANYWHERE, pay, publish_draw, record_demo_inspection, today

from inspections.models import Draw, Inspection, Regime
from registry.models import (
    Caregiver,
    CreditDisclosure,
    CreditObjection,
    Division,
    FeeItem,
    Provider,
    ProviderGrade,
    ProviderStatus,
    Resident,
    User,
)
from safeguards.identifiers import mask_id_number
from subsidies.models import PaymentItem, SubsidyScheme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]


@pytest.fixture(scope="module")
def published(public_demo: None) -> None:
    """A frozen draw with recorded results, and subsidies paid (also to caregivers)."""
    draw = publish_draw(sample_count=8)
    day = today()
    for row in draw.results[:4]:
        provider = Provider.objects.get(uscc=row["uscc"])
        inspection = record_demo_inspection(provider, on=day - datetime.timedelta(days=3))
        Inspection.objects.filter(pk=inspection.pk).update(draw=draw)
    for index, provider in enumerate(Provider.objects.filter(status=ProviderStatus.CERTIFIED).order_by("uscc")[:12]):
        pay(provider, period=datetime.date(2026, 10, 1), amount=Decimal("1500.00") + index)
        pay(provider, period=datetime.date(2025, 12, 1), amount=Decimal("800.00"))
        for caregiver in provider.caregivers.all()[:2]:
            pay(
                provider,
                scheme_code="BT-CAREGIVER",
                period=datetime.date(2026, 10, 1),
                amount=Decimal("300.00"),
                subject=caregiver.name,
                payee=caregiver.name,
                bank_account_number=f"6222{caregiver.pk:015d}",
            )


def fetch(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    body = file_bytes(response).decode("utf-8-sig")
    return response.status_code, body


def all_pages(client: Client, url: str) -> Iterator[tuple[str, str]]:
    """``url`` and its next pages (HTML ``rel="next"`` links or JSON ``next``)."""
    while url:
        status, body = fetch(client, url)
        assert status == 200, url
        yield url, body
        if url.split("?")[0].endswith("/api/providers/"):
            url = json.loads(body)["next"] or ""
        else:
            match = re.search(r'<a href="(\?[^"]*)" rel="next"', body)
            url = url.split("?")[0] + match.group(1).replace("&amp;", "&") if match else ""


@pytest.fixture(scope="module")
def public_responses(published: None) -> dict[str, str]:
    """Every public response by URL: pages in both languages, downloads, API, sitemap."""
    client = Client()
    cache.clear()
    certified = list(Provider.objects.filter(status=ProviderStatus.CERTIFIED).values_list("uscc", flat=True))
    hidden = list(Provider.objects.exclude(status=ProviderStatus.CERTIFIED).values_list("uscc", flat=True))
    responses: dict[str, str] = {}
    for prefix in ("", "/en"):
        for start in (
            f"{prefix}/",
            f"{prefix}/providers/?size=100",
            f"{prefix}/providers/?size=20&sort=-vacancies",
            f"{prefix}/api/",
            f"{prefix}/api/providers/",
            f"{prefix}/inspections/",
            f"{prefix}/subsidies/",
            f"{prefix}/subsidies/?year=2026&scheme=BT-CAREGIVER",
        ):
            responses.update(all_pages(client, start))
        for uscc in certified:
            responses[f"{prefix}/providers/{uscc}/"] = fetch(client, f"{prefix}/providers/{uscc}/")[1]
        for uscc in hidden:  # 404 pages too
            status, body = fetch(client, f"{prefix}/providers/{uscc}/")
            assert status == 404
            responses[f"{prefix}/providers/{uscc}/ (404)"] = body
        status, body = fetch(client, f"{prefix}/providers.csv")
        assert status == 200
        responses[f"{prefix}/providers.csv"] = body
    for url in ("/sitemap.xml", "/robots.txt"):
        status, body = fetch(client, url)
        assert status == 200
        responses[url] = body
    cache.clear()
    return responses


def test_the_scan_covers_every_page_kind(public_responses: dict[str, str]) -> None:
    certified = Provider.objects.filter(status=ProviderStatus.CERTIFIED).count()
    details = [u for u in public_responses if re.fullmatch(r"(/en)?/providers/\w{18}/", u)]

    assert len(details) == 2 * certified
    assert sum("/inspections/" in u for u in public_responses) >= 2
    assert Draw.objects.filter(status=Draw.Status.FROZEN).exists()
    assert PaymentItem.objects.filter(state=PaymentItem.State.PAID, subject__gt="").count() >= 10
    texts = "\n".join(public_responses.values())
    assert "2026年第四季度双随机抽查" in texts  # the draw is published
    assert "Passed with findings to rectify" in texts  # inspection results in English
    assert Resident.objects.count() > 400 and Caregiver.objects.count() > 200


def test_no_id_number_pattern_except_provider_usccs(public_responses: dict[str, str]) -> None:
    """USCCs are 18 characters and may be all digits; nothing else of that shape may appear.

    Providers' codes are public: the directory shows certified ones, the published draws
    also filed and suspended ones that were drawn for inspection."""
    usccs = set(Provider.objects.values_list("uscc", flat=True))
    found: dict[str, set[str]] = {}
    for url, body in public_responses.items():
        for pattern in (ID_NUMBER, ID_NUMBER_ANYWHERE):
            for match in pattern.findall(body):
                if match.upper() not in usccs:
                    found.setdefault(url, set()).add(match)

    assert found == {}
    assert any(ID_NUMBER.search(body) for body in public_responses.values())  # the pattern does find USCCs


def test_no_id_number_of_a_person_even_masked(public_responses: dict[str, str]) -> None:
    corpus = "\n".join(public_responses.values())
    numbers = [
        *Resident.objects.values_list("id_number", flat=True),
        *Caregiver.objects.values_list("id_number", flat=True),
    ]

    assert len(numbers) > 600
    leaked = [n for n in numbers if n in corpus or n.lower() in corpus or mask_id_number(n) in corpus]
    assert leaked == []


def allowed_public_text() -> str:
    """Text the directory legitimately shows, in which a short personal name may occur by chance
    (``乌兰`` is a given name and part of ``乌兰察布市`` and ``石宝镇乌兰嘎查``)."""
    parts: list[str] = []
    for p in Provider.objects.filter(status=ProviderStatus.CERTIFIED):
        parts += [p.name, p.address, p.services, p.facilities]
    parts += Division.objects.values_list("name", flat=True)
    parts += FeeItem.objects.values_list("name", flat=True)
    for scheme in SubsidyScheme.objects.all():
        parts += [scheme.name_zh, scheme.name_en]
    for regime in Regime.objects.all():
        parts += [regime.name_zh, regime.name_en]
    parts += Draw.objects.values_list("name", flat=True)
    parts.append((Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_no_name_of_a_resident_caregiver_or_contact_person(public_responses: dict[str, str]) -> None:
    corpus = "\n".join(public_responses.values())
    allowed = allowed_public_text()
    names = {
        *Resident.objects.values_list("name", flat=True),
        *Caregiver.objects.values_list("name", flat=True),
        *Provider.objects.exclude(contact_person="").values_list("contact_person", flat=True),
    }
    ambiguous = sorted(n for n in names if n in allowed)
    leaked = sorted(n for n in names if n not in allowed and n in corpus)

    assert len(names) > 500
    assert len(ambiguous) <= 5, ambiguous  # only a few can't be told apart from public text
    assert leaked == []


def test_no_personal_phone_email_or_bank_account(public_responses: dict[str, str]) -> None:
    corpus = "\n".join(public_responses.values())
    phones = {
        *Resident.objects.exclude(phone="").values_list("phone", flat=True),
        *Caregiver.objects.exclude(phone="").values_list("phone", flat=True),
    }
    emails = {
        *Provider.objects.exclude(contact_email="").values_list("contact_email", flat=True),
        *User.objects.exclude(email="").values_list("email", flat=True),
    }
    accounts = {
        *Provider.objects.exclude(bank_account_number="").values_list("bank_account_number", flat=True),
        *PaymentItem.objects.exclude(bank_account_number="").values_list("bank_account_number", flat=True),
    }
    certificates = set(Caregiver.objects.exclude(certificate_number="").values_list("certificate_number", flat=True))

    assert len(phones) > 300 and len(emails) > 40 and len(accounts) > 40 and certificates
    assert sorted(v for v in phones if v in corpus) == []
    assert sorted(v for v in emails if v in corpus or v.upper() in corpus) == []
    assert "@demo.invalid" not in corpus
    assert sorted(v for v in accounts if v in corpus) == []
    assert sorted(v for v in certificates if v in corpus) == []


def test_institution_phones_are_public(public_responses: dict[str, str]) -> None:
    """The contact phone of a certified institution is the one phone the directory shows."""
    corpus = "\n".join(public_responses.values())
    phones = set(
        Provider.objects.filter(status=ProviderStatus.CERTIFIED)
        .exclude(contact_phone="")
        .values_list("contact_phone", flat=True)
    )

    assert phones and all(phone in corpus for phone in phones)


def test_grades_and_credit_entries_are_public_and_objections_are_not(public_responses: dict[str, str]) -> None:
    """Issue 19: the grade history and the credit disclosure (双公示) are on the pages the
    scan covers; who raised an objection, its grounds and a corrected entry's earlier text
    never are."""
    corpus = "\n".join(public_responses.values())
    certified = {"provider__status": ProviderStatus.CERTIFIED}
    disclosures = CreditDisclosure.objects.filter(withdrawn_on__isnull=True, **certified)
    objections = CreditObjection.objects.all()

    assert disclosures.count() >= 4 and objections.count() >= 2
    assert ProviderGrade.objects.filter(**certified).values("provider").distinct().count() >= 10
    for disclosure in disclosures:
        assert disclosure.decision_number in corpus and disclosure.legal_basis in corpus
        assert disclosure.content in corpus
    for grade in ProviderGrade.objects.filter(**certified):
        assert grade.assessor in corpus
    for objection in objections:
        assert objection.grounds not in corpus and objection.raised_by not in corpus
        if objection.original_content:
            assert objection.original_content not in corpus
