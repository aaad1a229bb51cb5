"""A keyword in pinyin finds providers (issue 21, "Public pages"): the pinyin of provider
and division names is stored with the name, place names read as locally (昆都仑 is
kundulun, not pypinyin's kundoulun), initials match too; and when nothing is found the
advice fits what was asked."""

from __future__ import annotations

import pytest
from django.test import Client
from factories import ProviderFactory
from public_support import listed

from registry.models import Division, Provider, ProviderStatus
from registry.pinyin import name_pinyin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]

KUNDULUN = "150203"


def test_place_names_are_read_as_they_are_said_there() -> None:
    assert name_pinyin("昆都仑区") == "kundulunqu kdlq"
    assert name_pinyin("克什克腾旗").startswith("keshiketengqi ")
    assert name_pinyin("锡林郭勒盟").startswith("xilinguolemeng ")
    assert Division.objects.get(code=KUNDULUN).name_pinyin == "kundulunqu kdlq"


@pytest.mark.parametrize("keyword", ["kundulun", "KunDuLun", "kdl"])
def test_the_district_in_pinyin_finds_every_provider_of_the_district(client: Client, keyword: str) -> None:
    in_district = listed(client, {"county": KUNDULUN})
    assert in_district  # the demo has certified providers in Kundulun

    assert set(listed(client, {"q": keyword})) >= set(in_district)


def test_a_name_in_pinyin_finds_the_provider(client: Client) -> None:
    lucheng = Provider.objects.get(name="包头市鹿城福寿养老院")
    assert lucheng.status == ProviderStatus.CERTIFIED

    found = listed(client, {"q": "lucheng"})

    assert lucheng.uscc in found
    assert all("lucheng" in p.name_pinyin for p in Provider.objects.filter(uscc__in=found))
    assert listed(client, {"q": "lucheng fushou"}) == [lucheng.uscc]


def test_a_renamed_provider_is_found_by_its_new_name_only(client: Client) -> None:
    provider = ProviderFactory(status=ProviderStatus.CERTIFIED, name="康宁护理院")
    assert listed(client, {"q": "kangning"}) == [provider.uscc]

    provider.name = "松鹤护理院"
    provider.save(update_fields=["name"])

    assert listed(client, {"q": "songhe"}) == [provider.uscc]
    assert provider.uscc not in listed(client, {"q": "kangning"})


def test_nothing_found_for_a_keyword_alone_advises_on_the_keyword_not_on_filters(client: Client) -> None:
    response = client.get("/en/providers/", {"q": "zzqxw"})

    assert list(response.context["rows"]) == []
    html = response.content.decode()
    assert "Try fewer filters" not in html
    assert "“zzqxw”" in html and "pinyin" in html

    filtered = client.get("/en/providers/", {"q": "zzqxw", "kind": "elderly_institution"})
    assert "Try fewer filters" in filtered.content.decode()
