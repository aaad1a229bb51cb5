"""Signing in to the portal (issue 18): provider users only, with the staff's rules.

- The sign-in page is the portal's own (``/portal/login/``), never the Django admin's;
  a staff account is refused there (staff use the back office), as a provider user is
  refused by the admin (no staff flag).
- django-axes locks out repeated failures exactly as for staff (it wraps every
  ``authenticate``); the password validators and ``PASSWORD_MAX_AGE_DAYS`` apply as for
  staff; with ``PORTAL_OTP_REQUIRED`` the same authenticator-app second factor is asked
  (``safeguards.otp`` with the portal's pages), with the same one-time backup codes
  (``safeguards.backup_codes``: shown once at enrolment, a new set from "Two-factor login").
- ``provider_user_required`` guards every portal page: signed in, a provider user, the
  second factor proved when required, the password not expired.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from safeguards.audit import audit_record
from safeguards.otp import SecondFactorSite, confirmed_device, is_verified
from safeguards.passwords import password_expired

from .access import is_provider_user


def _portal_context(request: HttpRequest) -> dict[str, Any]:
    return {}


SECOND_FACTOR = SecondFactorSite(
    allowed=is_provider_user,
    login_url_name="portal:login",
    home_url_name="portal:home",
    verify_url_name="portal:otp_verify",
    enrol_url_name="portal:otp_enrol",
    backup_codes_url_name="portal:otp_backup_codes",
    verify_template="portal/otp.html",  # one page: enrolment adds the QR code and the key
    enrol_template="portal/otp.html",
    backup_codes_template="portal/otp_backup_codes.html",
    context=_portal_context,
)


def provider_user_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if not is_provider_user(user):
            return HttpResponseRedirect(reverse("portal:login") + "?refused=1")
        if settings.PORTAL_OTP_REQUIRED and not is_verified(user):
            target = "portal:otp_verify" if confirmed_device(user) is not None else "portal:otp_enrol"
            return redirect_to_login(request.get_full_path(), reverse(target))
        if password_expired(user):
            return HttpResponseRedirect(reverse("portal:password_change"))
        return view(request, *args, **kwargs)

    return guarded


class PortalAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing staff accounts and accounts with no provider."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise forms.ValidationError(
                _("Staff sign in to the back office, not to the provider portal."), code="staff"
            )
        if not is_provider_user(user):
            raise forms.ValidationError(_("This account may not act for any provider."), code="no_provider")


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("portal:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record("portal.login", actor=form.get_user(), obj=form.get_user())
        return response


class PortalLogoutView(auth_views.LogoutView):
    next_page = "portal:login"


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record("account.password_change", actor=form.user, obj=form.user, detail="portal")
        return response
