from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Provider registry")

    def ready(self) -> None:
        from . import account_admin, audit, db_privileges, otp, otp_admin, security, separation, sessions  # noqa: F401  (signal handlers, checks)

        otp_admin.register()  # after every app's admin module, so ours replace the packages' own
        account_admin.register()
