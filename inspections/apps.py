from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        # Contribute a roster kind and a block of the public provider page without the
        # registry importing us.
        from registry.public import DetailSection, register_detail_section
        from registry.rosters.kinds import register_kind

        from .rosters import INSPECTIONS
        from .views import provider_inspections_section

        register_kind(INSPECTIONS)
        register_detail_section(
            DetailSection(template="public/_inspections_section.html", context=provider_inspections_section, order=10)
        )
