"""Administration of staff accounts and roles, under the rules of ``registry.staff.separation``.

- **Staff users.** The system admin creates an account (no password: its owner gets a
  one-time link), edits names, e-mail and whether it is active, resets a password to a
  one-time link and withdraws a role. Roles, jurisdiction, superuser status and direct
  permissions are read-only here for everyone; nobody types another person's password
  (the break-glass superuser aside). The department (which kinds of provider the account
  sees, ``registry.scoping.DEPARTMENT_KINDS``) is set here, never on one's own account;
  every change of it is audited whatever path made it (``accounts``' watched fields).
- **Roles (groups)** are read-only for everyone: their permissions come from migrations.
- **Role grants.** The system admin requests a role (and jurisdiction); the security admin
  confirms or refuses it on its page. Only a confirmation changes the account.

Registered by ``RegistryConfig.ready`` (``register``), after django.contrib.auth's own
admin, which it replaces.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from ..admin_base import limit_choices
from ..admin_filters import ChoiceFilter
from ..admin_mixins import ScopedAdminMixin, staff_user
from ..models import RoleGrant, User
from ..scoping import divisions_visible_to, jurisdiction_path, scope_queryset
from . import accounts, separation
from .security_checks import staff_password_expired, staff_without_second_factor


class AccountCreationForm(forms.ModelForm):
    """A new staff account: who and where. No password: its owner sets one from a link."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "jurisdiction", "department"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].required = True  # every staff member works inside one


class SecondFactorFilter(ChoiceFilter):
    title = _("second factor")
    parameter_name = "second_factor"
    rules = {"none": (_("None"), staff_without_second_factor)}


class PasswordAgeFilter(ChoiceFilter):
    title = _("password age")
    parameter_name = "stale_password"  # UserAdmin refuses lookups starting with "password"
    rules = {"expired": (_("Past its maximum age"), staff_password_expired)}


