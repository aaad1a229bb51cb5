"""The public inspections page in sitemap.xml (registered in ``apps.py``)."""

from registry.sitemaps import PagesSitemap


class InspectionsSitemap(PagesSitemap):
    url_names = ("public_inspections",)
