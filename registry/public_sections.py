"""What other apps add to the public site: navigation links, sitemap entries, sections
of the provider page and keys of its open-data record.

Each app registers its own contributions from its ``AppConfig.ready``. The registry's base
template, sitemap and provider page iterate over what is registered and never name
another app's URL or template, so an app that is not installed simply adds nothing and
no page of the directory breaks (no ``NoReverseMatch``, no missing template).

The registry's own pages (home, providers, open data) are not registered: its templates
and sitemap name them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils.functional import Promise

from .models import Provider


@dataclass(frozen=True)
class NavLink:
    """A link of the public site's main navigation, between "Providers" and "Open data"."""

    url_name: str
    label: str | Promise  # gettext_lazy: translated when the page renders
    order: int = 100


@dataclass(frozen=True)
class DetailSection:
    """A block of the public provider page: ``template`` is rendered with ``section``, the
    dict that ``context(provider)`` returns."""

    template: str
    context: Callable[[Provider], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class ApiSection:
    """A key of the provider's open-data record (``/api/providers/<uscc>/``): ``build``
    returns its JSON value for a provider, which ``schema`` (JSON Schema) describes. The
    OpenAPI document is made from the schemas, and a test checks responses against them,
    so what is documented and what is served cannot drift apart."""

    name: str
    build: Callable[[Provider], Any]
    schema: dict[str, Any]
    order: int = 100


@dataclass
class PublicContributions:
    nav_links: list[NavLink] = field(default_factory=list)
    sitemaps: dict[str, type[Sitemap[Any]]] = field(default_factory=dict)
    detail_sections: list[DetailSection] = field(default_factory=list)
    api_sections: list[ApiSection] = field(default_factory=list)


# Filled by the apps' ready(); read on every request, so it holds nothing per request.
CONTRIBUTIONS = PublicContributions()


def register_nav_link(link: NavLink) -> None:
    if link not in CONTRIBUTIONS.nav_links:
        CONTRIBUTIONS.nav_links.append(link)
        CONTRIBUTIONS.nav_links.sort(key=lambda n: n.order)


def register_sitemap(name: str, sitemap: type[Sitemap[Any]]) -> None:
    """A section of sitemap.xml; ``name`` must be unique across apps."""
    CONTRIBUTIONS.sitemaps[name] = sitemap


def register_detail_section(section: DetailSection) -> None:
    if section not in CONTRIBUTIONS.detail_sections:
        CONTRIBUTIONS.detail_sections.append(section)
        CONTRIBUTIONS.detail_sections.sort(key=lambda s: s.order)


def register_api_section(section: ApiSection) -> None:
    """A key of the provider record; ``name`` must be unique across apps."""
    CONTRIBUTIONS.api_sections = [other for other in CONTRIBUTIONS.api_sections if other.name != section.name]
    CONTRIBUTIONS.api_sections.append(section)
    CONTRIBUTIONS.api_sections.sort(key=lambda s: (s.order, s.name))


def api_sections() -> list[ApiSection]:
    return list(CONTRIBUTIONS.api_sections)


def nav_links() -> list[tuple[str, str | Promise]]:
    """(URL in the active language, label) of every registered link, in order."""
    return [(reverse(link.url_name), link.label) for link in CONTRIBUTIONS.nav_links]


def contributed_sitemaps() -> dict[str, type[Sitemap[Any]]]:
    return dict(CONTRIBUTIONS.sitemaps)


def detail_sections(provider: Provider) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every registered block of ``provider``'s page, in order."""
    return [(section.template, section.context(provider)) for section in CONTRIBUTIONS.detail_sections]
