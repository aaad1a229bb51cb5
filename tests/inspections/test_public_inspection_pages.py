"""The public page of an inspection and of a draw's published inputs (issue 19).

An inspection page shows the provider, date, regime and departments, the outcome, the
checklist items not passed (in the page's language) and each finding's item, severity,
deadline, status and the days it was reported rectified and verified — never what staff
or providers wrote, never who inspected. It stays public after the provider is closed; a
draft provider's is not. A draw's page shows its inputs in readable form, its results and
how to recompute it; its file names the pool by public code, never by login name, also
for a draw made before codes (whose teams only the bureau can recompute)."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from factories import DONGHE, KUNDULUN, division
from inspection_support import DISTRICT_SAFETY, as_made_before_codes

from inspections.draw_publication import file_verify
from inspections.inspector_codes import inspector_code
from inspections.models import Draw, Finding, Inspection
from inspections.random_draw import compute_results, draw_freeze
from inspections.records import (
    FindingInput,
    finding_report_rectification,
    finding_return_rectification,
    finding_verify,
    record_inspection,
)
from registry.models import Division, Provider, ProviderStatus, ProviderStatusChange, User
from registry.staff import roles

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
VISIT = TODAY - datetime.timedelta(days=40)
RECTIFIED = TODAY - datetime.timedelta(days=30)
VERIFIED = TODAY - datetime.timedelta(days=25)
FIRE_DUE, FOOD_DUE, MEDS_DUE = (VISIT + datetime.timedelta(days=n) for n in (7, 20, 30))  # MEDS_DUE is past

# Free text that may name residents or staff: never on a public page or in a public file.
SUMMARY = "SUMMARY-不公开 护理员王秀兰当班时未巡查"
DESCRIPTION_FIRE = "DESCRIPTION-不公开 住户张桂英房间门口堆放杂物"
DESCRIPTION_FOOD = "DESCRIPTION-不公开 厨师刘建国未做留样"
DESCRIPTION_MEDS = "DESCRIPTION-不公开 住户赵淑珍的药品未登记"
REPORT = "REPORT-不公开 已由院长李卫东清理"
RETURN_REASON = "RETURN-不公开 住户孙玉兰反映仍未整改"
SECRETS = (SUMMARY, DESCRIPTION_FIRE, DESCRIPTION_FOOD, DESCRIPTION_MEDS, REPORT, RETURN_REASON)


def html_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def facts(html: str) -> dict[str, str]:
    """A page's <dt>/<dd> pairs as text."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    return {text_of(dt).strip(): text_of(dd).strip() for dt, dd in pairs}


@pytest.fixture
def verifier(make_staff):
    return make_staff(roles.INSPECTOR, DONGHE, first_name="晓东", last_name="李")


@pytest.fixture
def inspected(regimes, make_provider, district_inspector, verifier):
    """A home inspected under the district safety regime: two checklist items failed, one
    passed, one not applicable; a major fire hazard verified fixed, a general food hazard
    reported fixed, a medication one returned (open again, past its deadline)."""
    home = make_provider(name="昆都仑区公开检查养老院", division=division(KUNDULUN))
    inspection = record_inspection(
        provider=home,
        regime=regimes[DISTRICT_SAFETY],
        inspected_on=VISIT,
        recorded_by=district_inspector,
        inspectors=[district_inspector],
        checklist_results={"fire-exits": "fail", "food-hygiene": "fail", "fire-detectors": "pass", "building": "n/a"},
        findings=[
            FindingInput(Finding.Category.FIRE, Finding.Severity.MAJOR, DESCRIPTION_FIRE, FIRE_DUE),
            FindingInput(Finding.Category.FOOD, Finding.Severity.GENERAL, DESCRIPTION_FOOD, FOOD_DUE),
            FindingInput(Finding.Category.MEDICATION, Finding.Severity.GENERAL, DESCRIPTION_MEDS, MEDS_DUE),
        ],
        summary=SUMMARY,
    )
    fire, food, meds = inspection.findings.order_by("deadline")
    finding_verify(
        finding=finding_report_rectification(finding=fire, report=REPORT, rectified_on=RECTIFIED),
        inspector=verifier,
        on=VERIFIED,
    )
    finding_report_rectification(finding=food, report=REPORT, rectified_on=RECTIFIED)
    finding_return_rectification(
        finding=finding_report_rectification(finding=meds, report=REPORT, rectified_on=RECTIFIED),
        inspector=verifier,
        reason=RETURN_REASON,
        on=VERIFIED,
    )
    return inspection


