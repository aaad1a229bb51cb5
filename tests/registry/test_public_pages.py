"""Every public page in both languages: lang, labels, switcher, size, title, sitemap, robots,
and the inspections and subsidies disclosure pages (issue 5). The Mongolian pages have
their own module (test_mongolian_pages.py); here they are in the switcher and the sitemap."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from public_support import CJK, Page, pay, publish_draw, query_of, record_demo_inspection, today

from inspections.models import Draw, Inspection
from registry.models import Provider, ProviderStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]

MAX_PAGE_BYTES = 100 * 1024
HOME_PROVIDER = "东河区仁爱养老院"


def zh_pages() -> list[str]:
    """A URL of every kind of public HTML page, Chinese (unprefixed), with queries where they matter."""
    uscc = Provider.objects.get(name=HOME_PROVIDER).uscc
    inspection = Inspection.objects.filter(findings__isnull=False, provider__status=ProviderStatus.CERTIFIED).first()
    draw = Draw.objects.filter(status=Draw.Status.FROZEN).order_by("pk").first()
    assert inspection is not None and draw is not None
    return [
        "/",
        "/providers/",
        "/providers/?" + urlencode({"q": "养老", "county": "150203", "vacancies": "on", "size": 100}),
        "/providers/?size=100",
        f"/providers/{uscc}/",
        "/api/",
        "/inspections/",
        "/subsidies/",
        "/subsidies/?year=2026&scheme=BT-OPERATING",
        f"/inspections/{inspection.pk}/",
        f"/inspections/draws/{draw.pk}/",
    ]


def en(url: str) -> str:
    return "/en" + url


@pytest.fixture
def activity() -> None:
    """Something on the inspections and subsidies pages: a draw with results, payments."""
    draw = publish_draw()
    provider = Provider.objects.get(uscc=draw.results[0]["uscc"])
    inspection = record_demo_inspection(provider, on=today() - datetime.timedelta(days=2))
    Inspection.objects.filter(pk=inspection.pk).update(draw=draw)
    home = Provider.objects.get(name=HOME_PROVIDER)
    pay(home, period=datetime.date(2026, 10, 1), amount=Decimal("2000.00"))
    pay(home, period=datetime.date(2026, 9, 1), amount=Decimal("2000.00"))
    pay(home, period=datetime.date(2025, 12, 1), amount=Decimal("1800.00"))


def all_urls() -> list[str]:
    return [*zh_pages(), *map(en, zh_pages())]


# --------------------------------------------------------------------------- languages


@pytest.mark.usefixtures("activity")
def test_html_lang_is_right_on_every_page(client: Client) -> None:
    for url in all_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        expected = "en" if url.startswith("/en/") else "zh-hans"
        assert Page(response.content.decode()).html_lang == expected, url
        assert response["Content-Language"] == expected, url


def test_providers_page_lang_attribute(client: Client) -> None:
    assert '<html lang="zh-hans">' in client.get("/providers/").content.decode()
    assert '<html lang="en">' in client.get("/en/providers/").content.decode()


def test_english_labels_on_the_english_list(client: Client) -> None:
    page = Page(client.get("/en/providers/").content.decode())
    labels = {re.sub(r"[:\s]+$", "", label["_text"].strip()) for label in page.labels}

    assert {
        "Keyword",
        "League/City",
        "Banner/County/District",
        "Kind",
        "Legal form",
        "Operation mode",
        "Minimum grade",
        "Has nursing-type beds",
        "Has vacancies",
        "Has an in-house medical unit",
        "Monthly fee from (yuan)",
        "Monthly fee up to (yuan)",
        "Sort by",
        "Per page",
    } <= labels
    assert "Certified providers" in page.title or "Providers" in page.title


@pytest.mark.usefixtures("activity")
def test_every_label_is_chinese_on_chinese_pages_and_english_on_english_pages(client: Client) -> None:
    for url in all_urls():
        page = Page(client.get(url).content.decode())
        for label in page.labels:
            text = label["_text"].strip()
            if url.startswith("/en/"):
                assert not CJK.search(text), (url, text)
            else:
                assert CJK.search(text), (url, text)


@pytest.mark.usefixtures("activity")
def test_english_pages_have_no_untranslated_interface_text(client: Client) -> None:
    """Apart from data (names, addresses, division names), English pages are in English."""
    for url in ("/en/api/", "/en/inspections/", "/en/subsidies/"):
        html = client.get(url).content.decode()
        html = re.sub(r'<a href="/[^"]*" hreflang="zh-hans" lang="zh-hans">中文</a>', "", html)
        # A cell of data (a provider's name, linked, with its USCC or status badge: no Chinese in those)
        html = re.sub(
            r"<td>(<a [^>]*>)?[^<]*[\u4e00-\u9fff][^<]*(</a>)?(\s*<span[^>]*>[^<\u4e00-\u9fff]*</span>)*\s*</td>",
            "",
            html,
        )
        html = re.sub(r"<h2 id=\"draw-\d+\">[^<]*</h2>|<p class=\"muted\">[^<]*</p>", "", html)
        assert not CJK.search(html), (url, CJK.findall(html)[:20])


# Each language's prefix and the switcher's name for it, by hreflang (Mongolian in the
# traditional script: docs/mongolian.md).
SWITCHER = {"zh-hans": ("", "中文"), "en": ("/en", "English"), "mn-Mong": ("/mn", "ᠮᠣᠩᠭᠣᠯ")}


@pytest.mark.usefixtures("activity")
def test_language_switcher_on_every_page_points_to_the_same_page(client: Client) -> None:
    for url in [*all_urls(), *("/mn" + url for url in zh_pages())]:
        own = "en" if url.startswith("/en/") else "mn-Mong" if url.startswith("/mn/") else "zh-hans"
        bare = url[len(SWITCHER[own][0]) :]
        page = Page(client.get(url).content.decode())
        links = page.language_links()
        assert {link["hreflang"] for link in links} == set(SWITCHER) - {own}, url
        for link in links:
            prefix, name = SWITCHER[link["hreflang"]]
            target = prefix + bare
            assert link["_text"].strip() == name
            assert urlsplit(link["href"]).path == urlsplit(target).path, url
            assert query_of(link["href"]) == query_of(target), url
            assert client.get(link["href"]).status_code == 200


# --------------------------------------------------------------------------- quality


@pytest.mark.usefixtures("activity")
def test_every_form_control_has_a_label(client: Client) -> None:
    controls = 0
    for url in all_urls():
        page = Page(client.get(url).content.decode())
        assert page.unlabelled_controls() == [], url
        ids = [c["id"] for c in page.controls if c.get("id")]
        assert len(ids) == len(set(ids)), url  # a label's "for" names one control
        controls += len(page.controls)
    assert controls > 30


@pytest.mark.usefixtures("activity")
def test_title_and_meta_description_on_every_page(client: Client) -> None:
    titles = {}
    for url in all_urls():
        page = Page(client.get(url).content.decode())
        description = page.meta("description")
        assert page.title.strip(), url
        assert description and len(description.strip()) > 20, url
        assert page.meta("viewport") == "width=device-width, initial-scale=1", url
        titles[url] = page.title
    assert len({titles[u] for u in zh_pages() if "?" not in u}) == len([u for u in zh_pages() if "?" not in u])


@pytest.mark.usefixtures("activity")
def test_each_page_with_its_css_is_at_most_100_kb_and_needs_nothing_external(client: Client) -> None:
    css_path = finders.find("css/public.css")
    assert css_path
    css_bytes = len(open(css_path, "rb").read())  # noqa: SIM115
    for url in [*all_urls(), "/providers/?size=100&sort=-beds", "/en/providers/?size=100"]:
        html = client.get(url).content
        page = Page(html.decode())
        sheets = [a["href"] for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
        scripts = [a for t, a in page.tags if t == "script"]
        external = [
            a.get("href") or a.get("src")
            for t, a in page.tags
            if t in {"link", "script", "img", "iframe"}
            and re.match(r"(https?:)?//", a.get("href") or a.get("src") or "")
        ]
        assert sheets == ["/static/css/public.css"], url
        assert scripts == [] and external == [], url
        assert len(html) + css_bytes <= MAX_PAGE_BYTES, (url, len(html))


def test_forms_work_without_javascript(client: Client) -> None:
    for url in ("/", "/providers/", "/subsidies/"):
        html = client.get(url).content.decode()
        forms = re.findall(r"<form\b[^>]*>", html)
        assert forms, url
        for form in forms:
            assert 'method="get"' in form, (url, form)
        assert "onclick" not in html and "<script" not in html


def test_the_home_search_goes_to_the_list(client: Client) -> None:
    html = client.get("/").content.decode()

    assert 'action="/providers/"' in html and 'name="q"' in html
    assert re.search(r'<p class="muted">[^<]*(?<!\d)41(?!\d)', html)  # certified providers in the directory


def test_404_page_has_the_site_layout_language_and_switcher(client: Client) -> None:
    hidden = Provider.objects.filter(status=ProviderStatus.DRAFT).first()  # never filed: no page
    assert hidden is not None
    response = client.get(f"/providers/{hidden.uscc}/")
    page = Page(response.content.decode())

    assert response.status_code == 404
    assert page.html_lang == "zh-hans"
    assert page.language_links() and page.meta("description")


# --------------------------------------------------------------------------- sitemap, robots


def test_sitemap_lists_every_certified_provider_in_every_language(client: Client) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 — our own sitemap
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = {urlsplit(loc.text or "").path for loc in root.findall("s:url/s:loc", ns)}

    for provider in Provider.objects.filter(status=ProviderStatus.CERTIFIED):
        assert f"/providers/{provider.uscc}/" in locations
        assert f"/en/providers/{provider.uscc}/" in locations
        assert f"/mn/providers/{provider.uscc}/" in locations
    for provider in Provider.objects.exclude(status=ProviderStatus.CERTIFIED):
        assert f"/providers/{provider.uscc}/" not in locations
    pages = ("/", "/providers/", "/api/", "/inspections/", "/subsidies/", "/concerns/statistics/", "/concerns/lookup/")
    for page in pages:
        assert page in locations and en(page) in locations and f"/mn{page}" in locations
    assert not any("/admin/" in loc for loc in locations)
    assert len(locations) == 3 * (41 + len(pages))


def test_robots_txt_disallows_admin_and_names_the_sitemap(client: Client) -> None:
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /en/admin/" in lines
    assert "Disallow: /mn/admin/" in lines
    assert "Disallow: /" not in lines  # the directory itself may be indexed
    assert any(line.startswith("Sitemap: http") and line.endswith("/sitemap.xml") for line in lines)


# --------------------------------------------------------------------------- inspections, subsidies


@pytest.mark.usefixtures("without_demo_activity")
def test_inspections_page_without_draws(client: Client) -> None:
    assert "No draw has been published yet." in client.get("/en/inspections/").content.decode()


@pytest.mark.usefixtures("activity")
@pytest.mark.usefixtures("without_demo_activity")
def test_inspections_page_shows_the_draw_and_results(client: Client) -> None:
    inspection = Inspection.objects.get()
    draw = inspection.draw
    assert draw is not None
    html = client.get("/en/inspections/").content.decode()

    assert draw.name in html and draw.random_value in html
    for row in draw.results:
        assert row["uscc"] in html and row["name"] in html
    assert f"{inspection.inspected_on:%Y-%m-%d} Passed with findings to rectify" in html
    assert html.count("Not yet inspected") == len(draw.results) - 1


@pytest.mark.usefixtures("without_demo_activity")
def test_subsidies_page_without_payments(client: Client) -> None:
    assert "No subsidy has been paid yet." in client.get("/en/subsidies/").content.decode()


@pytest.mark.usefixtures("activity")
@pytest.mark.usefixtures("without_demo_activity")
def test_subsidies_page_discloses_paid_and_approved_subsidies_by_month_scheme_and_provider(client: Client) -> None:
    home = Provider.objects.get(name=HOME_PROVIDER)
    other = Provider.objects.get(name="九原区夕阳红养老中心")
    pay(other, period=datetime.date(2026, 10, 1), amount=Decimal("500.00"), state="pending")

    html = client.get("/en/subsidies/").content.decode()
    paid_part, approved_part = html.split("Approved, not yet paid", 1)
    paid = [re.sub(r"<[^>]+>", " ", r).split() for r in re.findall(r"<tr><td>(.*?)</tr>", paid_part, re.S)]
    approved = [re.sub(r"<[^>]+>", " ", r).split() for r in re.findall(r"<tr><td>(.*?)</tr>", approved_part, re.S)]

    assert [(r[0], r[-1]) for r in paid if home.name in r] == [
        ("2026-10", "2000.00"),
        ("2026-09", "2000.00"),
        ("2025-12", "1800.00"),
    ]
    assert other.name not in paid_part  # approved, not paid yet …
    assert [(r[0], r[-1]) for r in approved if other.name in r] == [("2026-10", "500.00")]  # … shown as such
    assert f'href="/en/providers/{home.uscc}/"' in html
    only_2025 = client.get("/en/subsidies/", {"year": "2025"}).content.decode()
    assert "1800.00" in only_2025 and "2000.00" not in only_2025
