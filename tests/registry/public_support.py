"""Helpers of the public directory tests (import as ``public_support``).

What the directory should show is computed here from plain rows in Python (residents in
care, vacancies, fees in force), independently of ``registry.public``, so the tests
compare the app against a second implementation rather than against itself.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demo_snapshot import seeded_demo
from django.test import Client
from django.utils import timezone

from childcare.models import Child
from inspections.models import Draw, Finding, Inspection, Regime
from inspections.random_draw import draw_freeze
from inspections.records import FindingInput, finding_report_rectification, finding_verify, record_inspection
from registry.models import Division, FeeItem, Provider, ProviderKind, ProviderStatus, Resident, User
from subsidies.models import GrantLine, GrantRun, PayerLevel, PaymentBatch, PaymentItem, SubsidyScheme

# The pattern the issue names, and a stricter one: in Python's Unicode regexes a Chinese
# character is a word character, so ``\b`` would miss a number written right after one.
ID_NUMBER = re.compile(r"\b\d{17}[\dXx]\b")
ID_NUMBER_ANYWHERE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
CJK = re.compile(r"[\u4e00-\u9fff]")

RARE_EARTH_ZONE = "150271"  # 稀土高新区: a non-standard unit, not a prefix of its people's codes
MONTHLY_FEE_KINDS = {FeeItem.Kind.BED, FeeItem.Kind.NURSING, FeeItem.Kind.MEAL, FeeItem.Kind.CHILDCARE}


# The public tests' demo is the demo of this day: its own runs pay August and September
# 2025 and leave October waiting, so the months these tests pay (``pay``: December 2025,
# autumn 2026) are free, whatever day the tests run.
PUBLIC_DEMO_DAY = "2025-12-01"


def seed_demo() -> None:
    """The public demo: seeded once per test process, copied back in for later modules."""
    seeded_demo(PUBLIC_DEMO_DAY)


def today() -> datetime.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- expected


@dataclass(frozen=True)
class Expected:
    """A certified provider as the directory should show it today."""

    uscc: str
    name: str
    address: str
    kind: str
    legal_form: str
    operation_mode: str
    path: str
    grade: int
    beds: int
    nursing_beds: int
    has_medical_unit: bool
    in_care: int
    vacancies: int | None  # None: a day-care kind, which has no vacancies (issue 17)
    monthly_fee: Decimal | None
    updated_at: datetime.datetime


def expected_providers(day: datetime.date | None = None) -> dict[str, Expected]:
    """Certified providers by USCC, computed in Python from residents and fee items."""
    day = day or today()
    in_care: dict[int, int] = {}
    for provider_id, admitted, discharged in Resident.objects.values_list(
        "provider_id", "admitted_on", "discharged_on"
    ):
        if admitted <= day and (discharged is None or discharged >= day):
            in_care[provider_id] = in_care.get(provider_id, 0) + 1
    enrolled: dict[int, int] = {}
    for provider_id, enrolled_on, left_on in Child.objects.values_list("provider_id", "enrolled_on", "left_on"):
        if enrolled_on <= day and (left_on is None or left_on >= day):
            enrolled[provider_id] = enrolled.get(provider_id, 0) + 1

    def vacancies(p: Provider) -> int | None:
        if p.kind in ProviderKind.childcare():
            return max(p.childcare_places - enrolled.get(p.pk, 0), 0)
        if p.kind in {ProviderKind.DAY_CARE_CENTRE, ProviderKind.SERVICE_STATION}:
            return None
        return max(p.beds - in_care.get(p.pk, 0), 0)

    # What one person pays a month at the cheapest options: the cheapest item of each kind.
    cheapest: dict[tuple[int, str], Decimal] = {}
    for fee in FeeItem.objects.all():
        in_force = fee.effective_from <= day and (fee.effective_to is None or fee.effective_to >= day)
        if in_force and fee.unit == FeeItem.Unit.MONTH and fee.kind in MONTHLY_FEE_KINDS:
            key = (fee.provider_id, fee.kind)
            cheapest[key] = min(cheapest.get(key, fee.amount), fee.amount)
    fees: dict[int, Decimal] = {}
    for (provider_id, _kind), amount in cheapest.items():
        fees[provider_id] = fees.get(provider_id, Decimal(0)) + amount
    result = {}
    for p in Provider.objects.filter(status=ProviderStatus.CERTIFIED).select_related("division"):
        result[p.uscc] = Expected(
            uscc=p.uscc,
            name=p.name,
            address=p.address,
            kind=p.kind,
            legal_form=p.legal_form,
            operation_mode=p.operation_mode,
            path=p.division.path,
            grade=p.grade,
            beds=p.beds,
            nursing_beds=p.nursing_beds,
            has_medical_unit=p.has_medical_unit,
            in_care=in_care.get(p.pk, 0),
            vacancies=vacancies(p),
            monthly_fee=fees.get(p.pk),
            updated_at=p.updated_at,
        )
    return result


# --------------------------------------------------------------------------- reading pages


def listed(client: Client, params: dict[str, Any] | None = None, *, path: str = "/providers/") -> list[str]:
    """USCCs of every provider the list page shows for ``params``, in order, over all pages."""
    query = {"size": 100, **(params or {})}
    usccs: list[str] = []
    page = 1
    while True:
        response = client.get(path, {**query, "page": page})
        assert response.status_code == 200, response.content[:500]
        usccs += [provider.uscc for provider, _league, _county in response.context["rows"]]
        if not response.context["page"].has_next():
            return usccs
        page += 1


def api_results(client: Client, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every result of ``/api/providers/`` for ``params``, following ``next``."""
    response = client.get("/api/providers/", params or {})
    results: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.content[:500]
        data = response.json()
        results += data["results"]
        if not data["next"]:
            return results
        response = client.get(data["next"])


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


