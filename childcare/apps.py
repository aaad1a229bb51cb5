from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildcareConfig(AppConfig):
    name = "childcare"
    verbose_name = _("Infant care")

    def ready(self) -> None:
        # The children roster and our part of the workbench, without the registry importing us.
        from registry.rosters.kinds import register_kind
        from registry.workbench import register as register_work

        from . import work_items
        from .rosters import CHILDREN

        register_kind(CHILDREN)
        register_work(items=work_items.ITEMS)
