"""Security rules that are not about data: separation of the three admin roles and the
back-office's response headers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from . import roles
from .models import User


def check_separated_roles(group_names: Iterable[str]) -> None:
    """三员分立: nobody holds two of system admin, security admin and audit admin."""
    held = sorted(set(group_names) & set(roles.SEPARATED_ADMIN_ROLES))
    if len(held) > 1:
        raise ValidationError(
            _("One person may not be %(roles)s at the same time.") % {"roles": " + ".join(held)},
            code="separated_roles",
        )


@receiver(m2m_changed, sender=User.groups.through)
def _refuse_combined_admin_roles(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    """The same rule at the data layer, whatever path adds the group (shell, scripts, admin)."""
    if action != "pre_add" or not pk_set:
        return
    if isinstance(instance, User):
        current = set(instance.groups.values_list("name", flat=True))
        added = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        check_separated_roles(current | added)
    else:  # users added to a group from the group's side
        group_name = instance.name
        for user in User.objects.filter(pk__in=pk_set).prefetch_related("groups"):
            check_separated_roles({g.name for g in user.groups.all()} | {group_name})


class BackOfficeNoStoreMiddleware:
    """Back-office pages hold personal data: browsers and proxies must not keep them."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        if request.path.startswith(("/admin/", "/en/admin/")):
            response["Cache-Control"] = "no-store"
        return response
