"""The monthly census as a spreadsheet (issue 18): a home's residents roster, an infant-care
provider's children roster — the files the clerks import, through the same engine.

The provider chooses the file and checks it ("Check the file" saves a draft): the engine
previews it for the provider's own rows (``registry.rosters.own``), and every row error
is shown with its row and column, nothing kept; a file without errors is kept with the
preview (how many rows are new, changed, unchanged, and what each changed row changes),
which the provider then sends and the clerk reads. Accepting imports the file as the
clerk, all rows or none, and only as previewed: if the data changed since (a clerk edited
a resident meanwhile), the import is refused and the clerk returns it to be checked again.

The check's outcome (the file's SHA-256, the plan's fingerprint, the counts and the
preview) is kept signed in the submission's data (``checked``): it is what accepting
imports, and what the clerk reads cannot be edited in the browser.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from childcare.children import is_childcare_provider
from childcare.rosters import OWN_CHILDREN
from registry.models import User
from registry.roster_admin import changes_with_labels
from registry.rosters.engine import NEW, Plan
from registry.rosters.kinds import RosterKind
from registry.rosters.own import OWN_RESIDENTS, own_roster_check, own_roster_import, row_error_messages
from registry.rosters.resources import masked

from ..models import Submission
from ..submissions import SubmissionForm, SubmissionKind, register_kind
from ..uploads import ROSTER_TYPES
from .census import houses_residents
from .files import sent_file, stored_file, submitted_file

SALT = "portal.roster_check"
CHANGES_SHOWN = 30  # changed rows the preview describes one by one
NAMES_SHOWN = 30  # names of new rows it lists


class PreviewWidget(forms.Widget):
    """What the last check found, as text; nothing of it is posted back."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        text = value or _("Choose the file and check it: what it would change is shown here.")
        lines = format_html_join("", "{}<br>", ((line,) for line in str(text).splitlines()))
        return format_html('<output id="id_{}" class="muted">{}</output>', name, lines)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> None:
        return None


def preview_text(kind: RosterKind, plan: Plan) -> str:
    """The plan as the provider and the clerk read it: the counts, each changed row's
    changes (codes by their label, personal numbers masked) and the new rows' names."""
    lines = [
        _("%(new)d new rows, %(changed)d changed, %(unchanged)d unchanged.")
        % {"new": plan.count("new"), "changed": plan.count("changed"), "unchanged": plan.count("unchanged")}
    ]
    headers = {c.field: c.header for c in kind.columns}
    personal = {headers[name]: name for name in kind.personal if name in headers}
    changes = [
        [row.row, [[headers.get(name, name), old, new] for name, (old, new) in row.changes.items()]]
        for row in plan.changed[:CHANGES_SHOWN]
    ]
    names = {row.row: row.values.get("name") or "" for row in plan.changed[:CHANGES_SHOWN]}
    for number, fields in changes_with_labels(kind, changes):
        described = "; ".join(
            f"{header}: {masked(personal[header], old) if header in personal else old or '-'} → "
            f"{masked(personal[header], new) if header in personal else new or '-'}"
            for header, old, new in fields
        )
        row = {"row": number, "name": names[number], "changes": described}
        lines.append(_("Row %(row)d, %(name)s: %(changes)s") % row)
    if plan.count("changed") > CHANGES_SHOWN:
        lines.append(_("and %(n)d more changed rows.") % {"n": plan.count("changed") - CHANGES_SHOWN})
    new_names = [str(row.values.get("name") or "") for row in plan.rows if row.action == NEW][:NAMES_SHOWN]
    if new_names:
        more = plan.count("new") - len(new_names)
        listed = _("New: %(names)s") % {"names": "、".join(new_names)}
        lines.append(listed + (_(" and %(n)d more.") % {"n": more} if more else ""))
    return "\n".join(lines)


