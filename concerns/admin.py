"""The clerk's side of concerns: the cases of the user's jurisdiction (scoped through the
provider's division and the department's kinds, anything else a 404), with their history.

The contact a citizen left is masked in the list and on the page; a clerk of the
jurisdiction with ``registry.view_personal_data`` may show it, which is audited
(``cases.concern_contact_reveal``). Every change goes through the services of
``cases.py``: a concern taken down from a call or a letter (the add page), starting the
investigation and closing the case (buttons on the case's page), the internal notes (the
one field the page edits). Nothing is deleted. The list's "state" filter is the one the
workbench's links open (``deadlines.py``).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from registry.admin_base import staff_user
from registry.admin_filters import ChoiceFilter, DivisionFilter, ProviderNameFilter
from registry.admin_mixins import ScopedHistoryAdmin
from registry.admin_services import run_service
from registry.scoping import user_can_see_personal_data

from .cases import (
    CLOSABLE_FROM,
    concern_close,
    concern_contact_reveal,
    concern_receive,
    concern_save_notes,
    concern_start_investigation,
    may_handle,
    may_receive_concerns,
)
from .contacts import contact_errors, masked_contact
from .deadlines import due_soon_concerns, is_open, is_overdue, overdue_concerns
from .models import Concern, Outcome, Status
from .references import normalise_reference
from .retention import contact_kept_until


class StateFilter(ChoiceFilter):
    """Open cases, those past their reply date (the workbench's links) and those due soon."""

    title = gettext_lazy("reply")
    parameter_name = "state"
    rules = {
        "open": (pgettext_lazy("concern status", "Open"), lambda qs: qs.filter(is_open())),
        "overdue": (
            gettext_lazy("Past the reply date"),
            lambda qs: qs.filter(pk__in=overdue_concerns(timezone.localdate()).values("pk")),
        ),
        "due_soon": (
            gettext_lazy("Reply due soon"),  # within settings.CONCERN_DUE_SOON_DAYS
            lambda qs: qs.filter(pk__in=due_soon_concerns(timezone.localdate()).values("pk")),
        ),
    }


class ConcernAddForm(forms.ModelForm):
    """A concern a clerk takes down from a call, a letter or a visit."""

    contact_email = forms.EmailField(label=gettext_lazy("contact email"), max_length=254, required=False)

    class Meta:
        model = Concern
        fields = ["provider", "category", "description", "contact_name", "contact_phone", "contact_email"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        provider = data.get("provider")
        if provider is not None and not may_receive_concerns(provider):
            self.add_error("provider", _("This provider no longer operates: its concerns are not recorded here."))
        for name, message in contact_errors(data.get("contact_phone") or "", data.get("contact_email") or "").items():
            self.add_error(name, message)
        return data


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=pgettext_lazy("concern", "outcome"), choices=Outcome.choices)
    public_reply = forms.CharField(
        label=gettext_lazy("public reply"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Shown to anyone who looks up the reference number: what was found and done, "
            "without names, phone numbers or addresses."
        ),
    )

    def __init__(self, *args: Any, status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = CLOSABLE_FROM.get(status, frozenset())
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [
            (v, label) for v, label in Outcome.choices if v in allowed
        ]


SHOWN = (
    "reference",
    "provider",
    "category",
    "description",
    "contact",
    "contact_kept",
    "received_at",
    "due_on",
    "status",
    "investigation_started_at",
    "handled_by",
    "outcome",
    "public_reply",
    "closed_at",
)


@admin.register(Concern)
class ConcernAdmin(ScopedHistoryAdmin):
    list_display = ["reference", "provider", "category", "status", "received_on", "due_on_shown", "contact"]
    list_filter = [StateFilter, "status", "category", "outcome", ProviderNameFilter, DivisionFilter]
    list_select_related = ["provider"]
    search_fields = ["reference", "provider__name", "provider__uscc"]
    ordering = ["-received_at", "-pk"]
    autocomplete_fields = ["provider"]
    change_form_template = "admin/concerns/concern/change_form.html"

    # --- what the list and the page show --------------------------------------------------

    @admin.display(description=gettext_lazy("received on"), ordering="received_at")
    def received_on(self, concern: Concern) -> str:
        return f"{timezone.localtime(concern.received_at):%Y-%m-%d}"

    @admin.display(description=gettext_lazy("reply due on"), ordering="due_on")
    def due_on_shown(self, concern: Concern) -> str:
        if is_overdue(concern, timezone.localdate()):
            return _("%(date)s (overdue)") % {"date": f"{concern.due_on:%Y-%m-%d}"}
        return f"{concern.due_on:%Y-%m-%d}"

    @admin.display(description=gettext_lazy("contact"))
    def contact(self, concern: Concern) -> str:
        """Masked for everyone: the full contact is shown on request (``contact_view``); once
        the retention period is over, when it was deleted (``retention.py``)."""
        if concern.contact_deleted_at:
            return _("Deleted on %(date)s, %(days)s days after the case was closed") % {
                "date": f"{timezone.localtime(concern.contact_deleted_at):%Y-%m-%d}",
                "days": settings.CONCERN_CONTACT_RETENTION_DAYS,
            }
        return masked_contact(concern) or _("No contact left")

    # --- the add page (a clerk takes a concern down) and the change page (notes only) ---

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ConcernAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return list(ConcernAddForm.Meta.fields)
        return [*SHOWN, "internal_notes"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        if not may_handle(staff_user(request), obj):
            return [*SHOWN, "internal_notes"]
        return list(SHOWN)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Concern, form: Any, change: bool) -> None:
        if change:
            concern_save_notes(concern=obj, internal_notes=obj.internal_notes, actor=staff_user(request))
            return
        data = form.cleaned_data
        concern = concern_receive(
            provider=data["provider"],
            category=data["category"],
            description=data["description"],
            contact_name=data.get("contact_name") or "",
            contact_phone=data.get("contact_phone") or "",
            contact_email=data.get("contact_email") or "",
            actor=staff_user(request),
        )
        obj.pk, obj.reference = concern.pk, concern.reference

    # --- the buttons: start the investigation, close, show the contact -----------------------

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/investigate/", view(self.investigate_view), name="concerns_concern_investigate"),
            path("<path:object_id>/close/", view(self.close_view), name="concerns_concern_close"),
            path("<path:object_id>/contact/", view(self.contact_view), name="concerns_concern_contact"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("contact kept until"))
    def contact_kept(self, concern: Concern) -> str:
        kept_until = contact_kept_until(concern)
        if kept_until:
            return f"{kept_until:%Y-%m-%d}"
        if concern.has_contact:  # still open
            return _("%(days)s days after the case is closed") % {"days": settings.CONCERN_CONTACT_RETENTION_DAYS}
        return "–"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        concern = self.get_object(request, object_id)
        user = staff_user(request)
        handles = may_handle(user, concern)
        extra_context = {
            **(extra_context or {}),
            "can_investigate": handles and concern.status == Status.RECEIVED,
            "can_close": handles and concern.status != Status.CLOSED,
            "can_reveal": concern.has_contact and handles and user_can_see_personal_data(user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _change_url(self, concern: Concern) -> str:
        return reverse("admin:concerns_concern_change", args=[concern.pk])

    def investigate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        concern = self.get_object(request, object_id)
        if request.method != "POST":
            raise PermissionDenied
        run_service(
            request,
            self,
            lambda: concern_start_investigation(concern=concern, actor=staff_user(request)),
            _("Investigation started: you handle this concern."),
        )
        return HttpResponseRedirect(self._change_url(concern))

    def close_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        concern = self.get_object(request, object_id)
        if not may_handle(staff_user(request), concern):
            raise PermissionDenied
        form = CloseForm(request.POST or None, status=concern.status)
        if request.method == "POST" and form.is_valid():
            done = run_service(
                request,
                self,
                lambda: concern_close(
                    concern=concern,
                    outcome=form.cleaned_data["outcome"],
                    public_reply=form.cleaned_data["public_reply"],
                    actor=staff_user(request),
                ),
                _("Concern closed: the citizen sees the outcome and your reply."),
            )
            if done:
                return HttpResponseRedirect(self._change_url(concern))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Close concern %(reference)s") % {"reference": concern.reference},
            "form": form,
            "original": concern,
            "opts": self.opts,
        }
        return render(request, "admin/concerns/concern/close.html", context)

    def contact_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The citizen's contact in full, once, for a clerk who may see it; audited."""
        concern = self.get_object(request, object_id)
        if request.method != "POST":
            raise PermissionDenied
        contact = concern_contact_reveal(concern=concern, actor=staff_user(request))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Contact left with concern %(reference)s") % {"reference": concern.reference},
            "contact": contact,
            "original": concern,
            "opts": self.opts,
        }
        return render(request, "admin/concerns/concern/contact.html", context)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Concern], search_term: str) -> Any:
        # A reference as the citizen reads it over the phone (lower case, spaces) finds it too.
        reference = normalise_reference(search_term)
        if reference:
            return queryset.filter(reference=reference), False
        return super().get_search_results(request, queryset, search_term)
