"""sitemap.xml: the public pages in both languages.

The registry's own pages and providers are listed here; other apps add their sections
through ``public_sections.register_sitemap`` (see ``public_sitemaps``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Provider, ProviderStatus
from .public_sections import contributed_sitemaps


class PagesSitemap(Sitemap):
    """Pages with no object of their own, by URL name. Subclasses set ``url_names``."""

    i18n = True
    alternates = True
    changefreq = "daily"
    url_names: tuple[str, ...] = ()

    def items(self) -> list[str]:
        return list(self.url_names)

    def location(self, item: Any) -> str:
        return reverse(item)


class StaticSitemap(PagesSitemap):
    url_names = ("home", "provider_list", "api_docs")


class ProviderSitemap(Sitemap):
    i18n = True
    alternates = True
    changefreq = "weekly"

    def items(self) -> QuerySet[Provider]:
        return Provider.objects.filter(status=ProviderStatus.CERTIFIED).order_by("uscc").only("uscc", "updated_at")

    def location(self, item: Provider) -> str:
        return reverse("provider_detail", args=[item.uscc])

    def lastmod(self, item: Provider) -> Any:
        return item.updated_at


def public_sitemaps() -> dict[str, Any]:
    """Every section of sitemap.xml: the registry's, then what the installed apps registered."""
    return {"pages": StaticSitemap, "providers": ProviderSitemap, **contributed_sitemaps()}
