"""Back-office pages of caregivers' accident insurance policies (000:1081-1083): a list
filtered by cover start, division and insurer, and a form that names the caregivers
covered. The form shows the service's checks as field errors; saving and removing go
through ``registry.accident_policies``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .accident_policies import accident_policy_delete, accident_policy_errors, accident_policy_save
from .admin_base import staff_user
from .admin_mixins import ProviderChildAdmin
from .models import AccidentPolicy


class AccidentPolicyForm(forms.ModelForm):
    class Meta:
        model = AccidentPolicy
        fields = ["provider", "insurer", "number", "starts_on", "ends_on", "premium_yuan", "caregivers"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = accident_policy_errors(
            provider=data.get("provider"),
            insurer=data.get("insurer") or "",
            number=data.get("number") or "",
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            premium_yuan=data.get("premium_yuan"),
            caregivers=data.get("caregivers") or [],
            policy_pk=self.instance.pk,
        )
        for field, messages in errors.items():
            if field in self.fields and field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return data


@admin.register(AccidentPolicy)
class AccidentPolicyAdmin(ProviderChildAdmin):
    form = AccidentPolicyForm
    list_display = ["number", "insurer", "provider", "starts_on", "ends_on", "premium_yuan", "caregivers_covered"]
    # Divisions offered: those of the policies the user may see (the queryset is scoped).
    list_filter = [
        ("starts_on", admin.DateFieldListFilter),
        ("provider__division", admin.RelatedOnlyFieldListFilter),
        "insurer",
    ]
    search_fields = ["number", "insurer", "provider__name", "provider__uscc"]
    autocomplete_fields = ["provider", "caregivers"]
    date_hierarchy = "starts_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccidentPolicy]:
        return super().get_queryset(request).annotate(covered=Count("caregivers"))

    @admin.display(description=_("caregivers covered"), ordering="covered")
    def caregivers_covered(self, obj: Any) -> int:
        return int(obj.covered)

    def save_model(self, request: HttpRequest, obj: AccidentPolicy, form: Any, change: bool) -> None:
        """Through the service, which locks the caregivers, checks again and audits."""
        data = form.cleaned_data
        saved = accident_policy_save(
            policy=obj if change else None,
            provider=data["provider"],
            insurer=data["insurer"],
            number=data["number"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            premium_yuan=data["premium_yuan"],
            caregivers=data["caregivers"],
            user=staff_user(request),
        )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has set the caregivers covered; only inline formsets (none) remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: AccidentPolicy) -> None:
        accident_policy_delete(policy=obj, user=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccidentPolicy]) -> None:
        for policy in queryset:
            accident_policy_delete(policy=policy, user=staff_user(request))
