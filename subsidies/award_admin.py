"""Back-office for operating awards 以奖代补 (awards.py): the list of evaluations and
their awards (filters: scheme, year, status, division), the add form that records an
evaluation and its award through ``award_prepare``, and the approve action that calls
``award_approve``. Awards are not edited after they are prepared."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from registry.admin_base import limit_choices, staff_user
from registry.admin_filters import DivisionFilter
from registry.admin_mixins import ScopedHistoryAdmin
from registry.admin_services import run_service
from registry.models import Provider
from registry.scoping import providers_visible_to

from . import awards
from .models import Award, SchemeKind, SubsidyScheme
from .review_admin import REVIEW_FORM, ReviewAdminMixin, approve_action, submit_action
from .work_filters import AwaitingMyReviewFilter

SCOPE = "evaluation__provider__division__path"
# What the add form asks for, in order; the service's names (scheme_code) map onto them.
ADD_FIELDS = [
    "provider",
    "scheme",
    "year",
    "evaluated_on",
    "score",
    "evaluator",
    "evaluator_organisation",
    "notes",
    "amount",
]
SHOWN_FIELDS = [
    "provider",
    "scheme",
    "year",
    "evaluated_on",
    "score",
    "evaluator",
    "evaluator_organisation",
    "evaluation_notes",
    "amount",
    "award_range",
    "status",
    "prepared_by",
    "approved_by",
    "approved_at",
]


class AwardDivisionFilter(DivisionFilter):
    """The registry's division filter, through the award's evaluation."""

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        visible = super().queryset(request, Provider.objects.all())
        return queryset.filter(evaluation__provider__in=visible)


class AwardAddForm(forms.ModelForm):
    """An operation evaluation and the amount awarded from it, checked by the service's rules."""

    user: Any = None  # set by the admin: who prepares the award

    provider = forms.ModelChoiceField(label=_("provider"), queryset=Provider.objects.none())
    scheme = forms.ModelChoiceField(label=_("scheme"), queryset=SubsidyScheme.objects.filter(kind=SchemeKind.AWARD))
    year = forms.IntegerField(label=_("year evaluated"), min_value=1900, max_value=9999)
    evaluated_on = forms.DateField(label=_("evaluated on"))
    score = forms.DecimalField(label=_("score (0-100)"), max_digits=5, decimal_places=2)
    evaluator = forms.CharField(label=_("evaluator"), max_length=100)
    evaluator_organisation = forms.CharField(label=_("evaluator's organisation"), max_length=200, required=False)
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea, required=False)

    class Meta:
        model = Award
        fields = ["amount"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.user is not None:
            # The kinds some award scheme is for; the service checks the scheme chosen.
            schemes = SubsidyScheme.objects.filter(kind=SchemeKind.AWARD)
            kinds = {kind for scheme in schemes for kind in scheme.provider_kinds}
            limit_choices(self, "provider", providers_visible_to(self.user).filter(kind__in=sorted(kinds)))
        self.order_fields(ADD_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            awards.award_check(
                provider=data["provider"],
                scheme_code=data["scheme"].code,
                year=data["year"],
                evaluated_on=data["evaluated_on"],
                score=data["score"],
                evaluator=data["evaluator"],
                amount=data["amount"],
                user=self.user,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                name = "scheme" if name == "scheme_code" else name
                self.add_error(name if name in self.fields else None, messages)
        return data


@admin.register(Award)
class AwardAdmin(ReviewAdminMixin, ScopedHistoryAdmin):
    change_form_template = REVIEW_FORM
    scope_path_lookup = SCOPE
    form = AwardAddForm
    list_display = [
        "provider",
        "scheme",
        "year",
        "score",
        "evaluated_on",
        "amount",
        "review_status",
        "prepared_by",
        "approved_by",
    ]
    list_filter = ["status", AwaitingMyReviewFilter, "evaluation__scheme", "evaluation__year", AwardDivisionFilter]
    list_select_related = ["evaluation__provider", "evaluation__scheme", "prepared_by", "approved_by"]
    search_fields = ["evaluation__provider__name", "evaluation__provider__uscc", "evaluation__evaluator"]
    actions = ["submit_awards", "approve_awards", "withdraw_awards"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:  # an award is only shown: every field is read-only
            kwargs["form"] = forms.ModelForm
            return super().get_form(request, obj, change=change, **kwargs)
        form = cast(type[AwardAddForm], super().get_form(request, obj, change=change, **kwargs))
        form.user = staff_user(request)  # a class made for this request by modelform_factory
        return form

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ADD_FIELDS if obj is None else SHOWN_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else SHOWN_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an award is prepared once and approved by someone else, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Award, form: Any, change: bool) -> None:
        """Through the service: whoever prepares the award is its first preparer."""
        data = form.cleaned_data
        saved = awards.award_prepare(
            provider=data["provider"],
            scheme_code=data["scheme"].code,
            year=data["year"],
            evaluated_on=data["evaluated_on"],
            score=data["score"],
            evaluator=data["evaluator"],
            evaluator_organisation=data.get("evaluator_organisation") or "",
            notes=data.get("notes") or "",
            amount=data["amount"],
            user=staff_user(request),
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # the service recorded the preparers

    submit_awards = submit_action(_("Submit selected awards for review"))
    approve_awards = approve_action(_("Approve selected awards"))

    @admin.action(description=_("Withdraw selected draft awards"), permissions=["add"])
    def withdraw_awards(self, request: HttpRequest, queryset: QuerySet[Award]) -> None:
        for award in queryset:
            run_service(
                request,
                self,
                lambda a=award: awards.award_withdraw(award=a, user=staff_user(request)),
                _("%(award)s withdrawn.") % {"award": award},
            )

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subsidies.approve_award")

    @admin.display(description=_("provider"), ordering="evaluation__provider__name")
    def provider(self, award: Award) -> Provider:
        return award.evaluation.provider

    @admin.display(description=_("scheme"), ordering="evaluation__scheme__code")
    def scheme(self, award: Award) -> str:
        return award.evaluation.scheme.name  # the name, not the code (issue 21)

    @admin.display(description=_("year evaluated"), ordering="evaluation__year")
    def year(self, award: Award) -> int:
        return award.evaluation.year

    @admin.display(description=_("evaluated on"), ordering="evaluation__evaluated_on")
    def evaluated_on(self, award: Award) -> Any:
        return award.evaluation.evaluated_on

    @admin.display(description=_("score (0-100)"), ordering="evaluation__score")
    def score(self, award: Award) -> Any:
        return award.evaluation.score

    @admin.display(description=_("evaluator"))
    def evaluator(self, award: Award) -> str:
        return award.evaluation.evaluator

    @admin.display(description=_("evaluator's organisation"))
    def evaluator_organisation(self, award: Award) -> str:
        return award.evaluation.evaluator_organisation

    @admin.display(description=_("notes"))
    def evaluation_notes(self, award: Award) -> str:
        return award.evaluation.notes

    @admin.display(description=_("range (yuan)"))
    def award_range(self, award: Award) -> str:
        return f"{award.range_min} – {award.range_max} ({award.range_source})"
