"""The portal's pages (issue 18): thin; the rules are in ``access``, ``invitations``,
``submissions``, ``uploads`` and the kinds' modules."""

from __future__ import annotations

import io
import mimetypes
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from registry.models import User
from registry.rosters.guide import template_workbook
from registry.scoping import user_can_see_personal_data, user_can_see_provider
from safeguards.backup_codes import backup_code_status
from subsidies.statements import provider_statement

from .access import provider_of, providers_of
from .auth import provider_user_required
from .display import shown_fields, shown_value
from .invitations import invitation_accept, open_invitation
from .models import Submission, Upload
from .reminders import reminders_for
from .submissions import KINDS, bound_form, json_data, kinds_for, submission_save, submission_submit
from .uploads import XLSX, store_upload, upload_bytes


def portal_user(request: HttpRequest) -> User:
    """The signed-in provider user (``provider_user_required`` made sure there is one)."""
    return cast(User, request.user)


@provider_user_required
def home(request: HttpRequest) -> HttpResponse:
    providers = list(providers_of(request.user))
    if len(providers) == 1:
        return HttpResponseRedirect(reverse("portal:provider", args=[providers[0].pk]))
    return render(request, "portal/home.html", {"providers": providers})


@provider_user_required
def provider_home(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = provider_of(request.user, provider_id)
    submissions = (
        Submission.objects.filter(provider=provider).select_related("reviewed_by").order_by("-created_at")[:20]
    )
    context = {
        "provider": provider,
        "kinds": kinds_for(provider),
        "submissions": submissions,
        "reminders": reminders_for(provider),
        "several": providers_of(request.user).count() > 1,
        "backup_codes": backup_code_status(request.user),
    }
    return render(request, "portal/provider.html", context)


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the phone pick several photos at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Each of several files checked as ``FileField`` checks one (the view stores them all)."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


def _form_for(
    request: HttpRequest,
    kind_code: str,
    provider: Any,
    submission: Submission | None,
    initial: dict[str, Any] | None = None,
) -> Any:
    kind = KINDS.get(kind_code)
    if kind is None or not kind.applies_to(provider):
        raise Http404
    data = request.POST if request.method == "POST" else None
    initial = submission.data if submission is not None else initial
    form = kind.form(data=data, files=request.FILES or None, initial=initial, provider=provider)
    if kind.upload_types:
        form.fields["files"] = MultipleFileField(
            label=getattr(kind.form, "files_label", gettext_lazy("Files (photos or PDF)")),
            required=False,
            widget=MultipleFileInput(attrs={"accept": ",".join(sorted(kind.upload_types)), "multiple": True}),
        )
    return kind, form


@never_cache
@provider_user_required
def submission_edit(
    request: HttpRequest,
    provider_id: int,
    kind: str = "",
    submission_id: int | None = None,
    initial: dict[str, Any] | None = None,
) -> HttpResponse:
    """A new submission of ``kind`` (``initial``: what a page that leads here fills in,
    e.g. the finding a rectification answers), or a draft / returned one to correct."""
    provider = provider_of(request.user, provider_id)
    submission = None
    if submission_id is not None:
        submission = get_object_or_404(Submission.objects.filter(provider=provider), pk=submission_id)
        kind = submission.kind
        if submission.status not in {Submission.Status.DRAFT, Submission.Status.RETURNED}:
            return HttpResponseRedirect(reverse("portal:submission", args=[provider.pk, submission.pk]))
    kind_spec, form = _form_for(request, kind, provider, submission, initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                uploads = []
                if kind_spec.upload_types:
                    for file in request.FILES.getlist("files"):
                        uploads.append(
                            store_upload(
                                provider=provider, user=portal_user(request), file=file, accept=kind_spec.upload_types
                            )
                        )
                data = json_data({k: v for k, v in form.cleaned_data.items() if k != "files"})
                saved = submission_save(
                    provider=provider,
                    kind=kind,
                    data=data,
                    user=portal_user(request),
                    uploads=uploads,
                    submission=submission,
                )
                if "submit" in request.POST:
                    submission_submit(submission=saved, user=portal_user(request))
        except ValidationError as error:
            form.add_error("files" if "files" in form.fields else None, error)
        else:
            if "submit" in request.POST:
                messages.success(request, _sent_message(kind_spec))
            else:
                messages.success(request, _("Saved as a draft."))
            return HttpResponseRedirect(reverse("portal:submission", args=[provider.pk, saved.pk]))
    context = {"provider": provider, "kind": kind_spec, "form": form, "submission": submission}
    return render(request, "portal/submission_form.html", context)


@provider_user_required
def submission_detail(request: HttpRequest, provider_id: int, submission_id: int) -> HttpResponse:
    provider = provider_of(request.user, provider_id)
    submission = get_object_or_404(
        Submission.objects.filter(provider=provider).prefetch_related("uploads"), pk=submission_id
    )
    form = bound_form(submission)
    form.is_valid()
    rows = [(form.fields[name].label, _shown(form, name)) for name in shown_fields(form, submission.data)]
    context = {"provider": provider, "submission": submission, "kind": KINDS.get(submission.kind), "rows": rows}
    return render(request, "portal/submission_detail.html", context)


def _shown(form: Any, name: str) -> Any:
    """A submitted value as words (``display.shown_value``): the provider sees a personal
    number it sent masked, not the number again."""
    return shown_value(form, name, form.data.get(name), full_numbers=False)


@require_POST
@provider_user_required
def submission_send(request: HttpRequest, provider_id: int, submission_id: int) -> HttpResponse:
    provider = provider_of(request.user, provider_id)
    submission = get_object_or_404(Submission.objects.filter(provider=provider), pk=submission_id)
    try:
        submission_submit(submission=submission, user=portal_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _sent_message(KINDS[submission.kind]))
    return HttpResponseRedirect(reverse("portal:submission", args=[provider.pk, submission.pk]))


def _sent_message(kind: Any) -> str:
    """A log recorded when sent says so; anything else waits for the district office."""
    if kind.accepted_on_submit:
        return _("Sent and recorded.")
    return _("Sent. The district office will review it.")


@provider_user_required
def roster_template(request: HttpRequest, provider_id: int, kind: str) -> HttpResponse:
    """The spreadsheet of a roster kind (its columns, drop-down lists, an example row with
    the provider's own code), to fill in and send back; 404 for a kind the provider does
    not send."""
    provider = provider_of(request.user, provider_id)
    spec = KINDS.get(kind)
    roster = getattr(spec.form, "roster", None) if spec is not None else None
    if spec is None or roster is None or not spec.applies_to(provider):
        raise Http404
    response = HttpResponse(template_workbook(roster, None, provider), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{roster.name}-template.xlsx"'
    return response


@never_cache
def upload_file(request: HttpRequest, upload_id: int) -> HttpResponseBase:
    """A stored upload, to a provider user of its provider or a staff user who may see
    the provider (the clerk reviewing, the inspector verifying); 404 to anyone else."""
    upload = get_object_or_404(Upload.objects.select_related("provider__division"), pk=upload_id)
    user = request.user
    if not user.is_authenticated:
        raise Http404
    if user.is_staff:
        # A roster holds full ID numbers: only for staff who may see personal data.
        allowed = user_can_see_provider(user, upload.provider) and (
            not upload.encrypted or user_can_see_personal_data(user)
        )
    else:
        allowed = providers_of(user).filter(pk=upload.provider_id).exists()
    if not allowed:
        raise Http404
    response = FileResponse(io.BytesIO(upload_bytes(upload)), content_type=upload.content_type)
    extension = mimetypes.guess_extension(upload.content_type) or ""
    disposition = "inline" if upload.content_type.startswith("image/") or extension == ".pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="upload-{upload.pk}{upload.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class OpenAccountForm(forms.Form):
    username = forms.RegexField(
        label=gettext_lazy("User name"),
        regex=r"^[A-Za-z0-9_.-]{4,30}$",
        help_text=gettext_lazy("4 to 30 letters, digits, dots, hyphens or underscores."),
    )
    password1 = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=gettext_lazy("Password again"), widget=forms.PasswordInput)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"], User(username=data.get("username", "")))
            except ValidationError as error:
                self.add_error("password1", error)
        return data


@sensitive_post_parameters("password1", "password2")
@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open an account from an invitation, or add its provider to the signed-in account."""
    invited = open_invitation(token)
    if invited is None:
        return render(request, "portal/invitation_invalid.html", status=410)
    user = request.user
    if user.is_authenticated and user.is_staff:
        raise PermissionDenied
    if user.is_authenticated:
        if request.method == "POST":
            invitation_accept(invitation=invited, user=user)
            return HttpResponseRedirect(reverse("portal:provider", args=[invited.provider_id]))
        return render(request, "portal/invitation.html", {"invitation": invited, "form": None})
    form = OpenAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            name = invited.name
            account = User(username=form.cleaned_data["username"], first_name=name, email=invited.email, is_staff=False)
            account.set_password(form.cleaned_data["password1"])
            account.save()
            invitation_accept(invitation=invited, user=account)
        login(request, account, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(reverse("portal:provider", args=[invited.provider_id]))
    return render(request, "portal/invitation.html", {"invitation": invited, "form": form})


@provider_user_required
def money(request: HttpRequest, provider_id: int) -> HttpResponse:
    """The provider's statement of account (``subsidies.statements``), read-only."""
    provider = provider_of(request.user, provider_id)
    return render(request, "portal/money.html", {"provider": provider, "statement": provider_statement(provider)})
