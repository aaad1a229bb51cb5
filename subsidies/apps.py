from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self) -> None:
        # Our part of the public site (navigation, sitemap, a block of the provider page),
        # without the registry importing us.
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
        from .models import ConstructionGrant, GrantLine, GrantRun, PaymentItem, SubsidyScheme
        from .sitemaps import SubsidiesSitemap
        from .views import provider_subsidies_section

        open_data.register()  # its key of the provider's open-data record
        register_nav_link(NavLink(url_name="public_subsidies", label=_("Subsidies"), order=20))
        register_sitemap("subsidies", SubsidiesSitemap)
        register_detail_section(
            DetailSection(template="subsidies/provider_section.html", context=provider_subsidies_section, order=20)
        )
        # What our public pages read: a change bumps the public cache's data version.
        register_public_models(SubsidyScheme, GrantRun, GrantLine, PaymentItem, ConstructionGrant)
        # Our part of the back-office workbench: what waits for the clerk, reviewer and finance.
        register_work(items=work_items.ITEMS, panels=work_items.PANELS)
