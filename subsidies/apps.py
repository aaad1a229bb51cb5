from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self) -> None:
        # Contribute a block to the public provider page without the registry importing us.
        from registry.public import DetailSection, register_detail_section

        from .views import provider_subsidies_section

        register_detail_section(
            DetailSection(template="public/_subsidies_section.html", context=provider_subsidies_section, order=20)
        )
