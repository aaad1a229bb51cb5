"""Construction-grant applications with the premises documents (issue 18). Accepting
turns one into a prepared (draft) construction grant in the clerk's name, computed at the
day's rates (``subsidies.instalments.grant_prepare``); the reviewer approves it as any
other grant, so the maker-checker rule holds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Provider, User
from subsidies.applications import construction_options
from subsidies.instalments import grant_prepare

from ..models import Submission
from ..submissions import SubmissionForm, SubmissionKind, register_kind
from ..uploads import EVIDENCE_TYPES


class ConstructionApplicationForm(SubmissionForm):
    grant = forms.ChoiceField(label=gettext_lazy("Grant applied for"))
    beds_claimed = forms.IntegerField(label=gettext_lazy("Beds"), min_value=0, required=False, initial=0)
    floor_area_m2 = forms.DecimalField(
        label=gettext_lazy("Floor area (m²)"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    lease_end = forms.DateField(
        label=gettext_lazy("Lease ends on (leased premises)"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Premises documents sent"),
        help_text=gettext_lazy("e.g. property certificate, lease contract, fire acceptance: attach them below."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grant = cast(forms.ChoiceField, self.fields["grant"])
        grant.choices = construction_options(self.provider, timezone.localdate())


def can_apply(provider: Provider) -> bool:
    return bool(construction_options(provider, timezone.localdate()))


def apply_application(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data = form.cleaned_data
    scheme_code, basis = data["grant"].split("|", 1)
    grant = grant_prepare(
        provider=submission.provider,
        scheme_code=scheme_code,
        basis=basis,
        beds_claimed=data["beds_claimed"] or 0,
        floor_area_m2=data["floor_area_m2"],
        prepared_by=actor,
        lease_end=data["lease_end"],
    )
    return _("Prepared as construction grant no. %(pk)s: %(total)s yuan, waiting for approval.") % {
        "pk": grant.pk,
        "total": grant.total,
    }


register_kind(
    SubmissionKind(
        code="construction_application",
        label=gettext_lazy("Construction-grant application"),
        form=ConstructionApplicationForm,
        apply=apply_application,
        applies_to=can_apply,
        upload_types=EVIDENCE_TYPES,
        help_text=gettext_lazy("The district office prepares the grant from it; the city approves it."),
        order=80,
    )
)
