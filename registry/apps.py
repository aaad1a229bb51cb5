from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Provider registry")

    def ready(self) -> None:
        from . import audit, security, sessions  # noqa: F401  (connect their signal handlers)
