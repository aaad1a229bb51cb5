"""The overlaps clerks decide (``registry.overlaps``): the list of stays that share days
with another provider's stay of the same person, a "keep this stay" page per row, and
the decisions taken."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from safeguards.identifiers import mask_id_number

from .admin_filters import DivisionFilter
from .admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin, staff_user
from .models import OverlapDecision, OverlappingStay, Resident
from .overlaps import overlap_decide, overlaps_undecided, shares_days


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked, e.g. the discharge certificate or the admission contract."),
    )


@admin.register(OverlappingStay)
class OverlappingStayAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Stays sharing a day with another provider's stay of the same person: counted at
    neither provider until a clerk keeps one (DOMAIN §7)."""

    list_display = ["name", "masked_id", "provider_link", "admitted_on", "discharged_on", "others", "decide_link"]
    list_filter = [DivisionFilter]
    list_select_related = ["provider"]
    search_fields = ["name", "provider__name"]
    ordering = ["name", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(overlaps_undecided())

    @admin.display(description=_("ID number"))
    def masked_id(self, stay: Resident) -> str:
        return mask_id_number(stay.id_number)

    @admin.display(description=_("provider"), ordering="provider__name")
    def provider_link(self, stay: Resident) -> str:
        url = reverse("admin:registry_provider_change", args=[stay.provider_id])
        return format_html('<a href="{}">{}</a>', url, stay.provider.name)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # The other stays of the page's people, in one query (not one per row).
        page = list(changelist.result_list)
        others: dict[str, list[Resident]] = {}
        for other in Resident.objects.filter(id_number_hash__in={s.id_number_hash for s in page}).select_related(
            "provider"
        ):
            others.setdefault(other.id_number_hash, []).append(other)
        for stay in page:
            stay.sharing = [
                o
                for o in others.get(stay.id_number_hash, [])
                if o.provider_id != stay.provider_id and shares_days(stay, o)
            ]
        return changelist

    @admin.display(description=_("shares days with"))
    def others(self, stay: Resident) -> str:
        return format_html_join(
            "; ",
            "{} ({} – {})",
            ((o.provider.name, o.admitted_on, o.discharged_on or "") for o in getattr(stay, "sharing", [])),
        )

    @admin.display(description=_("decision"))
    def decide_link(self, stay: Resident) -> str:
        url = reverse("admin:registry_overlappingstay_decide", args=[stay.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Keep this stay"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="registry_overlappingstay_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        stay = self.get_object(request, object_id)
        if not request.user.has_perm("registry.add_overlapdecision"):
            raise PermissionDenied
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                overlap_decide(kept=stay, user=staff_user(request), note=form.cleaned_data["note"])
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            else:
                self.message_user(
                    request,
                    _("Decided: %(provider)s keeps the stay; the next run pays it.") % {"provider": stay.provider.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:registry_overlappingstay_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": stay,
            "title": _("Keep the stay at %(provider)s (%(admitted)s – %(discharged)s)")
            % {"provider": stay.provider.name, "admitted": stay.admitted_on, "discharged": stay.discharged_on or ""},
            "form": form,
        }
        return TemplateResponse(request, "admin/simple_form.html", context)


@admin.register(OverlapDecision)
class OverlapDecisionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Decisions taken (made from the overlapping stays list, never edited here)."""

    scope_path_lookup = "kept__provider__division__path"
    list_display = ["decided_at", "kept_provider", "set_aside_provider", "note", "decided_by"]
    list_select_related = ["kept__provider", "set_aside__provider", "decided_by"]
    search_fields = ["kept__provider__name", "set_aside__provider__name", "note"]
    date_hierarchy = "decided_at"

    @admin.display(description=_("stay kept"), ordering="kept__provider__name")
    def kept_provider(self, decision: OverlapDecision) -> str:
        return decision.kept.provider.name

    @admin.display(description=_("stay set aside"), ordering="set_aside__provider__name")
    def set_aside_provider(self, decision: OverlapDecision) -> str:
        return decision.set_aside.provider.name
