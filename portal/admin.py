"""The clerk's side of the portal (issue 18): invitations, who may act for which provider,
and the review of what providers sent (accept: applied through the back-office's own
services; return: with a reason). Scoped to the clerk's jurisdiction and department."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import linebreaksbr
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.admin_base import staff_user
from registry.admin_mixins import ReadOnlyAdminMixin, ScopedHistoryAdmin
from registry.admin_services import run_service
from registry.models import Provider
from registry.scoping import providers_visible_to, user_can_see_personal_data

from .access import access_revoke
from .display import shown_fields, shown_value
from .invitations import invite
from .models import Invitation, ProviderAccess, Submission
from .submissions import KINDS, bound_form, may_review, submission_accept, submission_return


class KindFilter(admin.SimpleListFilter):
    title = gettext_lazy("what was sent")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(code, kind.label) for code, kind in sorted(KINDS.items(), key=lambda item: item[1].order)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet[Submission]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What the provider must correct"), widget=forms.Textarea(attrs={"rows": 4})
    )


SHOWN: tuple[str, ...] = (
    "provider",
    "kind_label",
    "status",
    "created_by",
    "submitted_at",
    "sent",
    "files",
    "reviewed_by",
    "reviewed_at",
    "return_reason",
    "result",
)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ["provider", "kind_label", "status", "submitted_at", "created_by", "reviewed_at"]
    list_filter = ["status", KindFilter]
    list_select_related = ["provider", "created_by"]
    search_fields = ["provider__name", "provider__uscc"]
    ordering = ["-submitted_at", "-pk"]
    fields = readonly_fields = SHOWN
    change_form_template = "admin/portal/submission/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        return super().get_queryset(request).exclude(status=Submission.Status.DRAFT)

    @admin.display(description=gettext_lazy("what was sent"), ordering="kind")
    def kind_label(self, submission: Submission) -> str:
        kind = KINDS.get(submission.kind)
        return str(kind.label) if kind else submission.kind

    @admin.display(description=gettext_lazy("content"))
    def sent(self, submission: Submission) -> str:
        """What was sent, personal numbers masked (``sent_in_full`` for a clerk who may see them)."""
        return self._content(submission, full_numbers=False)

    @admin.display(description=gettext_lazy("content"))
    def sent_in_full(self, submission: Submission) -> str:
        return self._content(submission, full_numbers=True)

    def _content(self, submission: Submission, *, full_numbers: bool) -> str:
        form = bound_form(submission)
        form.is_valid()
        names = shown_fields(form, submission.data)
        rows = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            (
                (
                    form.fields[name].label,
                    linebreaksbr(shown_value(form, name, submission.data[name], full_numbers=full_numbers)),
                )
                for name in names
            ),
        )
        errors = format_html_join("", "<dd class='errornote'>{}</dd>", ((e,) for e in form.errors.get("__all__", [])))
        return format_html("<dl>{}{}</dl>", rows, errors) if names else "-"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The content with personal numbers in full for a clerk who may see personal data."""
        fields = list(super().get_fields(request, obj))
        if user_can_see_personal_data(staff_user(request)):
            fields = ["sent_in_full" if f == "sent" else f for f in fields]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("files"))
    def files(self, submission: Submission) -> str:
        uploads = list(submission.uploads.all())
        links = format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            ((reverse("portal:upload", args=[u.pk]), u.original_name or u.pk) for u in uploads),
        )
        return links if uploads else "-"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/accept/",
                self.admin_site.admin_view(self.accept_view),
                name="portal_submission_accept",
            ),
            path(
                "<path:object_id>/return/",
                self.admin_site.admin_view(self.return_view),
                name="portal_submission_return",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        submission = self.get_object(request, object_id)
        reviewable = may_review(staff_user(request), submission)
        extra_context = {
            **(extra_context or {}),
            "can_accept": reviewable and submission.status == Submission.Status.SUBMITTED,
            "can_return": reviewable
            and submission.status in {Submission.Status.SUBMITTED, Submission.Status.ACCEPTED}
            and (submission.status == Submission.Status.SUBMITTED or KINDS[submission.kind].accepted_on_submit),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def accept_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        submission = self.get_object(request, object_id)
        if request.method != "POST":
            raise PermissionDenied
        run_service(
            request,
            self,
            lambda: submission_accept(submission=submission, actor=staff_user(request)),
            _("Accepted and applied."),
        )
        return HttpResponseRedirect(reverse("admin:portal_submission_change", args=[submission.pk]))

    def return_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        submission = self.get_object(request, object_id)
        form = ReturnForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = run_service(
                request,
                self,
                lambda: submission_return(
                    submission=submission, actor=staff_user(request), reason=form.cleaned_data["reason"]
                ),
                _("Returned to the provider."),
            )
            if done:
                return HttpResponseRedirect(reverse("admin:portal_submission_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Return to the provider"),
            "form": form,
            "original": submission,
            "opts": self.opts,
        }
        return render(request, "admin/portal/submission/return.html", context)


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["provider", "name", "email", "phone"]


@admin.register(Invitation)
class InvitationAdmin(ScopedHistoryAdmin):
    """A clerk invites a provider's staff; the link is shown once (and emailed)."""

    form = InvitationForm
    list_display = ["name", "provider", "invited_by", "created_at", "expires_at", "used_at"]
    list_select_related = ["provider", "invited_by"]
    search_fields = ["name", "provider__name"]
    autocomplete_fields = ["provider"]
    ordering = ["-created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        provider = request.GET.get("provider")
        if provider and providers_visible_to(staff_user(request)).filter(pk=provider).exists():
            initial["provider"] = provider
        return initial

    def save_model(self, request: HttpRequest, obj: Invitation, form: Any, change: bool) -> None:
        try:
            invited = invite(
                provider=obj.provider, name=obj.name, email=obj.email, phone=obj.phone, actor=staff_user(request)
            )
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from error
        obj.pk = invited.invitation.pk
        messages.info(
            request,
            format_html(
                "{} <code>{}</code>",
                _("The invitation link (shown once; it was emailed if you gave an address):"),
                invited.link,
            ),
        )


@admin.register(ProviderAccess)
class ProviderAccessAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ["user", "provider", "granted_at", "granted_by", "revoked_at"]
    list_select_related = ["user", "provider", "granted_by"]
    search_fields = ["user__username", "provider__name"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected access"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ProviderAccess]) -> None:
        for access in queryset:
            access_revoke(access=access, actor=staff_user(request))
        self.message_user(request, _("Access revoked."), messages.SUCCESS)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("portal.delete_provideraccess")


def invite_url(provider: Provider) -> str:
    return reverse("admin:portal_invitation_add") + f"?provider={provider.pk}"