class Page(HTMLParser):
    """What the tests read from an HTML page: tags with attributes, labels, links, title."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.controls: list[dict[str, str]] = []  # input/select/textarea, with "_in_label"
        self.labels: list[dict[str, str]] = []  # with "_text"
        self.links: list[dict[str, str]] = []  # <a>, with "_text" and "_in_header"
        self.title = ""
        self.html_lang: str | None = None
        self._stack: list[str] = []
        self._label: dict[str, str] | None = None
        self._link: dict[str, str] | None = None
        self._in_title = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "html":
            self.html_lang = values.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag in {"input", "select", "textarea"}:
            self.controls.append({**values, "_tag": tag, "_in_label": "1" if self._label is not None else ""})
        elif tag == "label":
            self._label = {**values, "_text": ""}
        elif tag == "a":
            self._link = {**values, "_text": "", "_in_header": "1" if "header" in self._stack else ""}
        if tag not in {"input", "meta", "link", "br", "img", "hr", "source"}:
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "label" and self._label is not None:
            self.labels.append(self._label)
            self._label = None
        elif tag == "a" and self._link is not None:
            self.links.append(self._link)
            self._link = None
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._label is not None:
            self._label["_text"] += data
        if self._link is not None:
            self._link["_text"] += data

    def meta(self, name: str) -> str | None:
        for tag, attrs in self.tags:
            if tag == "meta" and attrs.get("name") == name:
                return attrs.get("content", "")
        return None

    def unlabelled_controls(self) -> list[dict[str, str]]:
        """Form controls (not hidden, submit, button or reset) without a label."""
        targets = {label.get("for") for label in self.labels if label.get("for")}
        return [
            c
            for c in self.controls
            if c.get("type", "") not in {"hidden", "submit", "button", "reset", "image"}
            and not c["_in_label"]
            and not (c.get("id") and c["id"] in targets)
        ]

    def language_links(self) -> list[dict[str, str]]:
        """The header's links to the page in another language."""
        return [link for link in self.links if link["_in_header"] and link.get("hreflang")]


