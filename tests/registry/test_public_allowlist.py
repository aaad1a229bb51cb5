"""No personal data in any public response, scanned over the whole demo data (issue 5).

The module loads the demo once, adds what the demo lacks (a published draw, inspections
with findings, subsidies paid to providers and to caregivers, with bank accounts), then
fetches every public page, download and API page in every language (Chinese, English,
Mongolian: the provider's Mongolian name among the public fields) and looks for ID
numbers, names of residents, caregivers and contact persons, personal phones, e-mail
addresses and bank account numbers.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from downloads import file_bytes
from public_support import ID_NUMBER, ID_NUMBER_ANYWHERE, pay, publish_draw, record_demo_inspection, today

from concerns.models import Concern
from inspections.models import Draw, Finding, Inspection, Regime
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
from registry.public import PAGE_STATUSES
from safeguards.identifiers import mask_id_number, mask_phone
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
    unlimited = override_settings(PUBLIC_RATE_LIMIT=1_000_000)  # hundreds of records are read
    unlimited.enable()
    # Every provider ever filed has a page and an open-data record (issue 19: certified,
    # filed, suspended, closed, revoked); a draft has none.
    with_page = list(Provider.objects.filter(status__in=PAGE_STATUSES).values_list("uscc", flat=True))
    drafts = list(Provider.objects.exclude(status__in=PAGE_STATUSES).values_list("uscc", flat=True))
    responses: dict[str, str] = {}
    for prefix in ("", "/en", "/mn"):
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
        for uscc in with_page:
            responses[f"{prefix}/providers/{uscc}/"] = fetch(client, f"{prefix}/providers/{uscc}/")[1]
        for uscc in drafts:  # 404 pages too
            status, body = fetch(client, f"{prefix}/providers/{uscc}/")
            assert status == 404
            responses[f"{prefix}/providers/{uscc}/ (404)"] = body
        status, body = fetch(client, f"{prefix}/providers.csv")
        assert status == 200
        responses[f"{prefix}/providers.csv"] = body
        for url in inspection_and_draw_urls(prefix):
            status, body = fetch(client, url)
            assert status == 200, url
            responses[url] = body
    for prefix in ("", "/en", "/mn"):  # concerns: statistics of every year, the lookup of every case, a form
        for year in Concern.objects.dates("received_at", "year"):
            responses.update(all_pages(client, f"{prefix}/concerns/statistics/?year={year.year}"))
        for reference in Concern.objects.values_list("reference", flat=True):
            cache.clear()  # the lookup's rate limit
            looked_up = client.post(f"{prefix}/concerns/lookup/", {"reference": reference})
            assert looked_up.status_code == 200
            responses[f"{prefix}/concerns/lookup/ {reference}"] = looked_up.content.decode()
        certified = Provider.objects.filter(status=ProviderStatus.CERTIFIED).order_by("uscc")
        for uscc in certified.values_list("uscc", flat=True)[:3]:
            responses[f"{prefix}/concerns/new/{uscc}/"] = fetch(client, f"{prefix}/concerns/new/{uscc}/")[1]
    for url in ("/sitemap.xml", "/robots.txt", "/api/openapi.json"):
        status, body = fetch(client, url)
        assert status == 200
        responses[url] = body
    for uscc in with_page:
        status, body = fetch(client, f"/api/providers/{uscc}/")
        assert status == 200
        responses[f"/api/providers/{uscc}/"] = body
    hsds = client.get("/open-data/hsds.zip")
    assert hsds.status_code == 200
    with zipfile.ZipFile(io.BytesIO(hsds.content)) as archive:
        for name in archive.namelist():
            responses[f"/open-data/hsds.zip:{name}"] = archive.read(name).decode("utf-8-sig")
    unlimited.disable()
    cache.clear()
    return responses


def inspection_and_draw_urls(prefix: str) -> list[str]:
    """Inspection pages (those with findings, where staff and providers wrote the most, and
    those of the draws) and every published draw's page and file."""
    inspections = Inspection.objects.filter(provider__status__in=PAGE_STATUSES)
    with_findings = inspections.filter(findings__isnull=False).distinct().order_by("pk")[:30]
    drawn = inspections.filter(draw__isnull=False).order_by("pk")[:10]
    pks = sorted({*with_findings.values_list("pk", flat=True), *drawn.values_list("pk", flat=True)})
    draws = Draw.objects.filter(status=Draw.Status.FROZEN).values_list("pk", flat=True)
    return [
        *(f"{prefix}/inspections/{pk}/" for pk in pks),
        *(f"{prefix}/inspections/draws/{pk}/" for pk in draws),
        *(f"{prefix}/inspections/draws/{pk}/inputs.json" for pk in draws),
    ]