def test_the_inspection_page_shows_the_findings_with_their_dates_and_the_items_not_passed(
    inspected, district_inspector, verifier, client
):
    html = html_of(client, f"/en/inspections/{inspected.pk}/")
    shown = facts(html)
    rows = [text_of(row).split("  ") for row in re.findall(r"<tr><td>.*?</tr>", html, re.S)]

    assert shown["Provider"].startswith("昆都仑区公开检查养老院")
    assert f'href="/en/providers/{inspected.provider.uscc}/"' in html
    assert shown["Date"] == f"{VISIT:%Y-%m-%d}"
    assert shown["Inspection"] == "District safety inspection"
    assert (shown["Led by"], shown["Jointly with"]) == ("Civil Affairs", "Emergency Management")
    assert shown["Outcome"] == "Failed"  # a major hazard
    assert (shown["Items passed"], shown["Items not passed"], shown["Items not applicable"]) == ("1", "2", "1")
    failed = text_of(html.split('id="checklist-failed"')[1].split("</ul>")[0])
    assert "Escape routes and exits clear" in failed and "Kitchen hygiene and food storage" in failed
    assert "Smoke detectors" not in failed and "Building structure" not in failed
    assert len(rows) == 3
    fire, food, meds = (" ".join(" ".join(row).split()) for row in rows)
    d = "{:%Y-%m-%d}".format
    assert fire == f"Fire safety Major hazard {d(FIRE_DUE)} Verified fixed {d(RECTIFIED)} {d(VERIFIED)}"
    assert food == f"Food safety General hazard {d(FOOD_DUE)} Rectification reported {d(RECTIFIED)} -"
    assert meds == f"Medication General hazard {d(MEDS_DUE)} Open overdue - -"  # returned: not rectified

    chinese = html_of(client, f"/inspections/{inspected.pk}/")
    assert "疏散通道、安全出口畅通" in chinese and "厨房卫生、食材储存符合要求" in chinese
    assert "烟感火灾探测报警器完好" not in chinese
    assert "重大隐患" in chinese and "民政" in chinese

    for page in (html, chinese):
        for secret in SECRETS:
            assert secret not in page
        for person in (district_inspector, verifier):
            assert person.username not in page and "李晓东" not in page


def test_an_inspection_without_findings_or_checklist_says_so(regimes, make_provider, district_inspector, client):
    home = make_provider(division=division(KUNDULUN))
    inspection = record_inspection(
        provider=home, regime=regimes[DISTRICT_SAFETY], inspected_on=VISIT, recorded_by=district_inspector
    )

    html = html_of(client, f"/en/inspections/{inspection.pk}/")

    assert "No hazard was found." in html
    assert "No checklist results were recorded for this inspection." in html
    assert facts(html)["Outcome"] == "Passed"


def test_an_inspection_of_a_closed_provider_stays_public(inspected, lifecycle, client):
    home = inspected.provider
    ProviderStatusChange.objects.all().delete()
    home.status = ProviderStatus.CERTIFIED
    home.save(update_fields=["status"])
    lifecycle(home, ProviderStatusChange.Action.CLOSE, TODAY - datetime.timedelta(days=2))
    home.refresh_from_db()
    assert home.status == ProviderStatus.CLOSED

    html = html_of(client, f"/en/inspections/{inspected.pk}/")

    assert facts(html)["Provider"].startswith("昆都仑区公开检查养老院")
    assert "Closed" in facts(html)["Provider"]  # its status, next to its name
    assert f'href="/en/providers/{home.uscc}/"' in html
    assert "Escape routes and exits clear" in html


@pytest.mark.parametrize("status", [ProviderStatus.DRAFT])
def test_an_inspection_of_a_draft_provider_is_not_published(inspected, client, status):
    type(inspected.provider).objects.filter(pk=inspected.provider.pk).update(status=status)

    assert client.get(f"/inspections/{inspected.pk}/").status_code == 404
    assert client.get(f"/en/inspections/{inspected.pk}/").status_code == 404
    assert client.get(f"/inspections/{inspected.pk + 1000}/").status_code == 404


@pytest.mark.parametrize("status", [ProviderStatus.SUSPENDED, ProviderStatus.REVOKED, ProviderStatus.FILED])
def test_an_inspection_of_any_filed_provider_is_published(inspected, client, status):
    type(inspected.provider).objects.filter(pk=inspected.provider.pk).update(status=status)

    assert client.get(f"/inspections/{inspected.pk}/").status_code == 200


def test_the_provider_pages_inspection_rows_link_to_the_inspection_page(inspected, client):
    html = html_of(client, f"/en/providers/{inspected.provider.uscc}/")

    assert f'<a href="/en/inspections/{inspected.pk}/">{VISIT:%Y-%m-%d}</a>' in html


# --- draws ------------------------------------------------------------------------------------


