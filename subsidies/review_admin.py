"""The review flow on the back-office pages (rules: ``review.py``): a review box on the
change page of runs, grants, awards and batches (where it stands, the reason it was
returned, its history, payable and withheld money), buttons to submit, approve, return
or reject, each through a confirmation page that shows the number of lines and the
money; and list actions that go through the same confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.admin_base import ModelAdminBase, staff_user
from registry.admin_services import run_service

from . import review
from .maker_checker import Prepared, is_preparer
from .models import ConstructionGrant

STEPS = {
    "submit": gettext_lazy("Submit for review"),
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return to the preparer"),
    "reject": gettext_lazy("Reject"),
}
DONE = {
    "submit": gettext_lazy("%(obj)s submitted."),
    "approve": gettext_lazy("%(obj)s approved."),
    "return": gettext_lazy("%(obj)s returned to the preparer."),
    "reject": gettext_lazy("%(obj)s rejected."),
}
NEEDS_REASON = {"return", "reject"}
REVIEW_FORM = "admin/subsidies/review_change_form.html"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (shown to the preparer)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=True,
    )


def steps_for(obj: Prepared, user: Any) -> list[str]:
    """The review buttons ``user`` is offered on ``obj``'s page."""
    state = review.review_state(obj)
    steps = []
    if state in {review.PREPARING, review.RETURNED} and user.has_perm(review.SUBMIT_PERMISSION[type(obj)]):
        steps.append("submit")
    if state == review.SUBMITTED and user.has_perm(review.APPROVE_PERMISSION[type(obj)]) and not is_preparer(obj, user):
        steps += ["approve", "return"]
        if isinstance(obj, ConstructionGrant):
            steps.append("reject")
    return steps


def perform(step: str, obj: Prepared, user: Any, reason: str = "") -> Prepared:
    """Call the review service for ``step``."""
    if step == "submit":
        return review.submit_for_review(obj=obj, user=user)
    if step == "approve":
        return review.approve(obj=obj, user=user)
    if step == "return":
        return review.return_to_preparer(obj=obj, user=user, reason=reason)
    if step == "reject" and isinstance(obj, ConstructionGrant):
        return review.reject_grant(grant=obj, user=user, reason=reason)
    raise Http404


class ReviewAdminMixin(ModelAdminBase):
    """For the ModelAdmin of a maker-checker model; its ``change_form_template`` is
    ``REVIEW_FORM`` or extends it."""

    def get_urls(self) -> list[Any]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_review"
        view = self.admin_site.admin_view(self.review_view)
        return [path("<path:object_id>/review/<str:step>/", view, name=name), *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return review.with_last_review_step(super().get_queryset(request))

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def review_status(self, obj: Prepared) -> str:
        """A draft's place in review (being prepared, waiting for review, returned);
        otherwise the object's own status. One query for the whole list (the annotation)."""
        if getattr(obj, "status", None) == "draft":
            return str(review.STATE_LABELS[review.review_state(obj)])
        return str(obj.get_status_display()) if hasattr(obj, "get_status_display") else str(obj.get_state_display())

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(review.SUBMIT_PERMISSION[self.model])

    def review_context(self, request: HttpRequest, obj: Prepared) -> dict[str, Any]:
        state = review.review_state(obj)
        return {
            "review_state": state,
            "review_state_label": review.STATE_LABELS[state],
            "review_reason": review.last_return_reason(obj),
            "review_events": review.review_events(obj),
            "review_summary": review.review_summary(obj),
            "review_steps": [(step, STEPS[step]) for step in steps_for(obj, request.user)],
            "review_url_name": f"admin:{obj._meta.app_label}_{obj._meta.model_name}_review",
        }

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            extra.update(self.review_context(request, obj))
        return super().change_view(request, object_id, form_url, extra)

    def review_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """GET: the confirmation page; POST: the step, then back to the object's page."""
        obj = self.get_object(request, object_id)
        if obj is None or step not in STEPS:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise Http404
        form = ReasonForm(request.POST or None) if step in NEEDS_REASON else None
        change_url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        if request.method == "POST" and (form is None or form.is_valid()):
            reason = form.cleaned_data["reason"] if form is not None else ""
            run_service(
                request,
                self,
                lambda: perform(step, obj, staff_user(request), reason),
                DONE[step] % {"obj": obj},
            )
            return HttpResponseRedirect(change_url)
        return self.confirmation(request, [obj], step, form=form, action_url=request.path)

    def confirmation(
        self,
        request: HttpRequest,
        objects: list[Prepared],
        step: str,
        *,
        form: ReasonForm | None = None,
        action_url: str = "",
        action: str = "",
    ) -> TemplateResponse:
        opts = self.model._meta
        rows = [(obj, review.review_summary(obj)) for obj in objects]
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("%(step)s: please confirm") % {"step": STEPS[step]},
            "step": step,
            "step_label": STEPS[step],
            "rows": rows,
            "form": form,
            "action_url": action_url,
            "action": action,
            "original": objects[0] if len(objects) == 1 else None,
        }
        return TemplateResponse(request, "admin/subsidies/review_confirm.html", context)

    def review_selected(self, request: HttpRequest, queryset: QuerySet[Any], step: str) -> TemplateResponse | None:
        """A list action through the same confirmation: the first POST shows what would be
        done; the confirmed POST does it, object by object."""
        if request.POST.get("confirm") != "yes":
            return self.confirmation(request, list(queryset), step, action=request.POST.get("action", ""))
        for obj in queryset:
            run_service(
                request,
                self,
                lambda o=obj: perform(step, o, staff_user(request)),
                DONE[step] % {"obj": obj},
            )
        return None


def submit_action(description: Any) -> Any:
    """A list action "submit selected … for review" (makers' permission: change)."""

    @admin.action(description=description, permissions=["submit"])
    def submit_selected(model_admin: ReviewAdminMixin, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return model_admin.review_selected(request, queryset, "submit")

    return submit_selected


def approve_action(description: Any) -> Any:
    """A list action "approve selected …" (checkers' permission: approve)."""

    @admin.action(description=description, permissions=["approve"])
    def approve_selected(model_admin: ReviewAdminMixin, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return model_admin.review_selected(request, queryset, "approve")

    return approve_selected
