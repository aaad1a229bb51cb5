from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardsConfig(AppConfig):
    """The platform under the three business apps: sign-in and two-factor, password and
    session policy, lockout and rate limits, the audit trail, personal-data encryption,
    deferred tasks and backups. It imports none of the business apps."""

    name = "safeguards"
    verbose_name = _("Security and records")

    def ready(self) -> None:
        from . import audit, db_privileges, otp, security, sessions, shared_state  # noqa: F401  (signal handlers, checks)