class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    scope_path_lookup = "jurisdiction__path"
    change_form_template = "admin/registry/user/change_form.html"
    add_form = AccountCreationForm
    list_display = ["username", "first_name", "last_name", "jurisdiction", "department", "roles", "is_active"]
    list_filter = ["is_active", "groups", "department", SecondFactorFilter, PasswordAgeFilter]
    list_select_related = ["jurisdiction"]
    fieldsets = [
        (None, {"fields": ["username"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Status"), {"fields": ["is_active", "is_staff", "last_login", "date_joined", "password_changed_at"]}),
        (
            _("Roles and jurisdiction"),
            {"fields": ["roles", "jurisdiction", "department", "is_superuser", "user_permissions"]},
        ),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "first_name", "last_name", "email", "jurisdiction", "department"]}),
    ]

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return "、".join(sorted(group.name for group in obj.groups.all())) or "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request).prefetch_related("groups")
        if jurisdiction_path(staff_user(request)) == "":
            return queryset
        return queryset.exclude(jurisdiction__isnull=True)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        # Roles change through confirmed role grants, the jurisdiction with them; only a
        # superuser (break-glass) may grant superuser status or direct permissions.
        readonly = ["roles", "jurisdiction", "last_login", "date_joined", "password_changed_at"]
        if not separation.may_change_department(staff_user(request), obj):
            readonly.append("department")
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        actor = staff_user(request)
        if not change:
            reset = accounts.open_account(actor=actor, user=obj, site_url=request.build_absolute_uri("/"))
            self._announce_link(request, obj, reset)
            return
        before = {field: str(form.initial.get(field, "")) for field in form.changed_data}
        super().save_model(request, obj, form, change)
        if form.changed_data:
            after = {field: str(form.cleaned_data.get(field, "")) for field in form.changed_data}
            accounts.record_account_change(actor=actor, user=obj, before=before, after=after)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # Nobody types a password for someone else; they reset it to a one-time link.
        if not separation.may_set_password_directly(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    # --- reset a password to a one-time link ---------------------------------------------

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/reset-password/",
                self.admin_site.admin_view(self.reset_password_view),
                name="registry_user_reset_password",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_reset_password": request.user.has_perm("registry.change_user"),
            "can_request_role": request.user.has_perm("registry.add_rolegrant"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def reset_password_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self.get_object(request, object_id)
        try:
            reset = accounts.reset_password(
                actor=staff_user(request), user=user, site_url=request.build_absolute_uri("/")
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:registry_user_change", args=[user.pk]))
        return self._announce_link(request, user, reset) or HttpResponseRedirect(
            reverse("admin:registry_user_change", args=[user.pk])
        )

    def _announce_link(self, request: HttpRequest, user: User, reset: accounts.PasswordReset) -> HttpResponse | None:
        if reset.emailed_to:
            self.message_user(
                request,
                _("A one-time link to set a password was sent to %(email)s.") % {"email": reset.emailed_to},
                messages.SUCCESS,
            )
            return None
        request.session["one_time_link"] = {"user": user.pk, "link": request.build_absolute_uri(reset.link)}
        return None

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        # A link that could not be e-mailed is shown once, on the account's page, to hand over.
        pending = request.session.get("one_time_link")
        original = context.get("original")
        if pending and original is not None and pending.get("user") == original.pk:
            context["one_time_link"] = pending["link"]
            del request.session["one_time_link"]
        return super().render_change_form(request, context, *args, **kwargs)


class RoleGroupAdmin(admin.ModelAdmin):
    """The roles and what each may do, read-only for everyone: they are defined by the
    migrations, and nobody may give a role (their own least of all) more power."""

    list_display = ["name", "permission_count"]
    fields = readonly_fields = ("name", "permission_list")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).annotate(permission_total=Count("permissions"))

    @admin.display(description=_("permissions"), ordering="permission_total")
    def permission_count(self, obj: Any) -> int:
        return int(obj.permission_total)

    @admin.display(description=_("permissions"))
    def permission_list(self, obj: Group) -> str:
        permissions = obj.permissions.select_related("content_type").order_by("content_type__app_label", "codename")
        return format_html_join("", "<div>{}</div>", ((str(p.name),) for p in permissions))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "group", "jurisdiction", "reason"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        users = scope_queryset(User.objects.filter(is_active=True, is_superuser=False), actor, "jurisdiction__path")
        limit_choices(self, "user", users.exclude(pk=actor.pk).order_by("username"))
        limit_choices(self, "jurisdiction", divisions_visible_to(actor))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("user") and data.get("group"):
            try:
                separation.check_may_request_role(actor=self.actor, user=data["user"], group=data["group"])
            except ValidationError as error:
                raise ValidationError(error.messages) from error
            if RoleGrant.objects.filter(
                user=data["user"], group=data["group"], status=RoleGrant.Status.PENDING
            ).exists():
                raise ValidationError(_("This role is already waiting for confirmation for this account."))
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "refuse" in self.data and not data.get("note"):
            self.add_error("note", _("Say why the role is refused."))
        return data


class RoleGrantAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Role requests and their decisions; the security admin decides on the request's page."""

    scope_path_lookup = "user__jurisdiction__path"
    list_display = [
        "user",
        "group",
        "jurisdiction",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "group"]
    list_select_related = ["user", "group", "jurisdiction", "requested_by", "decided_by"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    readonly_fields = [
        "user",
        "group",
        "jurisdiction",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    change_form_template = "admin/registry/rolegrant/change_form.html"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        actor = staff_user(request)

        class BoundRoleGrantForm(RoleGrantForm):
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, actor=actor, **kw)

        if obj is None:
            kwargs["form"] = BoundRoleGrantForm
            kwargs["fields"] = RoleGrantForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decided with the buttons below the request, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        granted = accounts.request_role(
            actor=staff_user(request),
            user=obj.user,
            group=obj.group,
            jurisdiction=obj.jurisdiction,
            reason=obj.reason,
        )
        obj.pk = granted.pk
        obj.requested_by = granted.requested_by
        obj.requested_at = granted.requested_at

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="registry_rolegrant_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        grant = self.get_object(request, object_id)
        actor = staff_user(request)
        can_decide = grant.status == RoleGrant.Status.PENDING
        try:
            separation.check_may_decide_role_grant(actor=actor, grant=grant)
        except (PermissionDenied, ValidationError) as error:
            can_decide = False
            why = " ".join(error.messages) if isinstance(error, ValidationError) else ""
        else:
            why = ""
        extra_context = {
            **(extra_context or {}),
            "decision_form": DecisionForm() if can_decide else None,
            "cannot_decide_because": why if grant.status == RoleGrant.Status.PENDING else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        grant = self.get_object(request, object_id)
        form = DecisionForm(request.POST)
        change_url = reverse("admin:registry_rolegrant_change", args=[grant.pk])
        if not form.is_valid():
            self.message_user(request, " ".join(str(e) for e in form.errors.get("note", [])), messages.ERROR)
            return HttpResponseRedirect(change_url)
        actor = staff_user(request)
        try:
            if "refuse" in request.POST:
                accounts.refuse_role_grant(actor=actor, grant=grant, note=form.cleaned_data["note"])
                self.message_user(request, _("The role was refused."), messages.SUCCESS)
            else:
                accounts.confirm_role_grant(actor=actor, grant=grant, note=form.cleaned_data["note"])
                self.message_user(request, _("The role is confirmed and in force."), messages.SUCCESS)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        return HttpResponseRedirect(change_url)


class AdminLogEntryAdmin(admin.ModelAdmin):
    """Django's own record of what was added, changed and deleted in the admin, read-only
    for the audit admin (the audit log, registry.AuditEntry, is the fuller record)."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"
    fields = readonly_fields = (
        "action_time",
        "user",
        "content_type",
        "object_id",
        "object_repr",
        "action_flag",
        "change_message",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def register(site: admin.AdminSite = admin.site) -> None:
    """Put ours in place of django.contrib.auth's group admin, and add the others."""
    if site.is_registered(Group):
        site.unregister(Group)
    site.register(Group, RoleGroupAdmin)
    if not site.is_registered(User):
        site.register(User, UserAdmin)
    if not site.is_registered(RoleGrant):
        site.register(RoleGrant, RoleGrantAdmin)
    if not site.is_registered(LogEntry):
        site.register(LogEntry, AdminLogEntryAdmin)
