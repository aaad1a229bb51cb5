"""The dashboard: scoped to the user's jurisdiction, drills down inside it (404 outside),
reads the snapshots in a number of queries that does not depend on the data, shows the
no-data sentence, in Chinese and English; the upward report is an audited .xlsx."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from factories import BAOTOU, DONGHE, KUNDULUN, ProviderFactory, division
from indicator_support import JUNE
from openpyxl import load_workbook

from indicators.models import Indicator
from indicators.snapshots import take_snapshots
from registry.models import DataExport, ProviderKind, User
from registry.staff import roles
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/"


@pytest.fixture
def taken(june: Any) -> None:
    take_snapshots(month=JUNE)


def charts(response: Any) -> list[dict[str, Any]]:
    html = response.content.decode()
    start = html.index('<script id="indicator-charts" type="application/json">') + len(
        '<script id="indicator-charts" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_a_clerk_sees_their_district_and_nothing_outside(
    taken: None, clerk: User, client_for: Callable[[User], Any]
) -> None:
    client = client_for(clerk)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "昆都仑区" in page and "53.33" in page  # the nursing-bed share of Kundulun
    assert "2025-06" in page
    assert client.get(URL, {"division": DONGHE}).status_code == 404
    assert client.get(URL, {"division": BAOTOU}).status_code == 404  # above the jurisdiction
    assert client.get(URL, {"division": "999999"}).status_code == 404


def test_a_city_reviewer_sees_the_counties_and_drills_down(
    taken: None, reviewer: User, client_for: Callable[[User], Any]
) -> None:
    client = client_for(reviewer)
    response = client.get(URL)
    page = response.content.decode()
    assert "包头市" in page and "65.71" in page
    assert f"{reverse('indicators:dashboard')}?division={KUNDULUN}" in page  # a county links to its drill-down
    nursing = next(c for c in charts(response) if c["code"] == "nursing_bed_share")
    kundulun_at = nursing["divisions"].index("昆都仑区")
    assert nursing["breakdown"][0]["data"][kundulun_at] == 53.33
    assert nursing["urls"][kundulun_at].endswith(f"?division={KUNDULUN}")
    assert len(nursing["months"]) == 24 and nursing["trend"][0]["data"][-1] == 65.71

    drilled = client.get(URL, {"division": KUNDULUN})
    assert drilled.status_code == 200
    assert "53.33" in drilled.content.decode()


def test_a_missing_input_shows_what_is_missing_never_zero(
    taken: None, clerk: User, client_for: Callable[[User], Any]
) -> None:
    page = client_for(clerk).get("/en" + URL).content.decode()
    assert "no data: population of 2025 for 昆都仑区 missing" in page


def test_the_english_page_reads_in_english(taken: None, reviewer: User, client_for: Callable[[User], Any]) -> None:
    page = client_for(reviewer).get("/en" + URL).content.decode()
    assert "Nursing-type bed share of elderly-care institution beds" in page
    assert "养老机构护理型床位占比" not in page
    assert "Elderly-care institution" in page  # occupancy's kinds by their label, not their code
    assert "elderly_institution</" not in page


def test_the_chinese_page_names_the_indicators_in_chinese(
    taken: None, reviewer: User, client_for: Callable[[User], Any]
) -> None:
    page = client_for(reviewer).get(URL).content.decode()
    assert "养老机构护理型床位占比" in page and "003:114-119" in page


def test_staff_without_a_jurisdiction_may_not_see_it(
    taken: None, make_staff: Callable[..., User], client_for: Callable[[User], Any]
) -> None:
    nowhere = make_staff(roles.DISTRICT_CLERK, None)
    assert client_for(nowhere).get(URL).status_code == 403


def test_the_query_count_does_not_depend_on_the_data(
    taken: None, reviewer: User, client_for: Callable[[User], Any]
) -> None:
    client = client_for(reviewer)
    client.get(URL)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(30):
        kind = ProviderKind.ELDERLY_INSTITUTION if n % 2 else ProviderKind.NURSERY
        ProviderFactory(kind=kind, status="filed", filed_on=JUNE, beds=20, nursing_beds=10, childcare_places=5)
    take_snapshots(month=JUNE, recompute=True)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_upward_report_is_a_statistical_return(
    taken: None, reviewer: User, client_for: Callable[[User], Any]
) -> None:
    with translation.override("en"):
        url = reverse("indicators:report")
    response = client_for(reviewer).get(url, {"division": BAOTOU})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="indicators-150200-2025-06.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "包头市" in rows[0][0]  # title row
    assert "2025-06" in rows[1][4]  # reporting period
    assert rows[3][:6] == ["Indicator", "Unit", "Division code", "Division", "Value", "Target"]
    nursing = [row for row in rows if row[2] in {BAOTOU, KUNDULUN} and str(row[0]).startswith("Nursing-type")]
    assert [row[3:6] for row in nursing] == [["包头市", 65.71, "≥ 55%"], ["昆都仑区", 53.33, "≥ 55%"]]
    assert "003:114-119" in rows[-1][0]  # the source line
    export = DataExport.objects.get(what="indicators-report")
    assert export.exported_by == reviewer and export.file_format == "xlsx"
    assert AuditEntry.objects.filter(action="data.export").count() == 1


def test_the_report_of_a_division_outside_the_jurisdiction_is_a_404(
    taken: None, clerk: User, client_for: Callable[[User], Any]
) -> None:
    assert client_for(clerk).get(reverse("indicators:report"), {"division": DONGHE}).status_code == 404
    assert not DataExport.objects.exists()


def test_the_page_loads_echarts_from_the_site_and_no_inline_script(
    taken: None, clerk: User, client_for: Callable[[User], Any]
) -> None:
    page = client_for(clerk).get(URL).content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in page and "/static/indicators/dashboard.js" in page
    assert "cdn" not in page.lower()
    assert division(KUNDULUN).name in page


def test_a_superuser_without_a_jurisdiction_sees_the_region(
    taken: None, superuser: User, client_for: Callable[[User], Any]
) -> None:
    page = client_for(superuser).get(URL).content.decode()
    assert "内蒙古自治区" in page and "65.71" in page  # Baotou's beds are all the region has


def test_a_clerk_enters_a_population_figure_and_a_bad_one_names_its_field(
    divisions: Any, clerk: User, client_for: Callable[[User], Any]
) -> None:
    client = client_for(clerk)
    add = reverse("admin:indicators_populationfigure_add")
    data = {"division": divisions[KUNDULUN].pk, "year": 2024, "population": 0, "source": "区统计局"}
    response = client.post(add, data)
    assert response.status_code == 200 and "population" in response.context["adminform"].form.errors
    response = client.post(add, {**data, "population": 800_000})
    assert response.status_code == 302
    outside = client.post(add, {**data, "division": divisions[DONGHE].pk, "population": 500_000})
    assert "division" in outside.context["adminform"].form.errors  # not a choice in Kundulun's clerk's form


def test_a_target_without_a_comparator_is_refused_on_that_field(
    divisions: Any, reviewer: User, client_for: Callable[[User], Any], admin_form_data: Callable[[Any], Any]
) -> None:
    indicator = Indicator.objects.get(code="public_bed_share")
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    client = client_for(reviewer)
    versions = indicator.history.count()
    data = {**admin_form_data(client.get(url)), "comparator": ""}
    response = client.post(url, data)
    assert response.status_code == 200 and "comparator" in response.context["adminform"].form.errors
    response = client.post(url, {**data, "comparator": "lte", "target": "45"})
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.target == 45 and indicator.history.count() == versions + 1  # the change is kept
