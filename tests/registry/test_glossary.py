"""The glossary of division names (registry/glossary.py) as load_reference_data loads it,
and the fallback to the Chinese name (issue 19)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from registry.glossary import DIVISION_NAMES
from registry.models import Division, name_in_language
from registry.public import division_names, local_division_names

pytestmark = pytest.mark.django_db

MONGOLIAN = re.compile(r"^[\u1800-\u18af\u202f ]+$")  # Mongolian letters, spaces and suffix joints only
KUNDULUN = "150203"


def load() -> str:
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


def test_every_division_of_the_region_has_its_names_from_the_glossary() -> None:
    load()

    divisions = {d.code: d for d in Division.objects.all()}
    assert set(DIVISION_NAMES) == set(divisions)  # the region, 12 leagues/cities, 103 + 1 county-level units
    for code, (chinese, mongolian, english) in DIVISION_NAMES.items():
        division = divisions[code]
        assert division.name == chinese, code  # the line names the division it says
        assert (division.name_mn, division.name_en) == (mongolian, english), code
        assert english and (mongolian == "" or MONGOLIAN.fullmatch(mongolian)), code
    assert divisions[KUNDULUN].name_en == "Kundulun District"
    assert divisions["150200"].name_en == "Baotou"


def test_loading_again_changes_nothing_and_repairs_a_changed_name() -> None:
    load()
    history = Division.history.count()
    assert "registry: divisions: 0 created or changed" in load()
    assert Division.history.count() == history

    Division.objects.filter(code=KUNDULUN).update(name_en="Kunqu", name_mn="")
    assert "registry: divisions: 1 created or changed" in load()
    kundulun = Division.objects.get(code=KUNDULUN)
    assert (kundulun.name_mn, kundulun.name_en) == DIVISION_NAMES[KUNDULUN][1:]


def test_names_a_clerk_gave_a_local_unit_survive_a_reload(divisions: dict[str, Division]) -> None:
    township = Division.objects.create(
        code="150203001",
        name="沼潭街道",
        name_en="Zhaotan Subdistrict",
        level=Division.Level.TOWNSHIP,
        parent=divisions[KUNDULUN],
    )
    load()
    township.refresh_from_db()
    assert (township.name_mn, township.name_en) == ("", "Zhaotan Subdistrict")


def test_a_name_shows_in_the_page_language_else_in_chinese() -> None:
    assert name_in_language("昆都仑区", mn="ᠬᠦᠨᠳᠦᠯᠡᠨ", en="Kundulun", language="mn") == "ᠬᠦᠨᠳᠦᠯᠡᠨ"
    assert name_in_language("昆都仑区", mn="ᠬᠦᠨᠳᠦᠯᠡᠨ", en="Kundulun", language="en") == "Kundulun"
    assert name_in_language("昆都仑区", mn="ᠬᠦᠨᠳᠦᠯᠡᠨ", en="Kundulun", language="zh-hans") == "昆都仑区"
    assert name_in_language("昆都仑区", mn="", en="", language="mn") == "昆都仑区"
    assert name_in_language("昆都仑区", mn="", en="", language="en") == "昆都仑区"
    with translation.override("en"):
        assert name_in_language("昆都仑区", mn="", en="Kundulun") == "Kundulun"


def test_the_pages_names_cost_the_query_the_chinese_names_cost(
    divisions: dict[str, Division], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        chinese = division_names()
    with translation.override("en"), django_assert_num_queries(1):
        english = local_division_names()
    with translation.override("mn"), django_assert_num_queries(1):
        mongolian = local_division_names()

    _chinese, in_mongolian, in_english = DIVISION_NAMES[KUNDULUN]
    assert (chinese[KUNDULUN], english[KUNDULUN], mongolian[KUNDULUN]) == ("昆都仑区", in_english, in_mongolian)
    assert mongolian["150271"] == "稀土高新区"  # no Mongolian name in the glossary: the Chinese one
    assert set(chinese) == set(english) == set(mongolian)
