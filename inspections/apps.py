from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        # Contribute a roster kind and our part of the public site (navigation, sitemap, a
        # block of the provider page) without the registry importing us.
        from registry.models import User
        from registry.public_cache import register_public_models
        from registry.public_sections import (
            DetailSection,
            NavLink,
            register_detail_section,
            register_nav_link,
            register_sitemap,
        )
        from registry.rosters.kinds import register_kind
        from registry.workbench import register as register_work

        from . import open_data, work_items
        from .models import Draw, Finding, Inspection, Regime
        from .public_names import PUBLIC_INSPECTOR_FIELDS
        from .rosters import INSPECTIONS
        from .sitemaps import InspectionsSitemap
        from .views import provider_inspections_section

        open_data.register()  # its key of the provider's open-data record
        register_kind(INSPECTIONS)
        register_work(items=work_items.ITEMS, panels=work_items.PANELS)  # the inspector's part of the workbench
        register_nav_link(NavLink(url_name="public_inspections", label=_("Inspections"), order=10))
        register_sitemap("inspections", InspectionsSitemap)
        register_detail_section(
            DetailSection(template="inspections/provider_section.html", context=provider_inspections_section, order=10)
        )
        # What our public pages read: a change bumps the public cache's data version. Of a
        # staff user, only what names an inspector of a published draw (``public_names``).
        register_public_models(Regime, Draw, Inspection, Finding)
        register_public_models(User, fields=PUBLIC_INSPECTOR_FIELDS)
