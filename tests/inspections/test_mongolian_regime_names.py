"""A regime's name on the public pages in the page's language (issue 19, docs/mongolian.md
"Names that are data"): Mongolian under /mn/ (the Chinese name where a regime has none),
English under /en/, Chinese otherwise. The Mongolian names are reference data
(``inspections/reference_data.py``) that ``load_reference_data`` sets at every load; the
open data keeps the Chinese name."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from factories import DONGHE, KUNDULUN, division
from inspection_support import DISTRICT_SAFETY
from mongolian_names import assert_names_loaded_once, html_of, load, text_of

from inspections.models import Draw, Inspection, Regime
from inspections.random_draw import draw_freeze
from inspections.records import record_inspection
from inspections.reference_data import REGIMES
from registry.staff import roles

pytestmark = pytest.mark.django_db

VISIT = timezone.localdate() - datetime.timedelta(days=10)
SAFETY = next(spec for spec in REGIMES if spec["code"] == DISTRICT_SAFETY)


def heading(html: str) -> str:
    return text_of(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))


def inspection_cell(html: str) -> str:
    """The "Inspection" cell of the provider page's row of the inspection (date, inspection, …)."""
    row = re.search(r'<tr><td><a href="[^"]*/inspections/\d+/">.*?</tr>', html, re.S).group(0)
    return text_of(re.findall(r"<td>(.*?)</td>", row, re.S)[1])


@pytest.fixture
def inspected(regimes: dict[str, Regime], make_provider, district_inspector) -> Inspection:
    home = make_provider(name="昆都仑区蒙文检查养老院", division=division(KUNDULUN))
    return record_inspection(
        provider=home,
        regime=regimes[DISTRICT_SAFETY],
        inspected_on=VISIT,
        recorded_by=district_inspector,
        inspectors=[district_inspector],
    )


def test_the_inspection_pages_name_the_regime_in_mongolian_under_mn(inspected: Inspection, client: Client) -> None:
    mongolian, chinese = SAFETY["name_mn"], SAFETY["name_zh"]
    page = html_of(client, f"/mn/inspections/{inspected.pk}/")
    provider_page = html_of(client, f"/mn/providers/{inspected.provider.uscc}/")

    assert heading(page).startswith(mongolian)
    assert mongolian in re.search(r'<meta name="description" content="([^"]*)"', page).group(1)
    assert inspection_cell(provider_page) == mongolian
    for html in (page, provider_page):
        assert chinese not in html


def test_the_chinese_and_english_pages_are_unchanged(inspected: Inspection, client: Client) -> None:
    for prefix, name in (("", SAFETY["name_zh"]), ("/en", SAFETY["name_en"])):
        page = html_of(client, f"{prefix}/inspections/{inspected.pk}/")
        provider_page = html_of(client, f"{prefix}/providers/{inspected.provider.uscc}/")

        assert heading(page).startswith(name), prefix
        assert inspection_cell(provider_page) == name, prefix
        assert SAFETY["name_mn"] not in page and SAFETY["name_mn"] not in provider_page, prefix


def test_a_regime_without_a_mongolian_name_shows_in_chinese_under_mn(inspected: Inspection, client: Client) -> None:
    regime = inspected.regime
    regime.name_mn = ""
    regime.save()

    page = html_of(client, f"/mn/inspections/{inspected.pk}/")

    assert heading(page).startswith(SAFETY["name_zh"])
    assert inspection_cell(html_of(client, f"/mn/providers/{inspected.provider.uscc}/")) == SAFETY["name_zh"]


def test_a_draws_page_names_its_regime_in_the_pages_language(
    regimes: dict[str, Regime], make_provider, make_staff, clerk, client: Client
) -> None:
    for code in (KUNDULUN, DONGHE):
        make_provider(name=f"{division(code).name}蒙文抽查养老院", division=division(code))
    draw = Draw.objects.create(
        name="2026年蒙文页面抽查",
        jurisdiction=division("150200"),
        regime=regimes[DISTRICT_SAFETY],
        sample_count=2,
        team_size=1,
        random_value="20261205",
        created_by=clerk,
    )
    draw.inspector_pool.set([make_staff(roles.INSPECTOR, code) for code in (KUNDULUN, DONGHE)])
    draw = draw_freeze(draw=draw, user=clerk)

    for prefix, name in (("/mn", SAFETY["name_mn"]), ("", SAFETY["name_zh"]), ("/en", SAFETY["name_en"])):
        page = html_of(client, f"{prefix}/inspections/draws/{draw.pk}/")
        shown = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", page, re.S))
        assert name in shown.values(), prefix


def test_the_open_data_keeps_the_chinese_name(inspected: Inspection, client: Client) -> None:
    """The API is language-neutral: ``regime`` (the code) and ``regime_name`` (Chinese),
    whatever the prefix the request came through."""
    for prefix in ("", "/mn"):
        record = client.get(f"{prefix}/api/providers/{inspected.provider.uscc}/").json()
        assert [(i["regime"], i["regime_name"]) for i in record["inspections"]] == [
            (DISTRICT_SAFETY, SAFETY["name_zh"])
        ], prefix


def test_load_reference_data_gives_every_regime_its_mongolian_name_once() -> None:
    assert_names_loaded_once(Regime, {spec["code"]: spec for spec in REGIMES}, "inspections: inspection regimes")


def test_a_reload_restores_the_mongolian_name_and_keeps_a_clerks_other_edits() -> None:
    load()
    regime = Regime.objects.get(code=DISTRICT_SAFETY)
    regime.name_mn = ""
    regime.name_zh = "旗县区安全大检查"  # a clerk's edit: the table does not win it back
    regime.save()

    assert "inspections: inspection regimes: 1 created or changed" in load()
    regime.refresh_from_db()
    assert (regime.name_mn, regime.name_zh) == (SAFETY["name_mn"], "旗县区安全大检查")


def test_the_regime_admin_edits_the_mongolian_name_beside_the_others(
    regimes: dict[str, Regime], superuser, client_for, admin_form_data
) -> None:
    regime = regimes[DISTRICT_SAFETY]
    client = client_for(superuser)
    url = reverse("admin:inspections_regime_change", args=[regime.pk])
    page = client.get(url)
    fields = list(page.context["adminform"].form.fields)
    assert fields[fields.index("name_en") + 1] == "name_mn"
    data = admin_form_data(page)
    data["name_mn"] = "ᠬᠣᠰᠢᠭᠤ ᠶᠢᠨ ᠱᠠᠯᠭᠠᠨ ᠪᠠᠶᠢᠴᠠᠭᠠᠯᠲᠠ"

    assert client.post(url, data).status_code == 302
    regime.refresh_from_db()
    assert regime.name_mn == "ᠬᠣᠰᠢᠭᠤ ᠶᠢᠨ ᠱᠠᠯᠭᠠᠨ ᠪᠠᠶᠢᠴᠠᠭᠠᠯᠲᠠ"