def test_the_scan_covers_every_page_kind(public_responses: dict[str, str]) -> None:
    with_page = Provider.objects.filter(status__in=PAGE_STATUSES).count()
    details = [u for u in public_responses if re.fullmatch(r"(/en|/mn)?/providers/\w{18}/", u)]

    assert len(details) == 3 * with_page
    assert sum(re.fullmatch(r"/api/providers/\w{18}/", u) is not None for u in public_responses) == with_page
    assert "/open-data/hsds.zip:organizations.csv" in public_responses
    assert sum("/inspections/" in u for u in public_responses) >= 2
    assert sum(bool(re.fullmatch(r"(/en)?/inspections/\d+/", u)) for u in public_responses) >= 20
    assert sum(u.endswith("/inputs.json") for u in public_responses) >= 2
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
    for p in Provider.objects.filter(status__in=PAGE_STATUSES):
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
        *Concern.objects.exclude(contact_name="").values_list("contact_name", flat=True),
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
        *Concern.objects.exclude(contact_phone="").values_list("contact_phone", flat=True),
    }
    emails = {
        *Provider.objects.exclude(contact_email="").values_list("contact_email", flat=True),
        *User.objects.exclude(email="").values_list("email", flat=True),
        *filter(None, Concern.objects.values_list("contact_email", flat=True)),  # encrypted: no lookup on it
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


def test_no_text_written_by_inspectors_or_providers_nor_a_login_name(public_responses: dict[str, str]) -> None:
    """Inspection summaries, hazard descriptions, rectification reports and the reasons a
    rectification was returned may name residents or staff: none is published (issue 19).
    Nor is a staff user's login name (issue 21), on the inspection and draw pages and files."""
    corpus = "\n".join(public_responses.values())
    written = {
        *Inspection.objects.exclude(summary="").values_list("summary", flat=True),
        *Finding.objects.values_list("description", flat=True),
        *Finding.objects.exclude(rectification_report="").values_list("rectification_report", flat=True),
        *Finding.objects.exclude(return_reason="").values_list("return_reason", flat=True),
    }
    inspection_pages = "\n".join(body for url, body in public_responses.items() if "/inspections/" in url)
    usernames = set(User.objects.values_list("username", flat=True))

    assert len(written) >= 4 and len(usernames) > 10
    assert sorted(text for text in written if text in corpus) == []
    assert sorted(name for name in usernames if name in inspection_pages) == []


def test_no_concern_text_note_or_contact_even_masked(public_responses: dict[str, str]) -> None:
    """Citizens' concerns are public as counts and as the clerk's reply to a lookup, never
    as what the citizen wrote, what staff noted, or who the citizen is (issue 19)."""
    corpus = "\n".join(public_responses.values())
    concerns = list(Concern.objects.all())
    lookups = [url for url in public_responses if "/concerns/lookup/ TS-" in url]

    assert len(concerns) >= 10 and len(lookups) == 3 * len(concerns)
    assert any(c.public_reply and c.public_reply in corpus for c in concerns)  # the replies are public
    assert [
        c.reference for c in concerns if c.description in corpus or (c.internal_notes and c.internal_notes in corpus)
    ] == []
    masked = [mask_phone(c.contact_phone) for c in concerns if c.contact_phone]
    assert masked and [m for m in masked if m in corpus] == []


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
