"""The page where a staff member sets their own password from a one-time link
(``registry.staff.accounts.open_account`` and ``reset_password`` send it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import path, reverse, reverse_lazy

from safeguards.audit import audit_record


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's reset-confirm view (single use: the token is bound to the password hash and
    expires after ``PASSWORD_RESET_TIMEOUT``), in the back-office's look, audited."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("account_set_password_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record("account.password_set", actor=form.user, obj=form.user, detail="one-time link")
        return response


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}
        context["login_url"] = reverse("admin:login")
        return context


urlpatterns = [
    path("set-password/<uidb64>/<token>/", SetPasswordView.as_view(), name="account_set_password"),
    path("set-password/done/", SetPasswordDoneView.as_view(), name="account_set_password_done"),
]
