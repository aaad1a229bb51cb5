"""The public subsidies page in sitemap.xml (registered in ``apps.py``)."""

from registry.sitemaps import PagesSitemap


class SubsidiesSitemap(PagesSitemap):
    url_names = ("public_subsidies",)
