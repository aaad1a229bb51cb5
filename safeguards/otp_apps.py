"""django-otp's TOTP and static-token apps (labels ``otp_totp``, ``otp_static``) under names
staff can read in Chinese."""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig


class TwoFactorConfig(DefaultConfig):
    verbose_name = _("Two-factor login")

    def ready(self) -> None:
        super().ready()
        # Display names only: migrations read Meta's original options, which stay as they are.
        device = self.get_model("TOTPDevice")
        device._meta.verbose_name = _("authenticator app")
        device._meta.verbose_name_plural = _("authenticator apps")


class BackupCodesConfig(StaticDefaultConfig):
    """The one-time backup codes (``safeguards.backup_codes``): a static device per user
    whose tokens are keyed hashes of the codes, never the codes."""

    verbose_name = _("Two-factor backup codes")

    def ready(self) -> None:
        super().ready()
        device = self.get_model("StaticDevice")
        device._meta.verbose_name = _("backup codes")
        device._meta.verbose_name_plural = _("backup codes")
        token = self.get_model("StaticToken")
        token._meta.verbose_name = _("backup code")
        token._meta.verbose_name_plural = _("backup codes")
