from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        # Contribute a block to the public provider page without the registry importing us.
        from registry.public import DetailSection, register_detail_section

        from .views import provider_inspections_section

        register_detail_section(
            DetailSection(template="public/_inspections_section.html", context=provider_inspections_section, order=10)
        )
