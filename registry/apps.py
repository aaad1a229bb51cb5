from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Provider registry")

    def ready(self) -> None:
        from safeguards.key_rotation import register_rotation

        from . import open_data_api, work_items, workbench
        from .admin_links import register_provider_link
        from .credit_admin import PROVIDER_LINKS
        from .models import (
            AnnualReport,
            Attendance,
            ChildcarePlaces,
            CreditDisclosure,
            CreditObjection,
            CreditRecord,
            Division,
            FeeItem,
            Provider,
            ProviderGrade,
            ProviderStatusChange,
            Resident,
            VacancyReport,
        )
        from .public_cache import bump_after_migrate, register_public_models
        from .rosters.uploads import rotate_roster_files
        from .staff import admin as staff_admin
        from .staff import otp_admin, separation  # noqa: F401  (signal handlers)

        otp_admin.register()  # after every app's admin module, so ours replace the packages' own
        staff_admin.register()
        # The district clerk's and the security admins' part of the workbench.
        workbench.register(items=work_items.ITEMS, panels=work_items.PANELS)
        # The registry's keys of a provider's open-data record (status history, fees, reports).
        open_data_api.register()
        for link in PROVIDER_LINKS:  # record a grade, publish a licence or penalty
            register_provider_link(link)
        # What the public pages and the open data read of the registry: a change to any of
        # these bumps the public cache's data version (registry/public_cache.py).
        register_public_models(
            Division,
            Provider,
            ProviderStatusChange,
            FeeItem,
            AnnualReport,
            ProviderGrade,
            CreditDisclosure,
            CreditObjection,
            CreditRecord,
            Resident,  # residents in care: the vacant beds
            ChildcarePlaces,
            Attendance,
            VacancyReport,
        )
        # A migration may rewrite rows with SQL: no page computed before it is served after.
        post_migrate.connect(bump_after_migrate, sender=self, dispatch_uid="public-cache-migrate")
        register_rotation(rotate_roster_files)  # stored roster files, encrypted a frame at a time
