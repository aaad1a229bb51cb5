"""The care apps add their own navigation links, sitemap sections and provider-page blocks
(``registry/public_sections.py``): with them the site is whole, and without them (no URL,
nothing registered, as if the apps were not installed) every registry page still renders.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.test import Client
from django.urls import URLPattern, URLResolver, include, path
from django.utils import translation
from public_support import Page

from registry import public_sections
from registry import views as registry_views
from registry.models import Provider, ProviderStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]

HOME_PROVIDER = "东河区仁爱养老院"
CERTIFIED_IN_DEMO = 41

# The site as the registry alone serves it (ROOT_URLCONF in ``registry_alone``).
urlpatterns: list[URLPattern | URLResolver] = [
    path("sitemap.xml", registry_views.sitemap_xml, name="django.contrib.sitemaps.views.sitemap"),
    *i18n_patterns(path("", include("registry.urls")), prefix_default_language=False),
]


@pytest.fixture
def registry_alone(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No URL of the subsidies, inspections and concerns apps and none of their contributions."""
    settings.ROOT_URLCONF = __name__
    monkeypatch.setattr(public_sections, "CONTRIBUTIONS", public_sections.PublicContributions())


def registry_pages() -> list[str]:
    uscc = Provider.objects.get(name=HOME_PROVIDER).uscc
    zh = ["/", "/providers/", "/providers/?q=养老&vacancies=on", f"/providers/{uscc}/", "/api/"]
    return [*zh, *("/en" + url for url in zh)]


def main_navigation(html: str) -> list[tuple[str, str]]:
    """(href, text) of the header's navigation links, the language switch left out."""
    return [
        (link["href"], link["_text"].strip())
        for link in Page(html).links
        if link["_in_header"] and not link.get("hreflang") and link.get("class") != "brand"
    ]


def section_ids(html: str) -> list[str]:
    return re.findall(r'<h2 id="([a-z-]+)">', html)


def sitemap_paths(client: Client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 — our own sitemap
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [urlsplit(loc.text or "").path for loc in root.findall("s:url/s:loc", ns)]


# --------------------------------------------------------------------------- with the apps


def test_the_apps_links_sit_between_providers_and_open_data_in_both_languages(client: Client) -> None:
    assert main_navigation(client.get("/").content.decode()) == [
        ("/providers/", "机构名录"),
        ("/inspections/", "安全检查"),
        ("/subsidies/", "补贴"),
        ("/concerns/statistics/", translation.gettext("Concerns")),
        ("/api/", "开放数据"),
    ]
    assert main_navigation(client.get("/en/providers/").content.decode()) == [
        ("/en/providers/", "Providers"),
        ("/en/inspections/", "Inspections"),
        ("/en/subsidies/", "Subsidies"),
        ("/en/concerns/statistics/", "Concerns"),
        ("/en/api/", "Open data"),
    ]


def test_the_provider_page_shows_the_apps_sections_after_its_own(client: Client) -> None:
    uscc = Provider.objects.get(name=HOME_PROVIDER).uscc
    html = client.get(f"/en/providers/{uscc}/").content.decode()
    assert section_ids(html) == [
        "basic",
        "capacity",
        "services",
        "fees",
        "grades",
        "credit",
        "reports",
        "inspections",
        "subsidies",
        "concerns",
    ]


def test_the_sitemap_lists_the_apps_pages_in_both_languages(client: Client) -> None:
    paths = sitemap_paths(client)
    for page in ("/inspections/", "/subsidies/", "/concerns/statistics/", "/concerns/lookup/"):
        assert paths.count(page) == 1 and paths.count("/en" + page) == 1


# --------------------------------------------------------------------------- registry alone


@pytest.mark.usefixtures("registry_alone")
def test_every_registry_page_renders_without_the_apps(client: Client) -> None:
    for url in registry_pages():
        response = client.get(url)
        assert response.status_code == 200, url
        prefix = "/en" if url.startswith("/en/") else ""
        assert [href for href, _ in main_navigation(response.content.decode())] == [
            f"{prefix}/providers/",
            f"{prefix}/api/",
        ], url


@pytest.mark.usefixtures("registry_alone")
def test_without_the_apps_their_pages_are_not_found_and_the_404_page_renders(client: Client) -> None:
    for url, prefix in (("/inspections/", ""), ("/en/subsidies/", "/en"), ("/concerns/lookup/", "")):
        response = client.get(url)
        assert response.status_code == 404, url
        assert [href for href, _ in main_navigation(response.content.decode())] == [
            f"{prefix}/providers/",
            f"{prefix}/api/",
        ], url


@pytest.mark.usefixtures("registry_alone")
def test_without_the_apps_the_provider_page_has_only_its_own_sections(client: Client) -> None:
    uscc = Provider.objects.get(name=HOME_PROVIDER).uscc
    html = client.get(f"/providers/{uscc}/").content.decode()
    assert section_ids(html) == ["basic", "capacity", "services", "fees", "grades", "credit", "reports"]


@pytest.mark.usefixtures("registry_alone")
def test_without_the_apps_the_sitemap_lists_the_registry_pages_and_providers_only(client: Client) -> None:
    paths = set(sitemap_paths(client))
    assert {"/", "/providers/", "/api/", "/en/", "/en/providers/", "/en/api/"} <= paths
    for provider in Provider.objects.filter(status=ProviderStatus.CERTIFIED):
        assert f"/providers/{provider.uscc}/" in paths
    assert len(paths) == 3 * (3 + CERTIFIED_IN_DEMO)  # Chinese, English and Mongolian
