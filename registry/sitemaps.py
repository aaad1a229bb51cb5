"""sitemap.xml: the public pages in both languages."""

from __future__ import annotations

from typing import Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Provider, ProviderStatus


class StaticSitemap(Sitemap):
    i18n = True
    alternates = True
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["home", "provider_list", "api_docs", "public_inspections", "public_subsidies"]

    def location(self, item: Any) -> str:
        return reverse(item)


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
