"""The public forms: raising a concern (with its honeypot and fill time) and looking one up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .bot_checks import HONEYPOT_FIELD, fill_token
from .models import DESCRIPTION_MAX_LENGTH, DESCRIPTION_MIN_LENGTH, Category
from .references import normalise_reference


class ConcernForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is the concern about?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("What happened?"),
        min_length=DESCRIPTION_MIN_LENGTH,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "When and where it happened and who was affected. At most 2,000 characters. "
            "This text is read by the clerk who handles the case and is never published."
        ),
    )
    contact_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("Your email (optional)"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The honeypot (``bot_checks``): the template hides it from people; robots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    shown_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A fresh time whenever the form is shown (again): the one sent back is checked.
        self.initial["shown_at"] = fill_token()

    def fresh_copy(self) -> ConcernForm:
        """The same answers in a form shown anew (a new time to fill it from)."""
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["shown_at"] = fill_token()
        return ConcernForm(data)

    def honeypot_field(self) -> forms.BoundField:
        return self[HONEYPOT_FIELD]

    def visible_fields(self) -> list[forms.BoundField]:
        return [field for field in super().visible_fields() if field.name != HONEYPOT_FIELD]


class LookupForm(forms.Form):
    reference = forms.CharField(
        label=pgettext_lazy("concern", "Reference number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "placeholder": "TS-"}
        ),
    )

    def clean_reference(self) -> str:
        reference = normalise_reference(self.cleaned_data["reference"])
        # Any text that is no reference reads as "not found" too: nothing to learn from the answer.
        return reference or ""