@pytest.fixture
def pool(make_staff):
    """Two inspectors in each of two Baotou counties, with names."""
    return [
        make_staff(roles.INSPECTOR, code, first_name=f"{n}号", last_name="检查员")
        for code in (KUNDULUN, DONGHE)
        for n in (1, 2)
    ]


@pytest.fixture
def drawn(regimes, make_provider, pool, clerk):
    """A published draw of 3 of 6 homes (Kundulun and Donghe), teams of 2, and the first
    drawn home's inspection recorded for it by its team."""
    for code in (KUNDULUN, DONGHE):
        for n in range(3):
            make_provider(name=f"{division(code).name}抽查养老院{n}", division=division(code))
    draw = Draw.objects.create(
        name="2026年第四季度双随机抽查",
        jurisdiction=division("150200"),
        regime=regimes[DISTRICT_SAFETY],
        sample_count=3,
        team_size=2,
        random_value="2026-11-21 福彩3D 527",
        created_by=clerk,
    )
    draw.inspector_pool.set(pool)
    draw = draw_freeze(draw=draw, user=clerk)
    first = draw.results[0]
    team = [user for user in pool if inspector_code(user) in first["team"]]
    inspection = record_inspection(
        provider=Provider.objects.get(uscc=first["uscc"]),
        regime=draw.regime,
        draw=draw,
        inspected_on=VISIT,
        recorded_by=team[0],
        inspectors=team,
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, DESCRIPTION_FIRE)],
        summary=SUMMARY,
    )
    return draw, inspection


def all_usernames() -> list[str]:
    return list(User.objects.values_list("username", flat=True))


def test_the_draw_page_shows_the_inputs_the_results_and_how_to_recompute(drawn, pool, client):
    draw, inspection = drawn
    html = html_of(client, f"/en/inspections/draws/{draw.pk}/")
    shown = facts(html)

    assert (shown["Public random value"], shown["Sample size"], shown["Team size"]) == (
        "2026-11-21 福彩3D 527",
        "3 providers",
        "2 inspectors",
    )
    assert shown["Departments"] == "Civil Affairs, Emergency Management"
    assert "6 providers in scope" in html
    for provider in draw.inputs["providers"]:
        assert provider["uscc"] in html and provider["name"] in html
    assert html.count("Elderly-care institution") == 6
    baotou, kundulun, donghe = (Division.objects.get(code=code).name_en for code in ("150200", "150203", "150202"))
    assert f"{baotou} {kundulun}" in html and f"{baotou} {donghe}" in html  # English names on /en/
    for user in pool:
        assert inspector_code(user) in html
        assert f"{user.jurisdiction.name_en} · 检查员{user.first_name}" in html
    assert f"python manage.py verify_draw {draw.pk}" in html
    assert f'href="/en/inspections/draws/{draw.pk}/inputs.json"' in html
    assert f'href="/en/inspections/{inspection.pk}/"' in html  # the result recorded for the draw
    for row in draw.results:
        assert f'href="/en/providers/{row["uscc"]}/"' in html
    for username in all_usernames():
        assert username not in html
    assert SUMMARY not in html and DESCRIPTION_FIRE not in html


def test_the_draws_list_links_results_providers_and_each_draws_inputs(drawn, client):
    draw, inspection = drawn
    html = html_of(client, "/en/inspections/")

    assert f'<a href="/en/inspections/{inspection.pk}/">{VISIT:%Y-%m-%d} Passed with findings to rectify</a>' in html
    assert f'href="/en/inspections/draws/{draw.pk}/"' in html
    for row in draw.results:
        assert f'<a href="/en/providers/{row["uscc"]}/">{row["name"]}</a>' in html
    for username in all_usernames():
        assert username not in html


def test_the_inspection_page_links_to_its_draw(drawn, client):
    draw, inspection = drawn
    html = html_of(client, f"/en/inspections/{inspection.pk}/")

    assert facts(html)["Double-random draw"] == draw.name
    assert f'href="/en/inspections/draws/{draw.pk}/"' in html


def test_the_inputs_file_recomputes_to_the_results_and_holds_no_login_name(drawn, client):
    draw, _inspection = drawn
    response = client.get(f"/inspections/draws/{draw.pk}/inputs.json")
    body = response.content.decode()
    published = json.loads(body)

    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="draw-{draw.pk}-inputs.json"'
    assert published["teams_recomputable"] is True
    assert published["inputs"] == draw.inputs and published["results"] == draw.results
    assert compute_results(published["inputs"]) == published["results"]
    assert file_verify(published) == (True, True)
    for username in all_usernames():
        assert username not in body
    assert SUMMARY not in body and DESCRIPTION_FIRE not in body


