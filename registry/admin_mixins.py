"""Admin building blocks the three apps share: the staff user of a request, querysets and
choices scoped to the user's jurisdiction, read-only and history admins, and personal data
masked unless the user may see it (revealing it is audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminTextInputWidget, RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from safeguards.fields import EncryptedTextField, KeyedHashField
from safeguards.identifiers import mask_id_number, mask_phone

from .admin_base import HistoryAdminBase, ModelAdminBase
from .admin_base import staff_user as staff_user  # where the apps' admins import it from
from .exports import ListExportMixin
from .models import (
    Caregiver,
    Division,
    Provider,
    Resident,
)
from .paginators import CappedCountPaginator
from .personal_data import personal_data_reveal
from .scoping import (
    divisions_visible_to,
    kinds_visible_to,
    providers_visible_to,
    scope_queryset,
    user_can_see_personal_data,
)


def _limit_foreign_keys(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """Offer only providers and divisions inside the user's jurisdiction."""
    if db_field.related_model is Provider:
        kwargs["queryset"] = providers_visible_to(staff_user(request)).select_related(None)
    elif db_field.related_model is Division:
        kwargs["queryset"] = divisions_visible_to(staff_user(request))


def preselect_only_choice(db_field: Any, kwargs: dict[str, Any]) -> None:
    """A required choice the user's jurisdiction narrows to one row starts on that row (a
    district clerk's own district): nothing to pick. An optional one stays empty."""
    queryset = kwargs.get("queryset")
    if queryset is None or db_field.blank or "initial" in kwargs:
        return
    first_two = list(queryset.values_list("pk", flat=True)[:2])
    if len(first_two) == 1:
        kwargs["initial"] = first_two[0]


# Records never created through another form's "+" link: a division is a unit of the
# jurisdiction tree (added on its own page, with that page's checks); a draw is a public,
# audited act of its own. The link is hidden whatever the user's permissions.
NO_ADD_FROM_ANOTHER_FORM = frozenset({"registry.division", "inspections.draw"})


def hide_add_link(formfield: Any, db_field: Any) -> None:
    """No "+" beside a choice of a model in ``NO_ADD_FROM_ANOTHER_FORM``."""
    widget = getattr(formfield, "widget", None)
    related = getattr(db_field, "related_model", None)
    if (
        isinstance(widget, RelatedFieldWidgetWrapper)
        and related is not None
        and related._meta.label_lower in NO_ADD_FROM_ANOTHER_FORM
    ):
        widget.can_add_related = False


