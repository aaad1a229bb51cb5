"""The open-data API's provider record, its OpenAPI document and the HSDS export (issue 19).

The document is validated as OpenAPI 3.1, and real responses are validated against it
with JSON Schema; every property it documents must appear in some response here, so a
documented field that is never served (or a served one never documented) fails.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from factories import AnnualReportFactory, FeeItemFactory, ProviderFactory
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from public_support import pay

from concerns.cases import concern_receive
from inspections.models import Finding, Regime
from inspections.records import FindingInput, finding_report_rectification, finding_verify, record_inspection
from registry.disclosure import disclosure_save, objection_decide, objection_record
from registry.grades import grade_record
from registry.lifecycle import provider_transition
from registry.models import CreditDisclosure, ProviderStatusChange, StatusReason
from registry.staff import roles

A = ProviderStatusChange.Action
pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def move(provider, *steps, actor, category=""):
    for action in steps:
        provider_transition(
            provider=provider,
            action=action,
            reason="依据检查结果",
            reason_category=category,
            effective_on=today() - datetime.timedelta(days=10),
            actor=actor,
        )


@pytest.fixture
def register(divisions, superuser, make_staff) -> dict[str, Any]:
    """A certified home with fees, a published report, an inspection with findings and a
    subsidy paid, and a closed one."""
    home = ProviderFactory(name="青山颐养中心", latitude=Decimal("40.656000"), longitude=Decimal("109.840000"))
    move(home, A.FILE, A.CERTIFY, actor=superuser)
    inspector = make_staff(roles.INSPECTOR, "150203")
    inspected = today() - datetime.timedelta(days=5)
    inspection = record_inspection(
        provider=home,
        regime=Regime.objects.get(code="BT-DISTRICT-SAFETY"),
        inspected_on=inspected,
        recorded_by=inspector,
        inspectors=[inspector],
        findings=[
            FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, "疏散通道堆放杂物"),
            FindingInput(Finding.Category.FOOD, Finding.Severity.GENERAL, "留样记录不全"),
        ],
    )
    finding = inspection.findings.get(category=Finding.Category.FOOD)
    finding = finding_report_rectification(finding=finding, report="已补全", rectified_on=inspected)
    finding_verify(finding=finding, inspector=inspector, on=inspected)
    pay(home, period=datetime.date(2026, 10, 1), amount=Decimal("1500.00"))
    concern_receive(provider=home, category="food", description="午餐常常是凉的，老人反映多次")
    grade_record(
        provider=home,
        grade=2,
        assessor="包头市民政局",
        assessed_on=today() - datetime.timedelta(days=800),
        valid_from=today() - datetime.timedelta(days=790),
        actor=superuser,
    )
    grade_record(
        provider=home,
        grade=3,
        assessor="包头市民政局",
        assessed_on=today() - datetime.timedelta(days=100),
        valid_from=today() - datetime.timedelta(days=90),
        actor=superuser,
    )
    fine = disclosure_save(
        disclosure=CreditDisclosure(
            provider=home,
            kind=CreditDisclosure.Kind.PENALTY,
            decision_number="包应急罚〔2026〕12号",
            decided_on=today() - datetime.timedelta(days=40),
            authority="包头市消防救援支队",
            content="疏散通道堵塞，罚款30000元",
            legal_basis="《中华人民共和国消防法》第六十条",
            penalty_type=CreditDisclosure.PenaltyType.FINE,
            fine_yuan=Decimal("30000.00"),
        ),
        actor=superuser,
    )
    objection = objection_record(
        entry=fine,
        received_on=today() - datetime.timedelta(days=30),
        raised_by="院长王某",
        grounds="金额有误（不公开）",
        actor=superuser,
    )
    objection_decide(
        objection=objection,
        upheld=True,
        decided_on=today() - datetime.timedelta(days=20),
        outcome_text="罚款金额更正为3000元",
        corrected_content="疏散通道堵塞，罚款3000元",
        corrected_fine_yuan=Decimal("3000.00"),
        actor=superuser,
    )
    FeeItemFactory(provider=home, name="床位费", amount=Decimal("1200.00"), effective_from=today().replace(day=1))
    AnnualReportFactory(
        provider=home,
        year=today().year - 1,
        submitted_on=today() - datetime.timedelta(days=60),
        published_on=today() - datetime.timedelta(days=30),
        total_income=Decimal("3500000.00"),
        total_expenditure=Decimal("3300000.00"),
        total_assets=Decimal("8000000.00"),
        subsidies_received=Decimal("420000.00"),
        subsidies_used=Decimal("400000.00"),
    )
    since = timezone.now()
    closed = ProviderFactory(name="夕阳红托老所")
    move(closed, A.FILE, A.CERTIFY, actor=superuser)
    move(closed, A.CLOSE, actor=superuser, category=StatusReason.PROVIDER_REQUEST)
    return {"home": home, "closed": closed, "since": since}


def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def validator(doc: dict[str, Any], component: str) -> Draft202012Validator:
    schema = {"components": doc["components"], "$ref": f"#/components/schemas/{component}"}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def errors(doc: dict[str, Any], component: str, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(doc, component).iter_errors(instance)]


def stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_the_document_is_valid_openapi_3_1(client: Client, register) -> None:
    doc = document(client)
    validate(doc)  # raises on an invalid document
    assert doc["openapi"] == "3.1.0"
    assert {"/api/providers/", "/api/providers/{uscc}/", "/open-data/hsds.zip"} <= set(doc["paths"])
    parameters = {p["name"] for p in doc["paths"]["/api/providers/"]["get"]["parameters"]}
    assert {"q", "county", "kind", "modified_after", "page"} <= parameters


def test_list_detail_and_feed_answers_match_the_document(client: Client, register) -> None:
    doc = document(client)
    listing = client.get("/api/providers/").json()
    feed = client.get("/api/providers/", {"modified_after": stamp(register["since"])}).json()
    home = client.get(f"/api/providers/{register['home'].uscc}/").json()
    closed = client.get(f"/api/providers/{register['closed'].uscc}/").json()

    assert errors(doc, "ProviderPage", listing) == []
    assert errors(doc, "ProviderPage", feed) == []
    assert errors(doc, "ProviderRecord", home) == []
    assert errors(doc, "ProviderRecord", closed) == []
    assert [r["uscc"] for r in feed["removed"]] == [register["closed"].uscc]


def test_every_documented_property_appears_in_an_answer(client: Client, register) -> None:
    doc = document(client)
    answers = [
        client.get("/api/providers/").json(),
        client.get("/api/providers/", {"modified_after": stamp(register["since"])}).json(),
        client.get(f"/api/providers/{register['home'].uscc}/").json(),
        client.get(f"/api/providers/{register['closed'].uscc}/").json(),
    ]

    def documented(schema: dict[str, Any], path: str) -> set[str]:
        if "$ref" in schema:
            return documented(doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], path)
        paths = set()
        for name, sub in schema.get("properties", {}).items():
            paths.add(f"{path}.{name}")
            paths |= documented(sub, f"{path}.{name}")
        if "items" in schema:
            paths |= documented(schema["items"], f"{path}[]")
        return paths

    def served(value: Any, path: str) -> set[str]:
        if isinstance(value, dict):
            return {p for k, v in value.items() for p in ({f"{path}.{k}"} | served(v, f"{path}.{k}"))}
        if isinstance(value, list):
            return {p for v in value for p in served(v, f"{path}[]")}
        return set()

    wanted = documented({"$ref": "#/components/schemas/ProviderPage"}, "") | documented(
        {"$ref": "#/components/schemas/ProviderRecord"}, ""
    )
    seen = set().union(*(served(answer, "") for answer in answers))

    assert sorted(wanted - seen) == []
    assert sorted(p for p in seen - wanted if not p.startswith(".errors")) == []


def test_the_record_of_a_certified_provider(client: Client, register) -> None:
    record = client.get(f"/api/providers/{register['home'].uscc.lower()}/").json()

    assert record["name"] == "青山颐养中心" and record["status"] == "certified" and record["listed"] is True
    assert [fee["amount"] for fee in record["fees"]] == ["1200.00"]
    assert record["annual_reports"][0]["subsidies_received"] == "420000.00"
    assert [change["to_status"] for change in record["status_history"]] == ["filed", "certified"]
    [inspection] = record["inspections"]
    assert inspection["outcome"] == "findings" and len(inspection["findings"]) == 2
    assert {f["status"]: f["verified_on"] is not None for f in inspection["findings"]} == {
        "open": False,
        "verified": True,
    }
    assert "疏散通道堆放杂物" not in json.dumps(record, ensure_ascii=False)  # no text anyone wrote
    assert record["concerns"] == [
        {"year": timezone.localdate().year, "category": "food", "outcome": "open", "count": 1}
    ]
    assert "午餐" not in json.dumps(record, ensure_ascii=False)
    assert record["subsidies"] == [
        {
            "year": 2026,
            "scheme": "BT-OPERATING",
            "scheme_name": record["subsidies"][0]["scheme_name"],
            "scheme_name_en": record["subsidies"][0]["scheme_name_en"],
            "paid": "1500.00",
        }
    ]
    assert record["data_as_of"].startswith(today().isoformat()[:4])


def test_the_record_of_a_closed_provider_says_so_without_current_figures(client: Client, register) -> None:
    record = client.get(f"/api/providers/{register['closed'].uscc}/").json()

    assert record["status"] == "closed" and record["listed"] is False
    assert record["status_reason"] == "provider_request"
    assert record["status_changed_on"] == (today() - datetime.timedelta(days=10)).isoformat()
    assert record["vacancies"] is None and record["monthly_fee"] is None and record["fees"] == []
    assert record["status_history"][-1]["action"] == "close"


def test_no_record_for_a_draft_or_a_malformed_code(client: Client, divisions) -> None:
    draft = ProviderFactory()
    assert client.get(f"/api/providers/{draft.uscc}/").status_code == 404
    assert client.get("/api/providers/not-a-code/").status_code == 404


def test_the_hsds_export_holds_each_certified_provider_once_with_stable_ids(client: Client, register) -> None:
    first = client.get("/open-data/hsds.zip")
    second = client.get("/open-data/hsds.zip")

    assert first.status_code == 200 and first["Content-Type"] == "application/zip"

    def tables(response: Any) -> dict[str, list[dict[str, str]]]:
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            names = [n for n in archive.namelist() if n.endswith(".csv")]
            package = json.loads(archive.read("datapackage.json"))
            assert sorted(r["path"] for r in package["resources"]) == sorted(names)
            assert package["created"][:10] == timezone.localtime().date().isoformat()
            return {n[:-4]: list(csv.DictReader(io.StringIO(archive.read(n).decode("utf-8-sig")))) for n in names}

    one, two = tables(first), tables(second)
    assert [o["name"] for o in one["organizations"]] == ["青山颐养中心"]  # the closed one is not listed
    assert one["organizations"][0]["tax_id"] == register["home"].uscc
    assert one["organizations"] == two["organizations"] and one["services"] == two["services"]
    location = one["locations"][0]
    assert location["latitude"] == "40.656000"
    link = one["service_at_location"][0]
    assert link["service_id"] == one["services"][0]["id"] and link["location_id"] == location["id"]
    assert one["addresses"][0]["location_id"] == location["id"]
    assert (
        one["services"][0]["fees_description"].endswith("1200.00 yuan a month")
        or "1200.00" in one["services"][0]["fees_description"]
    )