def test_a_draft_draw_is_not_published(regimes, clerk, client):
    draft = Draw.objects.create(
        name="草稿抽查", jurisdiction=division("150200"), sample_count=1, random_value="1", created_by=clerk
    )

    assert client.get(f"/inspections/draws/{draft.pk}/").status_code == 404
    assert client.get(f"/inspections/draws/{draft.pk}/inputs.json").status_code == 404
    assert client.get(f"/en/inspections/draws/{draft.pk + 1000}/").status_code == 404


def test_a_draw_made_before_codes_publishes_codes_and_says_who_can_recompute_its_teams(drawn, pool, client):
    draw = as_made_before_codes(drawn[0])
    usernames = {user.username for user in pool}
    assert {name for row in draw.results for name in row["team"]} <= usernames  # as stored

    html = html_of(client, f"/en/inspections/draws/{draw.pk}/")
    body = client.get(f"/inspections/draws/{draw.pk}/inputs.json").content.decode()
    published = json.loads(body)

    assert "made before inspectors were published by code" in html
    assert f"python manage.py verify_draw {draw.pk}" in html
    for username in all_usernames():
        assert username not in html and username not in body
    codes = {inspector_code(user) for user in pool}
    assert {entry["inspector"] for entry in published["inputs"]["inspectors"]} == codes
    assert {code for row in published["results"] for code in row["team"]} <= codes
    assert published["teams_recomputable"] is False and "bureau" in published["note"]
    assert file_verify(published) == (True, None)  # the selection checks out; the teams cannot from the file
    by_code = {inspector_code(user): user for user in pool}
    for stored, shown in zip(draw.results, published["results"], strict=True):
        assert [by_code[code].username for code in shown["team"]] == stored["team"]
    for user in pool:  # the page names them as before
        assert f"{user.jurisdiction.name_en} · 检查员{user.first_name}" in html


def verify(*args: str) -> str:
    """``manage.py verify_draw …`` in this process (call_command keeps the test's connection)."""
    out = io.StringIO()
    call_command("verify_draw", *args, stdout=out)
    return out.getvalue()


def test_verify_draw_matches_new_and_older_draws_and_their_files(drawn, client, tmp_path):
    draw = drawn[0]
    new_file = tmp_path / "new.json"
    new_file.write_bytes(client.get(f"/inspections/draws/{draw.pk}/inputs.json").content)
    tampered = json.loads(new_file.read_text())
    tampered["results"][0]["team"].reverse()
    tampered_file = tmp_path / "tampered.json"
    tampered_file.write_text(json.dumps(tampered))

    assert f"draw {draw.pk}: MATCHES the published results" in verify(str(draw.pk))
    from_file = verify("--file", str(new_file))
    assert f"draw {draw.pk}: MATCHES the published results" in from_file
    assert all(code in from_file for row in draw.results for code in row["team"])
    with pytest.raises(CommandError, match="DOES NOT MATCH"):
        verify("--file", str(tampered_file))

    old = as_made_before_codes(draw)
    old_file = tmp_path / "old.json"
    old_file.write_bytes(client.get(f"/inspections/draws/{old.pk}/inputs.json").content)

    assert f"draw {old.pk}: MATCHES the published results" in verify(str(old.pk))
    assert f"draw {old.pk}: the selection MATCHES the published results" in verify("--file", str(old_file))


def test_inspection_detail_pages_cost_a_fixed_number_of_queries(inspected, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get(f"/inspections/{inspected.pk}/")


def test_the_inspection_record_keeps_what_the_page_leaves_out(inspected):
    """The texts left off the page are really recorded (so the page's absence is a choice)."""
    stored = Inspection.objects.get(pk=inspected.pk)
    assert stored.summary == SUMMARY
    assert {f.description for f in stored.findings.all()} == {DESCRIPTION_FIRE, DESCRIPTION_FOOD, DESCRIPTION_MEDS}
    assert stored.findings.filter(return_reason=RETURN_REASON).exists()
    assert stored.findings.filter(rectification_report=REPORT).count() == 3


def test_a_draw_by_ratio_says_its_share_and_a_draw_without_regime_any_department(make_provider, pool, clerk, client):
    for n in range(4):
        make_provider(division=division(DONGHE if n % 2 else KUNDULUN))
    draw = Draw.objects.create(
        name="按比例抽查",
        jurisdiction=division("150200"),
        sample_ratio="0.2500",
        team_size=1,
        random_value="7",
        created_by=clerk,
    )
    draw.inspector_pool.set(pool)
    draw = draw_freeze(draw=draw, user=clerk)

    shown = facts(html_of(client, f"/en/inspections/draws/{draw.pk}/"))

    assert shown["Sample size"] == "25 % of the providers in scope, rounded up"
    assert shown["Departments"] == "Any department"
    assert len(draw.results) == 1
