"""The public pages in Mongolian (traditional script) under /mn/, and the division names
of the glossary on the English and Mongolian pages (issue 19, docs/mongolian.md)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from downloads import file_bytes
from public_support import CJK, RARE_EARTH_ZONE, Page, pay, publish_draw, record_demo_inspection, today

from inspections.models import Finding, Inspection
from registry.glossary import DIVISION_NAMES
from registry.models import (
    AgeBand,
    CareMode,
    ChildcareSetting,
    DemonstrationLevel,
    Division,
    FeeItem,
    FilingAuthority,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
    ProviderStatus,
)
from registry.occupancy import VacancyBasis
from registry.open_data_table import open_data_header

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]

MONGOLIAN = re.compile(r"[\u1800-\u18af]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
KUNDULUN = "150203"
BAOTOU = "150200"
HOME = "昆都仑区阳光颐养院"  # a demo home that records its Mongolian name
NURSERY = "昆都仑区贝贝乐托育中心"


def mn(english: str) -> str:
    """What the Mongolian catalogue says for ``english``."""
    with translation.override("mn"):
        return gettext(english)


def html(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


@pytest.fixture
def activity() -> None:
    """A published draw with a result and subsidies paid, so those pages have rows."""
    draw = publish_draw()
    provider = Provider.objects.get(uscc=draw.results[0]["uscc"])
    inspection = record_demo_inspection(provider, on=today() - datetime.timedelta(days=2))
    Inspection.objects.filter(pk=inspection.pk).update(draw=draw)
    pay(Provider.objects.get(name=HOME), period=datetime.date(2026, 10, 1), amount=Decimal("2000.00"))


# --------------------------------------------------------------------------- the language


def test_the_language_switcher_reaches_the_mongolian_pages_and_back(client: Client) -> None:
    chinese = Page(html(client, f"/providers/?county={KUNDULUN}"))
    to_mongolian = next(link for link in chinese.language_links() if link["hreflang"] == "mn-Mong")

    assert to_mongolian["_text"].strip() == "ᠮᠣᠩᠭᠣᠯ"  # the language's own name, in its script
    assert to_mongolian["href"] == f"/mn/providers/?county={KUNDULUN}"
    mongolian = Page(html(client, to_mongolian["href"]))
    assert mongolian.html_lang == "mn-Mong"
    back = {link["hreflang"]: link for link in mongolian.language_links()}
    assert set(back) == {"zh-hans", "en"}
    assert back["zh-hans"]["_text"].strip() == "中文" and back["en"]["_text"].strip() == "English"
    assert back["zh-hans"]["href"] == f"/providers/?county={KUNDULUN}"
    assert back["en"]["href"] == f"/en/providers/?county={KUNDULUN}"
    assert Page(html(client, back["zh-hans"]["href"])).html_lang == "zh-hans"
    assert Page(html(client, back["en"]["href"])).html_lang == "en"


def test_mongolian_pages_say_their_script_and_load_its_font(client: Client) -> None:
    response = client.get("/mn/providers/")
    body = response.content.decode()

    assert '<html lang="mn-Mong" class="mong">' in body
    assert response["Content-Language"] == "mn"
    assert '<link rel="alternate" hreflang="mn-Mong" href="/mn/providers/">' in html(client, "/providers/")
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', body)
    assert sheets == ["/static/css/public.css", "/static/css/public-mn.css"]
    assert "public-mn.css" not in html(client, "/providers/")  # the other pages do without
    css = finders.find("css/public-mn.css")
    assert css and "writing-mode: vertical-lr" in Path(css).read_text(encoding="utf-8")
    assert finders.find("vendor/noto-sans-mongolian/noto-sans-mongolian-mongolian-400-normal.woff2")
    assert finders.find("vendor/noto-sans-mongolian/OFL.txt")


def test_the_back_office_and_the_portal_under_mn_are_the_chinese_pages(client: Client) -> None:
    response = client.get("/mn/admin/registry/provider/?q=1")
    assert response.status_code == 302
    assert response["Location"] == "/admin/registry/provider/?q=1"
    response = client.get("/mn/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert "Disallow: /mn/admin/" in html(client, "/robots.txt").splitlines()


# --------------------------------------------------------------------------- what the pages say


def test_the_list_in_mongolian_labels_names_and_division_names(client: Client) -> None:
    body = html(client, f"/mn/providers/?county={KUNDULUN}")
    page = Page(body)
    home = Provider.objects.get(name=HOME)
    baotou, kundulun = DIVISION_NAMES[BAOTOU][1], DIVISION_NAMES[KUNDULUN][1]

    assert MONGOLIAN.search(mn("Certified providers"))
    assert f"<h1>{mn('Certified providers')}</h1>" in body
    # The home's Mongolian name is the card's heading, its Chinese name beside it.
    card = re.search(rf'<h2><a href="/mn/providers/{home.uscc}/">([^<]*)</a></h2>\s*<p[^>]*>([^<]*)</p>', body)
    assert card is not None and card.groups() == (home.name_mn, home.name)
    # Division names from the glossary, in Mongolian: the cards and the filter's choices.
    assert text_of(f"{baotou} {kundulun}") in text_of(body)
    assert re.search(rf'<option value="{KUNDULUN}" selected>{kundulun}</option>', body)
    assert f'<optgroup label="{baotou}">' in body
    # Every label of the form is Mongolian, none Chinese.
    assert page.labels
    for label in page.labels:
        assert MONGOLIAN.search(label["_text"]) and not CJK.search(label["_text"]), label


def test_the_provider_page_in_mongolian(client: Client) -> None:
    home = Provider.objects.get(name=HOME)
    body = html(client, f"/mn/providers/{home.uscc}/")
    kundulun = DIVISION_NAMES[KUNDULUN][1]

    assert f"<title>{home.name_mn} · " in body
    assert f"<h1>{home.name_mn}</h1>" in body
    assert f'<p class="other-name" lang="zh-hans">{home.name}</p>' in body
    with translation.override("mn"):
        kind = str(ProviderKind(home.kind).label)
    assert MONGOLIAN.search(kind) and text_of(f"{kind} · {DIVISION_NAMES[BAOTOU][1]} {kundulun}") in text_of(body)
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", body)
    assert mn("Basic information") in headings and mn("Fees") in headings
    assert all(MONGOLIAN.search(h) and not CJK.search(h) for h in headings), headings
    # The code stays a code, in a span of its own that the style keeps horizontal.
    assert f'<span class="code">{home.uscc}</span>' in body


def test_the_chinese_and_english_provider_pages_show_the_mongolian_name_beside_the_chinese(client: Client) -> None:
    home = Provider.objects.get(name=HOME)
    for prefix in ("", "/en"):
        body = html(client, f"{prefix}/providers/{home.uscc}/")
        assert f"<h1>{home.name}</h1>" in body
        assert f'<p class="other-name mong-word" lang="mn-Mong">{home.name_mn}</p>' in body
    other = Provider.objects.filter(status=ProviderStatus.CERTIFIED, name_mn="").first()
    assert other is not None and "other-name" not in html(client, f"/providers/{other.uscc}/")


@pytest.mark.usefixtures("activity")
def test_no_cyrillic_on_any_public_page_in_mongolian(client: Client) -> None:
    """Django's catalogue for "mn" is Cyrillic; ours carries every message a public page
    can show, Django's own (form errors, yes/no) included, so none comes from Django's."""
    nursery = Provider.objects.get(name=NURSERY)
    hidden = Provider.objects.filter(status=ProviderStatus.DRAFT).first()  # never filed: no page
    assert hidden is not None
    pages = [
        "/mn/",
        "/mn/providers/",
        "/mn/providers/?size=100",
        # Every filter wrong: each error message is shown next to its field.
        "/mn/providers/?min_grade=9&kind=x&county=1&fee_min=abc&fee_max=1e30&fee_min=1.234&age_band=x",
        f"/mn/providers/{Provider.objects.get(name=HOME).uscc}/",
        f"/mn/providers/{nursery.uscc}/",
        # A status page: the notice, its date and reason category, in Mongolian.
        f"/mn/providers/{Provider.objects.filter(status=ProviderStatus.SUSPENDED).first().uscc}/",
        "/mn/api/",
        "/mn/inspections/",
        "/mn/subsidies/",
        "/mn/subsidies/?year=2026",
    ]
    for url in pages:
        body = html(client, url)
        assert not CYRILLIC.search(body), (url, CYRILLIC.findall(body)[:10])
        assert MONGOLIAN.search(text_of(body.split("<main", 1)[1])), url
    for url in (f"/mn/providers/{hidden.uscc}/", "/mn/no-such-page/"):
        body = html(client, url, status=404)
        assert not CYRILLIC.search(body) and mn("Page not found") in body, url
    errors = client.get("/mn/api/providers/?modified_after=yesterday&fee_min=x")
    assert errors.status_code == 400
    messages = json.dumps(errors.json(), ensure_ascii=False)
    assert not CYRILLIC.search(messages) and mn("Enter a number.") in messages
    table = file_bytes(client.get("/mn/providers-table.csv")).decode("utf-8-sig")
    assert not CYRILLIC.search(table) and MONGOLIAN.search(table)
    assert mn("yes,no,maybe").split(",")[0] in table  # 是/否 columns, as words


def test_the_readable_open_data_in_mongolian(client: Client) -> None:
    table = file_bytes(client.get(f"/mn/providers-table.csv?county={KUNDULUN}")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    header = rows[0]

    with translation.override("mn"):
        assert header == open_data_header()
    assert all(MONGOLIAN.search(name) and not CJK.search(name) for name in header), header
    home = next(row for row in rows[1:] if row[0] == Provider.objects.get(name=HOME).uscc)
    assert home[header.index(mn("league/city"))] == DIVISION_NAMES[BAOTOU][1]
    assert home[header.index(mn("banner/county/district"))] == DIVISION_NAMES[KUNDULUN][1]


@pytest.mark.parametrize(
    "choices",
    [
        ProviderKind,
        LegalForm,
        OperationMode,
        ProviderStatus,
        FilingAuthority,
        FeeItem.Kind,
        FeeItem.Unit,
        AgeBand,
        CareMode,
        DemonstrationLevel,
        ChildcareSetting,
        VacancyBasis,
        Inspection.Outcome,
        Finding.Category,
        Finding.Severity,
        Finding.Status,
    ],
)
def test_every_public_choice_has_a_mongolian_label(choices: Any) -> None:
    with translation.override("mn"):
        labels = [str(label) for label in choices.labels]
    assert all(MONGOLIAN.search(label) and not CJK.search(label) for label in labels), labels


# --------------------------------------------------------------------------- the glossary on the pages


def test_english_pages_show_the_division_names_in_english(client: Client) -> None:
    home = Provider.objects.get(name=HOME)
    body = html(client, f"/en/providers/?county={KUNDULUN}")

    assert "Baotou Kundulun District" in text_of(body)
    assert f'<option value="{KUNDULUN}" selected>Kundulun District</option>' in body
    assert '<optgroup label="Baotou">' in body
    assert "昆都仑区 ·" not in body and "包头市 昆都仑区" not in body
    assert "Baotou Kundulun District" in text_of(html(client, f"/en/providers/{home.uscc}/"))
    table = list(csv.DictReader(io.StringIO(file_bytes(client.get("/en/providers-table.csv")).decode("utf-8-sig"))))
    row = next(r for r in table if r["unified social credit code"] == home.uscc)
    assert (row["league/city"], row["banner/county/district"]) == ("Baotou", "Kundulun District")


def test_the_machine_readable_files_keep_the_chinese_names(client: Client) -> None:
    home = Provider.objects.get(name=HOME)
    for prefix in ("/en", "/mn"):
        rows = list(csv.DictReader(io.StringIO(file_bytes(client.get(f"{prefix}/providers.csv")).decode("utf-8-sig"))))
        row = next(r for r in rows if r["uscc"] == home.uscc)
        assert (row["league_city"], row["county"]) == ("包头市", "昆都仑区")
        result = next(r for r in client.get(f"{prefix}/api/providers/?county={KUNDULUN}").json()["results"])
        assert result["county"] == "昆都仑区"


def test_a_name_the_glossary_lacks_shows_in_chinese(client: Client) -> None:
    """The rare-earth zone (a local unit) has no Mongolian name in the glossary; a division
    whose names are emptied shows its Chinese name in both languages."""
    zone = Provider.objects.filter(status=ProviderStatus.CERTIFIED, division__code=RARE_EARTH_ZONE).first()
    assert zone is not None and DIVISION_NAMES[RARE_EARTH_ZONE][1] == ""
    assert "稀土高新区" in text_of(html(client, f"/mn/providers/{zone.uscc}/"))
    assert "Rare Earth High-Tech Zone" in text_of(html(client, f"/en/providers/{zone.uscc}/"))

    Division.objects.filter(code=KUNDULUN).update(name_mn="", name_en="")
    for prefix in ("/mn", "/en"):
        body = html(client, f"{prefix}/providers/?county={KUNDULUN}")
        assert f'<option value="{KUNDULUN}" selected>昆都仑区</option>' in body, prefix
        assert "昆都仑区" in text_of(body.split("<ol", 1)[1]), prefix


# --------------------------------------------------------------------------- the Mongolian name


def test_the_mongolian_name_is_open_data(client: Client) -> None:
    home = Provider.objects.get(name=HOME)
    rows = list(csv.DictReader(io.StringIO(file_bytes(client.get("/providers.csv")).decode("utf-8-sig"))))
    row = next(r for r in rows if r["uscc"] == home.uscc)
    assert row["name_mn"] == home.name_mn and MONGOLIAN.search(row["name_mn"])
    result = next(r for r in client.get("/api/providers/", {"q": home.name}).json()["results"])
    assert result["name_mn"] == home.name_mn


def test_a_keyword_in_mongolian_finds_the_mongolian_name(client: Client) -> None:
    home = Provider.objects.get(name=HOME)
    word = "ᠨᠠᠷᠠᠨ"  # "sun", of the home's own name (阳光)
    assert word in home.name_mn.split()
    body = html(client, f"/mn/providers/?q={word}")
    assert re.findall(r'<h2><a href="(/mn/providers/\w{18}/)">', body) == [f"/mn/providers/{home.uscc}/"]
