"""A subsidy scheme's name on the public pages in the page's language (issue 19,
docs/mongolian.md "Names that are data"): Mongolian under /mn/ (the Chinese name where a
scheme has none), English under /en/, Chinese otherwise, in every table of the subsidies
page, its scheme filter and the provider page's block. The Mongolian names are reference
data (``subsidies/reference_data.py``) that ``load_reference_data`` sets at every load; the
open data keeps the Chinese and English names."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from factories import ResidentFactory
from mongolian_names import assert_names_loaded_once, html_of, load, text_of

from registry.models import Provider
from subsidies.models import SubsidyScheme
from subsidies.reference_data import SCHEMES

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)
SPECS = {spec["code"]: spec for spec in SCHEMES}
OPERATING = SPECS["BT-OPERATING"]
CONSTRUCTION = SPECS["BT-CONSTRUCT-BED"]


def column(html: str, table: int, cell: int) -> list[str]:
    """The text of column ``cell`` in each body row of the page's ``table``-th table (from 0)."""
    body = html.split("<table")[table + 1].split("</table>")[0].split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [text_of(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[cell]) for row in rows]


def scheme_options(html: str) -> dict[str, str]:
    select = re.search(r'<select id="scheme".*?</select>', html, re.S).group(0)
    return {code: text_of(label) for code, label in re.findall(r'<option value="([^"]+)"[^>]*>(.*?)</option>', select)}


@pytest.fixture
def subsidised(make_provider: Callable[..., Provider], approved_run: Any, batch_through: Any) -> Provider:
    """A home paid its November operating grant (Baotou's scheme)."""
    home = make_provider(
        name="昆都仑区蒙文补贴养老院",
        bank_name="中国银行包头分行",
        bank_account_name="蒙文补贴养老院",
        bank_account_number="6222021234567890123",
    )
    ResidentFactory.create_batch(3, provider=home)
    approved_run("BT-OPERATING", NOV)
    batch_through("closed")
    return home


def test_the_subsidies_pages_name_the_scheme_in_mongolian_under_mn(subsidised: Provider, client: Client) -> None:
    page = html_of(client, "/mn/subsidies/")
    provider_page = html_of(client, f"/mn/providers/{subsidised.uscc}/")

    assert column(page, 0, 1) == [OPERATING["name_mn"]]  # paid: month, subsidy, provider, amount
    assert scheme_options(page) == {code: spec["name_mn"] for code, spec in SPECS.items()}
    subsidies_block = provider_page.split('id="subsidies"')[1]
    assert column(subsidies_block, 0, 1) == [OPERATING["name_mn"]]  # year, subsidy, paid
    for html in (page, provider_page):
        assert OPERATING["name_zh"] not in html


def test_approved_and_construction_rows_name_the_scheme_in_the_pages_language(
    make_provider: Callable[..., Provider], approved_run: Any, approved_grant: Any, client: Client
) -> None:
    home = make_provider(name="昆都仑区蒙文待付养老院")
    ResidentFactory.create_batch(2, provider=home)
    approved_run("BT-OPERATING", NOV)  # approved, not yet paid
    approved_grant(make_provider(name="昆都仑区蒙文新建养老院"))

    for prefix, key in (("/mn", "name_mn"), ("", "name_zh"), ("/en", "name_en")):
        page = html_of(client, f"{prefix}/subsidies/")
        assert column(page, 1, 1) == [OPERATING[key]], prefix  # approved: month, subsidy, provider, amount
        assert column(page, 2, 2) == [CONSTRUCTION[key]], prefix  # grants: date, provider, subsidy, …


def test_the_chinese_and_english_pages_are_unchanged(subsidised: Provider, client: Client) -> None:
    for prefix, key in (("", "name_zh"), ("/en", "name_en")):
        page = html_of(client, f"{prefix}/subsidies/")
        provider_page = html_of(client, f"{prefix}/providers/{subsidised.uscc}/")

        assert column(page, 0, 1) == [OPERATING[key]], prefix
        assert scheme_options(page) == {code: spec[key] for code, spec in SPECS.items()}, prefix
        assert column(provider_page.split('id="subsidies"')[1], 0, 1) == [OPERATING[key]], prefix
        assert OPERATING["name_mn"] not in page and OPERATING["name_mn"] not in provider_page, prefix


def test_a_scheme_without_a_mongolian_name_shows_in_chinese_under_mn(subsidised: Provider, client: Client) -> None:
    scheme = SubsidyScheme.objects.get(code="BT-OPERATING")
    scheme.name_mn = ""
    scheme.save()

    page = html_of(client, "/mn/subsidies/")
    provider_page = html_of(client, f"/mn/providers/{subsidised.uscc}/")

    assert column(page, 0, 1) == [OPERATING["name_zh"]]
    assert scheme_options(page)["BT-OPERATING"] == OPERATING["name_zh"]
    assert column(provider_page.split('id="subsidies"')[1], 0, 1) == [OPERATING["name_zh"]]


def test_the_open_data_keeps_the_chinese_and_english_names(subsidised: Provider, client: Client) -> None:
    for prefix in ("", "/mn"):
        record = client.get(f"{prefix}/api/providers/{subsidised.uscc}/").json()
        assert [(row["scheme"], row["scheme_name"], row["scheme_name_en"]) for row in record["subsidies"]] == [
            ("BT-OPERATING", OPERATING["name_zh"], OPERATING["name_en"])
        ], prefix


def test_load_reference_data_gives_every_scheme_its_mongolian_name_once() -> None:
    assert_names_loaded_once(SubsidyScheme, SPECS, "subsidies: subsidy schemes")


def test_a_reload_restores_the_mongolian_name_and_keeps_a_clerks_other_edits() -> None:
    load()
    scheme = SubsidyScheme.objects.get(code="BT-OPERATING")
    scheme.name_mn = "ᠬᠣᠯᠢᠭ᠎ᠠ"  # a stale name: the table's wins
    scheme.notes = "办事员的备注"  # a clerk's edit: kept
    scheme.save()

    assert "subsidies: subsidy schemes: 1 created or changed" in load()
    scheme.refresh_from_db()
    assert (scheme.name_mn, scheme.notes) == (OPERATING["name_mn"], "办事员的备注")


def test_the_scheme_admin_edits_the_mongolian_name_beside_the_others(
    divisions: Any, superuser: Any, client_for: Any, admin_form_data: Any
) -> None:
    scheme = SubsidyScheme.objects.get(code="BT-OPERATING")
    client = client_for(superuser)
    url = reverse("admin:subsidies_subsidyscheme_change", args=[scheme.pk])
    page = client.get(url)
    fields = list(page.context["adminform"].form.fields)
    assert fields[fields.index("name_en") + 1] == "name_mn"
    data = admin_form_data(page)
    data["name_mn"] = "ᠰᠢᠨ᠎ᠡ ᠲᠡᠳᠬᠦᠮᠵᠢ"  # 'new subsidy'

    assert client.post(url, data).status_code == 302
    scheme.refresh_from_db()
    assert scheme.name_mn == "ᠰᠢᠨ᠎ᠡ ᠲᠡᠳᠬᠦᠮᠵᠢ"
    found = client.get(reverse("admin:subsidies_subsidyscheme_changelist"), {"q": "ᠰᠢᠨ᠎ᠡ"})
    assert [s.code for s in found.context["cl"].result_list] == ["BT-OPERATING"]
