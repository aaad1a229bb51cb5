from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildcareConfig(AppConfig):
    name = "childcare"
    verbose_name = _("Infant care")

    def ready(self) -> None:
        # The children roster, our part of the workbench, how the public register counts
        # children enrolled (vacant places) and a block of the provider page, without the
        # registry importing us.
        from registry.occupancy import Enrolment, register_enrolment
        from registry.public_cache import register_public_models
        from registry.public_sections import DetailSection, register_detail_section
        from registry.rosters.kinds import register_kind
        from registry.workbench import register as register_work

        from . import work_items
        from .enrolment import enrolled_count, providers_with_child_changes
        from .models import Child
        from .public import provider_childcare_section
        from .rosters import CHILDREN

        register_kind(CHILDREN)
        register_work(items=work_items.ITEMS)
        register_enrolment(Enrolment(count=enrolled_count, changed=providers_with_child_changes))
        register_detail_section(
            DetailSection(template="childcare/provider_section.html", context=provider_childcare_section, order=5)
        )
        # Children enrolled are the vacant places of the public pages: a change bumps the
        # public cache's data version.
        register_public_models(Child)