class ScopedAdminMixin(HistoryAdminBase):
    """Limit the admin to the user's jurisdiction; anything outside it is a 404."""

    scope_path_lookup = "provider__division__path"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope_queryset(super().get_queryset(request), staff_user(request), self.scope_path_lookup)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such record in your jurisdiction."))
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _limit_foreign_keys(db_field, request, kwargs)
        preselect_only_choice(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        hide_add_link(formfield, db_field)
        return formfield

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A provider's kind: only the kinds the user's department sees (a health-commission
        # clerk does not add an elderly home they could not open afterwards).
        if isinstance(db_field.model, type) and issubclass(db_field.model, Provider) and db_field.name == "kind":
            kinds = kinds_visible_to(staff_user(request))
            if kinds is not None:
                kwargs["choices"] = [(v, label) for v, label in db_field.get_choices() if v == "" or v in kinds]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        # simple-history falls back to the historical rows of objects the queryset hides;
        # never show another jurisdiction's history.
        self.get_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        self.get_object(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    pass


class ReadOnlyAdminMixin(ModelAdminBase):
    """Records written only by services (logs, computed lines): nobody adds, edits or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class KeptNumberInput(AdminTextInputWidget):
    """The input of a number on record: it starts empty, the masked number as its hint;
    with ``removable`` (an optional number) a checkbox beside it removes the number."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, removable: bool = False) -> None:
        super().__init__(attrs)
        self.removable = removable

    @staticmethod
    def remove_name(name: str) -> str:
        return f"{name}-remove"

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        html = super().render(name, value, attrs, renderer)
        if not self.removable:
            return html
        checkbox_id = f"{(attrs or {}).get('id') or 'id_' + name}_remove"
        return format_html(
            '{} <input type="checkbox" name="{}" id="{}"><label class="vCheckboxLabel" for="{}">{}</label>',
            html,
            self.remove_name(name),
            checkbox_id,
            checkbox_id,
            _("Remove the number on record"),
        )


class PersonalDataForm(forms.ModelForm):
    """An existing person's ID and phone numbers are never sent back to the browser: each
    input starts empty (the masked number as a hint) and keeps the number on record unless
    a new one is typed to correct it; a phone on record can also be removed (a checkbox)."""

    kept_numbers = {"id_number": mask_id_number, "phone": mask_phone}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.removed_numbers: set[str] = set()
        if not self.instance.pk:
            return
        for name, mask in self.kept_numbers.items():
            field = self.fields.get(name)
            if field is None:
                continue
            on_record = getattr(self.instance, name)
            optional = not field.required
            field.required = False
            field.widget = KeptNumberInput(
                {**field.widget.attrs, "placeholder": mask(on_record)}, removable=optional and bool(on_record)
            )
            field.help_text = _("Leave empty to keep the number on record; type a new one only to correct it.")
            self.initial[name] = ""

    def _kept(self, name: str) -> str:
        value = str(self.cleaned_data.get(name) or "")
        if not self.instance.pk:
            return value
        if self.data.get(KeptNumberInput.remove_name(self.add_prefix(name))) and not self.fields[name].disabled:
            if value:
                raise ValidationError(
                    _("Type a new number or remove the one on record, not both."), code="kept_number_contradiction"
                )
            if getattr(self.instance, name):
                self.removed_numbers.add(name)
            return ""
        return value or str(getattr(self.instance, name) or "")

    @property
    def changed_data(self) -> list[str]:
        # The input of a removed number stays empty as it started: name it as changed all the
        # same (the admin's change message).
        changed = super().changed_data
        return changed + [name for name in sorted(self.removed_numbers) if name not in changed]

    def clean_id_number(self) -> str:
        return self._kept("id_number")

    def clean_phone(self) -> str:
        return self._kept("phone")


class MaskedHistoryContext(HistoricalRecordContextHelper):
    """The history list's changes with ID and phone numbers masked and keyed hashes hidden."""

    masks = PersonalDataForm.kept_numbers

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if isinstance(field, KeyedHashField):
            return "…"
        mask = self.masks.get(change.field)
        if mask is not None:
            return mask(str(value or ""))
        return super().prepare_delta_change_value(change, value)


class PersonalDataAdminMixin(HistoryAdminBase):
    """ID and phone numbers are masked in lists, forms and history for everyone; a user
    with the personal-data permission may *reveal* one person's numbers, which is audited,
    may search by a whole ID or phone number, and exports full numbers (also audited)."""

    form = PersonalDataForm
    change_form_template = "admin/registry/personal_change_form.html"
    masked_fields = PersonalDataForm.kept_numbers
    formfield_overrides = {EncryptedTextField: {"widget": AdminTextInputWidget}}  # a number, not a textarea

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj: Resident | Caregiver) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Resident | Caregiver) -> str:
        return mask_phone(obj.phone)

    def shows_masked_text(self, request: HttpRequest, obj: Any) -> bool:
        """An existing person's numbers as masked text, not inputs: for a user who may not
        see personal data, and for one who may only view the record (a read-only field
        would print the number in full)."""
        return obj is not None and not (
            user_can_see_personal_data(staff_user(request)) and self.has_change_permission(request, obj)
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if self.shows_masked_text(request, obj):
            fields = [f"{f}_masked" if f in self.masked_fields else f for f in fields]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if self.shows_masked_text(request, obj):
            readonly += [f"{f}_masked" for f in self.masked_fields]
        return readonly

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = list(super().get_search_fields(request))
        if user_can_see_personal_data(staff_user(request)):
            fields += ["=id_number", "=phone"]  # whole numbers, through their keyed hashes
        return fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # A URL filter such as ?id_number__startswith=1502031940 would reveal a masked
        # number one digit at a time; only whole-number matches, and only with the permission.
        # The keyed hashes are never filtered on: ?id_number_hash__startswith=ab would be an
        # oracle for a hash anyone may then compare.
        field, _sep, rest = lookup.partition("__")
        if field in self.hash_fields():
            return False
        if field in self.masked_fields and (
            request is None
            or not user_can_see_personal_data(staff_user(request))
            or rest not in {"", "exact", "iexact"}
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def hash_fields(self) -> set[str]:
        model: Any = self.model
        return {f.name for f in model._meta.get_fields() if isinstance(f, KeyedHashField)}

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return MaskedHistoryContext(self.model, historical_record)

    # --- reveal ----------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        opts = self.model._meta
        site = self.admin_site
        return [
            path(
                "<path:object_id>/reveal/",
                site.admin_view(self.reveal_view),
                name=f"{opts.app_label}_{opts.model_name}_reveal",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_reveal": user_can_see_personal_data(staff_user(request)),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Show one person's full ID and phone numbers, once, and audit that they were shown."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not user_can_see_personal_data(staff_user(request)):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        numbers = personal_data_reveal(person=obj, user=staff_user(request))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": _("Personal data of %(person)s") % {"person": obj},
            **numbers,
        }
        return TemplateResponse(request, "admin/registry/personal_data_reveal.html", context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if not user_can_see_personal_data(staff_user(request)):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ProviderChildAdmin(ListExportMixin, ScopedHistoryAdmin):
    actions = ["export_xlsx", "export_csv"]
    # Residents run to hundreds of thousands: no COUNT of the whole table, and the filtered
    # rows counted only up to 10,000 ("more than 10,000" past that).
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_select_related = ["provider", "provider__division"]
    search_fields = ["provider__name", "provider__uscc"]
    autocomplete_fields = ["provider"]
