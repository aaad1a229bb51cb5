"""Fees (000:525-531): a provider announces a new fee item, or a new price of one, with the
day it takes effect; accepted, it is published (``registry.fees.fee_item_publish``) and
the public page shows it from that day, the earlier price of the same item until the day
before. Changes "are announced in advance" (000:542-546): the day may be ahead, up to a
year; it may lie a month back at most, so that an item sent on time is still accepted
when the district office reviews it some days later.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from childcare.children import is_childcare_provider
from registry.fees import fee_item_publish, fee_item_successor_errors
from registry.models import CareMode, FeeItem, User

from ..display import model_label
from ..models import Submission
from ..submissions import SubmissionForm, SubmissionKind, register_kind

DAYS_BACK = 31  # an item sent on time, reviewed some days after it took effect
DAYS_AHEAD = 366  # a year's notice at most

ELDERLY_FEES = (FeeItem.Kind.BED, FeeItem.Kind.NURSING, FeeItem.Kind.MEAL, FeeItem.Kind.OTHER)
CHILDCARE_FEES = (FeeItem.Kind.CHILDCARE, FeeItem.Kind.MEAL, FeeItem.Kind.OTHER)


def fee_effective_day(day: datetime.date) -> None:
    """A new price's first day: at most ``DAYS_BACK`` days ago and ``DAYS_AHEAD`` ahead."""
    today = timezone.localdate()
    if day < today - datetime.timedelta(days=DAYS_BACK):
        raise forms.ValidationError(
            _("A new price is announced before it applies: choose a day from %(day)s on.")
            % {"day": (today - datetime.timedelta(days=DAYS_BACK)).isoformat()}
        )
    if day > today + datetime.timedelta(days=DAYS_AHEAD):
        raise forms.ValidationError(_("Choose a day within a year."))


class FeeForm(SubmissionForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of fee"), choices=())
    name = forms.CharField(
        label=model_label(FeeItem, "name"),
        max_length=100,
        help_text=gettext_lazy("As on your price list, e.g. 双人间床位费. The same name replaces the item's price."),
    )
    amount = forms.DecimalField(
        label=model_label(FeeItem, "amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    unit = forms.ChoiceField(
        label=model_label(FeeItem, "unit"), choices=FeeItem.Unit.choices, initial=FeeItem.Unit.MONTH
    )
    care_mode = forms.ChoiceField(
        label=model_label(FeeItem, "care_mode"),
        choices=[("", "---------"), *CareMode.choices],
        required=False,
        help_text=FeeItem._meta.get_field("care_mode").help_text,
    )
    effective_from = forms.DateField(
        label=model_label(FeeItem, "effective_from"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        validators=[fee_effective_day],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        childcare = is_childcare_provider(self.provider)
        kinds = CHILDCARE_FEES if childcare else ELDERLY_FEES
        kind: Any = self.fields["kind"]
        kind.choices = [(k.value, k.label) for k in kinds]
        if not childcare:
            del self.fields["care_mode"]
        if not self.is_bound and "effective_from" not in self.initial:
            self.initial["effective_from"] = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == FeeItem.Kind.CHILDCARE and "care_mode" in self.fields and not data.get("care_mode"):
            self.add_error("care_mode", _("Say which service mode the childcare fee is for."))
        if self.errors:
            return data
        errors = fee_item_successor_errors(
            provider=self.provider,
            kind=data["kind"],
            name=data["name"],
            care_mode=data.get("care_mode", ""),
            effective_from=data["effective_from"],
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return data


def apply_fee(submission: Submission, form: SubmissionForm, actor: User) -> str:
    data = form.cleaned_data
    item = fee_item_publish(
        provider=submission.provider,
        kind=data["kind"],
        name=data["name"],
        amount=data["amount"],
        unit=data["unit"],
        care_mode=data.get("care_mode", ""),
        effective_from=data["effective_from"],
        actor=actor,
        source=f"portal #{submission.pk}",
    )
    return _("Published: %(name)s, %(amount)s yuan %(unit)s, from %(day)s.") % {
        "name": item.name,
        "amount": item.amount,
        "unit": item.get_unit_display(),
        "day": item.effective_from.isoformat(),
    }


register_kind(
    SubmissionKind(
        code="fee",
        label=gettext_lazy("A fee item or a new price"),
        form=FeeForm,
        apply=apply_fee,
        help_text=gettext_lazy("Accepted, the public register shows it from its first day."),
        order=40,
    )
)
