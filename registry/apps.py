from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Provider registry")

    def ready(self) -> None:
        from . import audit, otp, otp_admin, security, sessions  # noqa: F401  (signal handlers, checks)

        otp_admin.register()  # after every app's admin module, so ours replace the packages' own
