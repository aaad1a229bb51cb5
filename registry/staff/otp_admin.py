"""The security admin's tools for sign-in problems: two-factor devices and login lockouts.

Replaces the admins that django-otp and django-axes register, once every app's admin
module is loaded (``RegistryConfig.ready``):

- TOTP devices: listed and viewed (scoped to the users of the viewer's jurisdiction),
  never added or edited here, and never with the secret key or QR code. Deleting a
  device resets its owner's two-factor login: their backup codes go with it
  (``otp.backup_codes_remove``), and they enrol again at the next sign-in.
- Backup codes (django-otp's static devices) have no admin: django-otp's would list the
  stored tokens and let anyone with the permission add one. Their owner sees how many are
  left and makes a new set; the reset above removes them.
- Login attempts (django-axes): an "unlock" action deletes the failed attempts, which
  lifts the lockout. Both are audited (``otp.reset``, ``lockout.unlock``).

The 安全管理员 role gets these permissions from migration registry 0011.
"""

from __future__ import annotations

import datetime
from typing import Any

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OTPTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguards.audit import audit_record
from safeguards.backup_codes import remove_backup_codes

from ..admin_base import staff_user
from ..scoping import scope_queryset
from .security_checks import attempts_with_failures, locked_out


class TOTPDeviceAdmin(OTPTOTPDeviceAdmin):
    # django-otp's field names are not translatable: these columns are labelled here.
    list_display = ["owner", "is_confirmed", "set_up_at", "last_used", "wrong_codes"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    fieldsets = [(None, {"fields": ["owner", "is_confirmed", "set_up_at", "last_used", "wrong_codes", "last_wrong"]})]
    readonly_fields = ["owner", "is_confirmed", "set_up_at", "last_used", "wrong_codes", "last_wrong"]
    search_help_text = _("Search by user name")

    @admin.display(description=_("staff member"), ordering="user__username")
    def owner(self, obj: TOTPDevice) -> str:
        return obj.user.get_username()

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed")
    def is_confirmed(self, obj: TOTPDevice) -> bool:
        return bool(obj.confirmed)

    @admin.display(description=_("set up at"), ordering="created_at")
    def set_up_at(self, obj: TOTPDevice) -> Any:
        return obj.created_at or "—"

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, obj: TOTPDevice) -> Any:
        return obj.last_used_at or "—"  # never "None" on the page

    @admin.display(description=_("wrong codes in a row"), ordering="throttling_failure_count")
    def wrong_codes(self, obj: TOTPDevice) -> int:
        return int(obj.throttling_failure_count)

    @admin.display(description=_("last wrong code at"))
    def last_wrong(self, obj: TOTPDevice) -> Any:
        return obj.throttling_failure_timestamp or "—"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fieldsets  # never the key, whatever OTP_ADMIN_HIDE_SENSITIVE_DATA says

    def get_list_display(self, request: HttpRequest) -> Any:
        return self.list_display  # no QR code link

    def get_urls(self) -> Any:
        # Drop django-otp's QR code and configuration views: they show the secret.
        return admin.ModelAdmin.get_urls(self)

    def get_queryset(self, request: HttpRequest) -> QuerySet[TOTPDevice]:
        queryset = super().get_queryset(request)
        return scope_queryset(queryset, staff_user(request), "user__jurisdiction__path")

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such record in your jurisdiction."))
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # staff enrol their own device; nobody else ever sees the secret

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        _audit_reset(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TOTPDevice]) -> None:
        for device in queryset.select_related("user"):
            _audit_reset(device)
        super().delete_queryset(request, queryset)


def _audit_reset(device: TOTPDevice) -> None:
    """On the account (the target), with the device before and none after; the owner's
    backup codes are removed with it (audited on their own)."""
    audit_record(
        "otp.reset",
        obj=device.user,
        before={"device": device.name, "confirmed": bool(device.confirmed)},
        after={"device": None},
        detail=f"device {device.pk} of {device.user.get_username()} deleted",
    )
    remove_backup_codes(user=device.user)


class LockedOutFilter(admin.SimpleListFilter):
    """Locked out by user name or by address (axes' own filter looks at one row only)."""

    title = _("locked out")
    parameter_name = "locked_out"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(locked_out())
        if self.value() == "no":
            return queryset.exclude(locked_out())
        return queryset


class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed logins; a user name or an address is locked out when its failures, summed
    over every row of the cool-off period, reach AXES_FAILURE_LIMIT (AXES_LOCKOUT_PARAMETERS
    counts user names and addresses separately)."""

    actions = ["unlock", "cleanup_expired_attempts"]
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "lockout", "user_agent"]
    list_filter = ["attempt_time", LockedOutFilter]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessAttempt]:
        cool_off = get_cool_off(request) or datetime.timedelta(days=36500)
        since = timezone.now() - cool_off
        return attempts_with_failures(super().get_queryset(request), since)

    @admin.display(description=_("lockout"))
    def lockout(self, obj: Any) -> str:
        limit = settings.AXES_FAILURE_LIMIT
        locked = [
            label
            for label, failures in ((_("user name"), obj.user_failures), (_("IP address"), obj.ip_failures))
            if (failures or 0) >= limit
        ]
        if locked:
            return _("Locked out by %(what)s") % {"what": ", ".join(str(w) for w in locked)}
        return ""

    @admin.action(description=_("Unlock: forget these failed logins"), permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = len(queryset)
        self.delete_queryset(request, queryset)
        self.message_user(
            request,
            ngettext("%(count)d login attempt forgotten.", "%(count)d login attempts forgotten.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        _audit_unlock(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        for attempt in queryset:
            _audit_unlock(attempt)
        super().delete_queryset(request, queryset)


def _audit_unlock(attempt: AccessAttempt) -> None:
    audit_record(
        "lockout.unlock",
        obj=attempt,
        detail=f"username={attempt.username} ip={attempt.ip_address} failures={attempt.failures_since_start}",
    )


def register(site: admin.AdminSite = admin.site) -> None:
    """Put ours in place of the admins the two packages registered."""
    if site.is_registered(StaticDevice):
        site.unregister(StaticDevice)
    if site.is_registered(TOTPDevice):
        site.unregister(TOTPDevice)
    site.register(TOTPDevice, TOTPDeviceAdmin)
    if site.is_registered(AccessAttempt):  # unless AXES_ENABLE_ADMIN is off
        site.unregister(AccessAttempt)
        site.register(AccessAttempt, AccessAttemptAdmin)