class RosterForm(SubmissionForm):
    """A roster file, checked by the engine for the provider's own rows."""

    roster: ClassVar[RosterKind]
    code: ClassVar[str]  # the submission kind's
    check_first = True  # the generic page offers "Check the file" (a draft), then Send from the result
    files_label = gettext_lazy("Roster file (.xlsx or .csv)")

    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)
    preview = forms.CharField(label=gettext_lazy("What the file changes"), required=False, widget=PreviewWidget)
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = reverse("portal:roster_template", args=[self.provider.pk, self.code])
        self.fields["preview"].help_text = format_html(
            '<a href="{}">{}</a>', template, _("Download the spreadsheet with its columns")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            check = self.check_sent() or self.check_kept(data.get("checked") or "")
        except ValidationError as error:
            self.add_error(None, error)
            return data
        data["checked"] = signing.dumps(check, salt=SALT)
        data["preview"] = check["preview"]
        return data

    def check_sent(self) -> dict[str, Any] | None:
        """The engine's preview of the file sent with this request; its row errors refuse it."""
        sent = sent_file(self, ROSTER_TYPES)
        if sent is None:
            return None
        plan = own_roster_check(self.roster, provider=self.provider, data=sent.data, filename=sent.filename)
        if not plan.valid:
            errors = row_error_messages(sorted(plan.errors, key=lambda e: (e.row, e.column)))
            raise ValidationError([_("Nothing was kept: correct these rows and check the file again."), *errors])
        preview = preview_text(self.roster, plan)
        return {"sha256": sent.sha256, "digest": plan.digest, "counts": plan.counts, "preview": preview}

    def check_kept(self, value: str) -> dict[str, Any]:
        """The outcome of an earlier check, signed, whose file the provider still has."""
        if not value:
            raise ValidationError(_("Choose the roster file and check it."), code="no_file")
        try:
            check: dict[str, Any] = signing.loads(value, salt=SALT)
        except signing.BadSignature:
            raise ValidationError(_("Choose the roster file and check it again."), code="bad_check") from None
        if stored_file(self.provider, check.get("sha256", ""), ROSTER_TYPES) is None:
            raise ValidationError(_("Choose the roster file and check it again."), code="no_file")
        return check


def apply_roster(submission: Submission, form: SubmissionForm, actor: User) -> str:
    """Import the checked file as the clerk, exactly as previewed."""
    roster_form: Any = form
    check = signing.loads(form.cleaned_data["checked"], salt=SALT)
    file = submitted_file(submission, check["sha256"])
    counts = own_roster_import(
        roster_form.roster,
        provider=submission.provider,
        data=file.data,
        filename=file.filename,
        user=actor,
        expected_digest=check["digest"],
        source=submission,
    )
    return _("Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.") % counts


class ResidentsRosterForm(RosterForm):
    roster = OWN_RESIDENTS
    code = "residents_roster"


class ChildrenRosterForm(RosterForm):
    roster = OWN_CHILDREN
    code = "children_roster"


register_kind(
    SubmissionKind(
        code=ResidentsRosterForm.code,
        label=gettext_lazy("Residents roster (spreadsheet)"),
        form=ResidentsRosterForm,
        apply=apply_roster,
        applies_to=houses_residents,
        upload_types=ROSTER_TYPES,
        help_text=gettext_lazy(
            "The district office's residents spreadsheet with your rows: check it, then send it. It adds and "
            "changes residents; a discharge is a row with its discharge date."
        ),
        order=25,
    )
)
register_kind(
    SubmissionKind(
        code=ChildrenRosterForm.code,
        label=gettext_lazy("Children roster (spreadsheet)"),
        form=ChildrenRosterForm,
        apply=apply_roster,
        applies_to=is_childcare_provider,
        upload_types=ROSTER_TYPES,
        help_text=gettext_lazy(
            "The district office's children spreadsheet with your rows: check it, then send it. It adds and "
            "changes children; a child who left is a row with the day they left."
        ),
        order=25,
    )
)
