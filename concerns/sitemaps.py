"""The concerns pages without an object of their own in sitemap.xml (registered in ``apps.py``);
the form of each provider is reached from the provider's page."""

from registry.sitemaps import PagesSitemap


class ConcernsSitemap(PagesSitemap):
    url_names = ("concern_statistics", "concern_lookup")
