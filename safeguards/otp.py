"""Two-factor login for staff: a TOTP code from an authenticator app (django-otp).

With ``STAFF_OTP_REQUIRED`` (on in production settings), ``StaffOTPRequiredMiddleware``
sends a signed-in user who has not proved the second factor in this session from every
back-office URL to the verify page, or to the enrolment page if they have no confirmed
device yet. Only the admin's login and logout and these two pages are exempt.

- **Enrolment** creates an unconfirmed ``TOTPDevice``, shows its ``otpauth://`` URL as a
  QR code (inline SVG drawn on the server by segno) and its secret as text, and confirms
  the device when the user types a valid code. A user with a confirmed device cannot
  enrol another one: a lost phone is reset by the security admin (who deletes the
  device), and the user enrols again at the next login.
- **Verification** checks the code against the user's confirmed device. django-otp
  throttles wrong codes (after n failures the next attempt waits 2^(n-1) seconds,
  ``OTP_TOTP_THROTTLE_FACTOR``) and refuses a code that was already used.
- **Backup codes** (``safeguards.backup_codes``): ten one-time codes are made when the
  device is confirmed and shown once, on the page that answers the confirming code. The
  verify page takes one instead of the app's code ("Use a backup code"), under the same
  lock and throttle: a wrong backup code counts as a wrong app code. The backup-codes page
  (``otp_backup_codes``) says how many are left and makes a new set, shown once, for a
  verified session.
- Every success, failure and throttled attempt is in the audit log (``otp.enrol``,
  ``otp.verify``, ``otp.failure``, ``otp.backup_code_use``…).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core import checks
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, path, resolve, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import backup_codes
from .audit import audit_record

BACK_OFFICE_PREFIXES = ("/admin/", "/en/admin/")
# URL names a signed-in but unverified user may still open.
EXEMPT_URL_NAMES = frozenset({"admin:login", "admin:logout", "otp_verify", "otp_enrol"})
DEVICE_NAME = "TOTP"


def otp_required() -> bool:
    return bool(getattr(settings, "STAFF_OTP_REQUIRED", False))


def is_verified(user: Any) -> bool:
    """True once the user proved the second factor in this session (fails closed)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def _exempt(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in EXEMPT_URL_NAMES


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


class StaffOTPRequiredMiddleware:
    """No back-office page for a signed-in user without a verified second factor.

    Sits after OTPMiddleware (which sets ``user.is_verified``) and before the password
    expiry middleware, whose redirects would otherwise come first.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            otp_required()
            and request.path.startswith(BACK_OFFICE_PREFIXES)
            and user is not None
            and user.is_authenticated
            and not is_verified(user)
            and not _exempt(request)
        ):
            target = "otp_verify" if confirmed_device(user) is not None else "otp_enrol"
            next_url = request.get_full_path() if request.method == "GET" else reverse("admin:index")
            return HttpResponseRedirect(_with_next(reverse(target), next_url))
        response: HttpResponse = self.get_response(request)
        return response


class _CodeInput(forms.TextInput):
    def format_value(self, value: Any) -> None:
        return None  # a refused code is not shown again


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        max_length=12,
        widget=_CodeInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the six digits that your app shows."), code="format")
        return token


class BackupCodeForm(forms.Form):
    """One of the user's backup codes, instead of the app's code (the same field name, so
    ``sensitive_post_parameters`` hides it from error reports as well)."""

    token = forms.CharField(
        label=gettext_lazy("Backup code"),
        max_length=30,
        widget=_CodeInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True, "size": 14}),
    )

    def clean_token(self) -> str:
        token = backup_codes.normalised(self.cleaned_data["token"])
        if not backup_codes.is_code_shaped(token):
            raise forms.ValidationError(
                _("A backup code has ten letters and digits, as printed (for example 7KQ2M-XH4PD)."), code="format"
            )
        return token


def _throttled(device: TOTPDevice, step: str) -> str | None:
    """The refusal while ``device`` waits after wrong codes (recorded), or None."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    audit_record("otp.failure", obj=device, detail=f"{step}: throttled")
    if locked_until is None:
        return _("Too many wrong codes. Wait a moment and try again.")
    return _("Too many wrong codes. Try again after %(time)s.") % {
        "time": formats.time_format(timezone.localtime(locked_until), "H:i:s")
    }


def _check_token(device: TOTPDevice, token: str, step: str) -> str | None:
    """Verify ``token`` on ``device`` (locked against concurrent tries); None or the error."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if (refusal := _throttled(device, step)) is not None:
            return refusal
        if device.verify_token(token):
            return None
        audit_record("otp.failure", obj=device, detail=f"{step}: wrong code")
        return _("That code is not valid. Codes change every 30 seconds, and each may be used only once.")


def _check_backup_code(device: TOTPDevice, code: str) -> Device | str:
    """Take one of the user's backup codes, under the lock and throttle of their
    authenticator ``device``: a wrong backup code counts as a wrong app code. The device
    the code was on, or the error."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if (refusal := _throttled(device, "verify")) is not None:
            return refusal
        used = backup_codes.use_backup_code(user=device.user, code=code)
        if used is not None:
            device.throttle_reset(commit=True)
            return used
        device.throttle_increment(commit=True)
        audit_record("otp.failure", obj=device, detail="verify: wrong backup code")
        return _("That backup code is not valid, or it was used already: each works once.")


def _signed_in(request: HttpRequest, device: Device) -> None:
    request.session.cycle_key()  # a new session id at the step up in privilege
    django_otp.login(request, device)


@dataclass(frozen=True)
class SecondFactorSite:
    """Where the verify and enrol pages live and whom they serve: the back office (staff)
    or the provider portal (provider users, ``portal.auth``), with the same rules."""

    allowed: Callable[[Any], bool]
    login_url_name: str
    home_url_name: str
    verify_url_name: str
    enrol_url_name: str
    backup_codes_url_name: str
    verify_template: str
    enrol_template: str
    backup_codes_template: str  # the codes shown once, or how many are left and a button
    context: Callable[[HttpRequest], dict[str, Any]]


def _admin_context(request: HttpRequest) -> dict[str, Any]:
    return {**admin.site.each_context(request), "is_nav_sidebar_enabled": False}


BACK_OFFICE = SecondFactorSite(
    allowed=lambda user: user.is_authenticated and user.is_active and user.is_staff,
    login_url_name="admin:login",
    home_url_name="admin:index",
    verify_url_name="otp_verify",
    enrol_url_name="otp_enrol",
    backup_codes_url_name="otp_backup_codes",
    verify_template="admin/registry/otp_verify.html",
    enrol_template="admin/registry/otp_enrol.html",
    backup_codes_template="admin/registry/otp_backup_codes.html",
    context=_admin_context,
)


def _next_url(request: HttpRequest, site: SecondFactorSite = BACK_OFFICE) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(site.home_url_name)


def _context(request: HttpRequest, site: SecondFactorSite, **extra: Any) -> dict[str, Any]:
    return {**site.context(request), "next": _next_url(request, site), **extra}


def _refused(request: HttpRequest, site: SecondFactorSite) -> HttpResponse | None:
    if not site.allowed(request.user):
        return redirect_to_login(request.get_full_path(), reverse(site.login_url_name))
    return None


@sensitive_post_parameters("token")
@never_cache
def verify(request: HttpRequest, site: SecondFactorSite = BACK_OFFICE) -> HttpResponse:
    """Ask for the current code of the user's confirmed device."""
    if (refused := _refused(request, site)) is not None:
        return refused
    if is_verified(request.user):
        return HttpResponseRedirect(_next_url(request, site))
    device = confirmed_device(request.user)
    if device is None:
        return HttpResponseRedirect(_with_next(reverse(site.enrol_url_name), _next_url(request, site)))
    with_backup_code = (request.POST.get("method") or request.GET.get("method")) == "backup"
    form: forms.Form = (BackupCodeForm if with_backup_code else TokenForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if with_backup_code:
            outcome = _check_backup_code(device, token)
        else:
            outcome = _check_token(device, token, "verify") or device
        if isinstance(outcome, str):
            form.add_error("token", outcome)
        else:
            _signed_in(request, outcome)
            audit_record("otp.verify", obj=outcome)
            return HttpResponseRedirect(_next_url(request, site))
    verify_url = reverse(site.verify_url_name)
    switch = {"next": _next_url(request, site), **({} if with_backup_code else {"method": "backup"})}
    context = _context(
        request,
        site,
        form=form,
        title=_("Two-factor verification"),
        with_backup_code=with_backup_code,
        switch_url=f"{verify_url}?{urlencode(switch)}",
    )
    return render(request, site.verify_template, context)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("token")
@never_cache
def enrol(request: HttpRequest, site: SecondFactorSite = BACK_OFFICE) -> HttpResponse:
    """Set up an authenticator app: QR code and secret, then one code to confirm."""
    if (refused := _refused(request, site)) is not None:
        return refused
    user = request.user
    if is_verified(user):
        return HttpResponseRedirect(_next_url(request, site))
    if confirmed_device(user) is not None:  # only the security admin can reset a device
        return HttpResponseRedirect(_with_next(reverse(site.verify_url_name), _next_url(request, site)))
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = _check_token(device, form.cleaned_data["token"], "enrol")
        if error is None:
            with transaction.atomic():
                device.refresh_from_db()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            _signed_in(request, device)
            audit_record("otp.enrol", obj=device)
            codes = backup_codes.issue_backup_codes(user=user, actor=user)
            return _codes_page(request, site, codes, title=_("Two-factor login is set up: your backup codes"))
        form.add_error("token", error)
    qr = segno.make(device.config_url, error="m")
    # Inline SVG made here (no script, no third party); black on white even in dark mode.
    qr_svg = qr.svg_inline(scale=5, dark="#000", light="#fff", title=_("QR code for your authenticator app"))
    context = _context(
        request,
        site,
        form=form,
        title=_("Set up two-factor login"),
        qr_svg=mark_safe(qr_svg),  # noqa: S308  (segno escapes the title; the rest is path data)
        secret=_grouped(base64.b32encode(device.bin_key).decode("ascii")),
        issuer=getattr(settings, "OTP_TOTP_ISSUER", ""),
        account=user.get_username(),
    )
    return render(request, site.enrol_template, context)


def _codes_page(request: HttpRequest, site: SecondFactorSite, codes: list[str], *, title: str) -> HttpResponse:
    """The new codes, shown this once (never stored in clear, so never shown again)."""
    context = _context(request, site, title=title, codes=[backup_codes.shown(c) for c in codes])
    return render(request, site.backup_codes_template, context)


@never_cache
def backup_codes_page(request: HttpRequest, site: SecondFactorSite = BACK_OFFICE) -> HttpResponse:
    """How many backup codes are left; a new set (the old ones stop working), shown once.
    Making codes needs a session verified with the second factor."""
    if (refused := _refused(request, site)) is not None:
        return refused
    user = request.user
    here = reverse(site.backup_codes_url_name)
    if confirmed_device(user) is None:
        context = _context(
            request, site, title=_("Backup codes"), enrol_url=_with_next(reverse(site.enrol_url_name), here)
        )
        return render(request, site.backup_codes_template, context)
    if not is_verified(user):
        return HttpResponseRedirect(_with_next(reverse(site.verify_url_name), here))
    if request.method == "POST":
        codes = backup_codes.issue_backup_codes(user=user, actor=user)
        return _codes_page(request, site, codes, title=_("Your new backup codes"))
    context = _context(
        request,
        site,
        title=_("Backup codes"),
        status=backup_codes.backup_code_status(user),
        few=backup_codes.FEW_LEFT,
    )
    return render(request, site.backup_codes_template, context)


urlpatterns = [
    path("verify/", verify, name="otp_verify"),
    path("enrol/", enrol, name="otp_enrol"),
    path("backup-codes/", backup_codes_page, name="otp_backup_codes"),
]


@checks.register(checks.Tags.security, deploy=True)
def check_two_factor(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    if not otp_required():
        messages.append(
            checks.Warning(
                "STAFF_OTP_REQUIRED is off: staff sign in with a password alone.",
                hint="Leave STAFF_OTP_REQUIRED unset (or true) in production.",
                id="registry.W201",
            )
        )
    if getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1) <= 0:
        messages.append(
            checks.Warning(
                "OTP_TOTP_THROTTLE_FACTOR is 0: wrong two-factor codes are not throttled.",
                id="registry.W204",
            )
        )
    return messages
