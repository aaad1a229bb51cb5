from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Provider portal")

    def ready(self) -> None:
        # The clerk's review items on the workbench and the submission kinds of the apps below.
        from registry.admin_links import ProviderLink, register_provider_link
        from registry.workbench import register as register_work
        from safeguards.key_rotation import register_rotation

        from . import kinds, work_items  # noqa: F401  (kinds register themselves)
        from .admin import invite_url
        from .personal import rotate_portal_personal_data

        register_work(items=work_items.ITEMS)
        register_rotation(rotate_portal_personal_data)  # sealed numbers and roster files
        register_provider_link(
            ProviderLink(label=_("Invite to the provider portal"), url=invite_url, permission="portal.add_invitation")
        )
