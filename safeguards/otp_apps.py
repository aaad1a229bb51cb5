"""django-otp's TOTP app (label ``otp_totp``) under names staff can read in Chinese."""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig


class TwoFactorConfig(DefaultConfig):
    verbose_name = _("Two-factor login")

    def ready(self) -> None:
        super().ready()
        # Display names only: migrations read Meta's original options, which stay as they are.
        device = self.get_model("TOTPDevice")
        device._meta.verbose_name = _("authenticator app")
        device._meta.verbose_name_plural = _("authenticator apps")
