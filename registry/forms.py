"""Forms of the registry back-office."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import StatusReason


class LifecycleForm(forms.Form):
    """Reason and effective date for a lifecycle action (the action comes from the URL)."""

    reason_category = forms.ChoiceField(
        label=_("Reason category (public)"),
        choices=[("", "---------"), *StatusReason.choices],
        help_text=_("Shown on the provider's public page with the date. The reason below is not published."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, data: Any = None, *, removal: bool = False) -> None:
        super().__init__(data)
        if not removal:  # filing, certifying, reinstating: nothing to explain to the public
            del self.fields["reason_category"]

    effective_on = forms.DateField(
        label=_("Effective date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def add_refusal(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form that asked for it: each message next to its
    field when the form has one, at the top otherwise."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