# --------------------------------------------------------------------------- inspections, subsidies


def staff(username: str, division_code: str = "150200") -> User:
    user, _ = User.objects.get_or_create(
        username=username, defaults={"is_staff": True, "jurisdiction": Division.objects.get(code=division_code)}
    )
    return user


def record_demo_inspection(provider: Provider, *, on: datetime.date, verify_one: bool = True) -> Inspection:
    """An inspection of ``provider`` with two general findings, one of them rectified and verified
    (under the district's safety regime, or the region's childcare fire regime for a nursery:
    a regime is recorded only for the kinds it applies to)."""
    inspector = User.objects.get(username="inspector_kundulun")
    regime = Regime.objects.get(code="BT-DISTRICT-SAFETY")
    if regime.provider_kinds and provider.kind not in regime.provider_kinds:
        regime = Regime.objects.get(code="IM-CHILDCARE-FIRE")
    inspection = record_inspection(
        provider=provider,
        regime=regime,
        inspected_on=on,
        recorded_by=inspector,
        inspectors=[inspector],
        findings=[
            FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, "疏散通道堆放杂物"),
            FindingInput(Finding.Category.FOOD, Finding.Severity.GENERAL, "留样记录不全"),
        ],
        summary="检查发现两处一般隐患。",
    )
    if verify_one:
        finding = inspection.findings.get(category=Finding.Category.FOOD)
        finding = finding_report_rectification(finding=finding, report="已补全留样记录", rectified_on=on)
        finding_verify(finding=finding, inspector=inspector, on=on)
    return inspection


def publish_draw(*, sample_count: int = 6) -> Draw:
    """A frozen double-random draw over Baotou with the demo inspectors (teams of one)."""
    clerk = User.objects.get(username="clerk_baotou")
    draw = Draw.objects.create(
        name="2026年第四季度双随机抽查",
        jurisdiction=Division.objects.get(code="150200"),
        sample_count=sample_count,
        team_size=1,
        random_value="20261123",
        created_by=clerk,
    )
    draw.inspector_pool.set(User.objects.filter(username__in=["inspector_kundulun", "inspector_qingshan"]))
    return draw_freeze(draw=draw, user=clerk)


def pay(
    provider: Provider,
    *,
    scheme_code: str = "BT-OPERATING",
    period: datetime.date,
    amount: Decimal,
    state: str = PaymentItem.State.PAID,
    subject: str = "",
    payee: str = "",
    bank_account_number: str = "",
) -> PaymentItem:
    """A payment item of ``amount`` for ``provider`` (run, line and batch created around it)."""
    scheme = SubsidyScheme.objects.get(code=scheme_code)
    run, _ = GrantRun.objects.get_or_create(
        scheme=scheme, period=period, division=provider.division, defaults={"status": GrantRun.Status.APPROVED}
    )
    line = GrantLine.objects.create(
        run=run, scheme=scheme, provider=provider, period=period, subject=subject, amount=amount, rate=amount
    )
    batch = PaymentBatch.objects.create(
        name=f"{period:%Y-%m}",
        division=provider.division,
        payer_level=PayerLevel.LEAGUE_CITY,
        state=PaymentBatch.State.CLOSED,
        prepared_by=staff("public-tests-finance"),
    )
    return PaymentItem.objects.create(
        batch=batch,
        provider=provider,
        scheme=scheme,
        period=period,
        grant_line=line,
        line_kind=GrantLine.Kind.REGULAR,
        subject=subject,
        amount=amount,
        payee=payee or provider.bank_account_name or provider.name,
        bank_name=provider.bank_name,
        bank_account_number=bank_account_number or provider.bank_account_number,
        state=state,
        settled_at=timezone.now() if state != PaymentItem.State.PENDING else None,
    )
