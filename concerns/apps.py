from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "concerns"
    verbose_name = _("Concerns and complaints")

    def ready(self) -> None:
        # A block of the provider page, a navigation link and sitemap entries for the public
        # pages, and the clerk's part of the workbench, without the registry importing us.
        from registry.public_cache import register_public_models
        from registry.public_sections import (
            DetailSection,
            NavLink,
            register_detail_section,
            register_nav_link,
            register_sitemap,
        )
        from registry.workbench import register as register_work

        from . import open_data, work_items
        from .models import Concern
        from .public import provider_concerns_section
        from .sitemaps import ConcernsSitemap

        register_work(items=work_items.ITEMS)
        open_data.register()  # its key of the provider's open-data record
        register_nav_link(NavLink(url_name="concern_statistics", label=_("Concerns"), order=30))
        register_sitemap("concerns", ConcernsSitemap)
        register_detail_section(
            DetailSection(template="concerns/provider_section.html", context=provider_concerns_section, order=30)
        )
        # Concerns are counted on the public pages: a change bumps the public cache's data version.
        register_public_models(Concern)
