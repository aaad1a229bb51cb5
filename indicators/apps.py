from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Plan indicators")

    def ready(self) -> None:
        # The dashboard is linked from every staff user's workbench, without the registry
        # naming our URL.
        from registry.workbench import WorkLink, register_link

        register_link(WorkLink(url_name="indicators:dashboard", label=_("Plan indicators"), order=10))
