"""What an audit entry's action and object type read as (issue 21: a readable audit log).

Actions are stored as "subject.verb" codes (``personal_data.reveal``, ``provider.close``,
``care_level_weight.change``); the code stays in the database and in the CSV export, and
screens show ``action_label(action)``. A whole action with its own wording is in
``ACTION_LABELS``; any other is composed from its subject and verb, so an action added
later still reads as words (an unknown part is shown as it is). Object types are stored as
"app_label.Model" and shown by the model's verbose name.

An entry's before/after is read by ``entry_changes``: the object's field names and choice
labels where a key is one of its fields, ``KEY_LABELS`` for statistics and summaries.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

# Whole actions whose words are not "subject: verb".
ACTION_LABELS = {
    "login.success": _("Signed in"),
    "login.failure": _("Sign-in failed"),
    "logout": _("Signed out"),
    "permission.denied": _("Access refused"),
    "personal_data.reveal": _("Personal data revealed"),
    "personal_data.rotate_key": _("Personal-data key rotated"),
    "otp.enrol": _("Authenticator enrolled"),
    "otp.verify": _("Authenticator code accepted"),
    "otp.failure": _("Authenticator code refused"),
    "otp.reset": _("Authenticator reset"),
    "otp.backup_codes_generate": _("Backup codes generated"),
    "otp.backup_codes_regenerate": _("Backup codes replaced by a new set"),
    "otp.backup_code_use": _("Backup code used to sign in"),
    "otp.backup_codes_remove": _("Backup codes removed"),
    "account.password_set": _("Password set"),
    "account.password_change": _("Password changed"),
    "account.password_reset": _("Password reset"),
    "account.roles": _("Roles changed"),
    "audit.verify": _("Audit log verified"),
    "audit.prune": _("Old audit entries removed"),
    "audit.export": _("Audit log exported"),
    "data.export": _("Data exported"),
    "roster.import": _("Roster imported"),
    "roster.purge": _("Old roster files deleted"),
    "backup.create": _("Backup made"),
    "backup.restore_drill": _("Restore drill"),
    "lockout.unlock": _("Sign-in lock released"),
    # The provider portal (issue 18).
    "portal.invite": _("Invited to the provider portal"),
    "portal.invitation_accept": _("Portal invitation used"),
    "portal.access_grant": _("Portal access granted"),
    "portal.access_revoke": _("Portal access revoked"),
    "portal.login": _("Signed in to the provider portal"),
    "portal.upload": _("File uploaded to the portal"),
    "portal.upload_purge": _("Old portal uploads deleted"),
    "portal.submission_save": _("Provider submission saved"),
    "portal.submission_submit": _("Provider submission sent"),
    "portal.submission_accept": _("Provider submission accepted"),
    "portal.submission_return": _("Provider submission returned"),
    "occupancy.vacancies": _("Vacancies reported by the provider"),
    "occupancy.attendance": _("Daily attendance recorded"),
    # Concerns from citizens (issue 19).
    "concern.receive": _("Concern received"),
    "concern.investigate": _("Concern: investigation started"),
    "concern.close": _("Concern closed"),
    "concern.note": _("Concern: internal notes changed"),
    "concern.contact_purge": _("Contacts of concerns closed long ago deleted"),
}

# The thing an action is about (the part before the dot).
SUBJECT_LABELS = {
    "accident_policy": _("Accident insurance policy"),
    "account": _("Staff account"),
    "annual_report": _("Annual financial report"),
    "audit": _("Audit log"),
    "award": _("Operating award"),
    "backup": _("Backup"),
    "batch": _("Payment batch"),
    "care_level_weight": _("Care-level weight"),
    "child": _("Child"),
    "childcare_class": _("Childcare class"),
    "childcare_worker": _("Childcare staff member"),
    "class_standard": _("Class standard"),
    "credit_disclosure": _("Credit disclosure (licence or penalty)"),
    "credit_objection": _("Credit objection"),
    "self_check": _("Provider self-check"),
    "data": _("Data"),
    "division": _("Administrative division"),
    "draw": _("Random draw"),
    "fee_item": _("Fee item"),
    "grade": _("Provider grade"),
    "finding": _("Inspection finding"),
    "grant": _("Construction grant"),
    "inspection": _("Inspection"),
    "lockout": _("Sign-in lock"),
    "overlap": _("Overlapping stay"),
    "provider": _("Provider"),
    "rate": _("Rate"),
    "review": _("Review"),
    "recovery": _("Recovery"),
    "resident": _("Resident"),
    "role": _("Role"),
    "roster": _("Roster"),
    "run": _("Grant run"),
    "scheme": _("Subsidy scheme"),
}

# What was done (the part after the dot).
VERB_LABELS = {
    "add": pgettext_lazy("audit verb", "added"),
    "admit": pgettext_lazy("audit verb", "admitted"),
    "approve": pgettext_lazy("audit verb", "approved"),
    "approved": pgettext_lazy("audit verb", "approved"),  # review.approved (subsidies/review.py)
    "cancel": pgettext_lazy("audit verb", "cancelled"),
    "certify": pgettext_lazy("audit verb", "certified"),
    "change": pgettext_lazy("audit verb", "changed"),
    "change_of_use": pgettext_lazy("audit verb", "change of use"),
    "close": pgettext_lazy("audit verb", "closed (deregistered)"),
    "confirm": pgettext_lazy("audit verb", "confirmed"),
    "create": pgettext_lazy("audit verb", "created"),
    "decide": pgettext_lazy("audit verb", "decided"),
    "delete": pgettext_lazy("audit verb", "deleted"),
    "discharge": pgettext_lazy("audit verb", "discharged"),
    "edit": pgettext_lazy("audit verb", "edited"),
    "escalate": pgettext_lazy("audit verb", "escalated"),
    "export": pgettext_lazy("audit verb", "exported"),
    "file": pgettext_lazy("audit verb", "filed"),
    "freeze": pgettext_lazy("audit verb", "drawn and published"),
    "grant_at_server": pgettext_lazy("audit verb", "granted at the server"),
    "import": pgettext_lazy("audit verb", "imported"),
    "leave": pgettext_lazy("audit verb", "left"),
    "overpayment": pgettext_lazy("audit verb", "overpayment"),
    "permissions": pgettext_lazy("audit verb", "permissions changed"),
    "plan": pgettext_lazy("audit verb", "planned"),
    "prepare": pgettext_lazy("audit verb", "prepared"),
    "publish": pgettext_lazy("audit verb", "published"),
    "raise": pgettext_lazy("audit verb", "raised"),
    "reconcile": pgettext_lazy("audit verb", "reconciled"),
    "record": pgettext_lazy("audit verb", "recorded"),
    "rectify": pgettext_lazy("audit verb", "rectification recorded"),
    "refresh": pgettext_lazy("audit verb", "refreshed"),
    "refuse": pgettext_lazy("audit verb", "refused"),
    "reinstate": pgettext_lazy("audit verb", "reinstated"),
    "reject": pgettext_lazy("audit verb", "rejected"),
    "rejected": pgettext_lazy("audit verb", "rejected"),
    "repay": pgettext_lazy("audit verb", "repaid"),
    "request": pgettext_lazy("audit verb", "requested"),
    "return": pgettext_lazy("audit verb", "returned"),
    "returned": pgettext_lazy("audit verb", "returned"),
    "revoke": pgettext_lazy("audit verb", "revoked"),
    "status": pgettext_lazy("audit verb", "status changed"),
    "submit": pgettext_lazy("audit verb", "submitted"),
    "submitted": pgettext_lazy("audit verb", "submitted"),
    "suspend": pgettext_lazy("audit verb", "suspended"),
    "sync": pgettext_lazy("audit verb", "brought up to date"),
    "verify": pgettext_lazy("audit verb", "verified"),
    "withdraw": pgettext_lazy("audit verb", "withdrawn"),
    "withhold": pgettext_lazy("audit verb", "withheld"),
}


# Who acted when no person did: the commands and scheduled tasks that write audit entries.
SYSTEM_ACTORS = {
    "escalate_overdue_findings": _("Scheduled task: escalate overdue findings"),
    "plan_inspections": _("Scheduled task: plan inspections"),
    "sync_current_grades": _("Scheduled task: grades in force today"),
    "verify_audit": _("Scheduled task: verify the audit log"),
    "import_roster": _("Command line: roster import"),
    "run_operating_grants": _("Command line: operating grant run"),
    "refresh_monthly_runs": _("Scheduled task: monthly grant runs"),
    "manage.py grant_role": _("Command line: grant a role"),
    "server": _("Server administrator"),
    "public concern form": _("A citizen, through the public concern form"),
}


def actor_label(actor_name: str) -> str:
    """Who acted: a person's user name as it is; a command or task by what it is."""
    label = SYSTEM_ACTORS.get(actor_name)
    return str(label) if label is not None else actor_name


def action_label(action: str) -> str:
    """An audit action as words of the active language: "personal_data.reveal" → "Personal
    data revealed" (个人信息已查看); "provider.close" → "Provider: closed (deregistered)"."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    subject, dot, verb = action.partition(".")
    if not dot:
        return action
    subject_text = str(SUBJECT_LABELS.get(subject, subject))
    verb_text = str(VERB_LABELS.get(verb, verb))
    return pgettext("audit action: subject, verb", "%(subject)s: %(verb)s") % {
        "subject": subject_text,
        "verb": verb_text,
    }


# Keys of before/after that are not a field of the entry's object (statistics, summaries).
KEY_LABELS: dict[str, Promise] = {
    "kind": _("kind"),
    "lines": _("lines"),  # grant lines of a run (run.refresh, run.approve)
    "new": _("new rows"),
    "changed": _("changed rows"),
    "unchanged": _("unchanged rows"),
    "findings": _("findings"),
    "selected": _("providers drawn"),
    "tasks_assigned": _("tasks assigned"),
    "random_value": _("public random value"),
    "effective_on": _("effective on"),
    "contact_left": _("contact left"),
    # Two-factor backup codes and the upload retention purges (issue 20).
    "codes_left": _("backup codes left"),
    "rejected_uploads": _("rejected uploads"),
    "failed_uploads": _("failed uploads"),
    "cancelled_uploads": _("cancelled uploads"),
    "abandoned_uploads": _("abandoned uploads"),
    "unattached_uploads": _("uploads on no submission"),
    "missing_files": _("files already missing"),
}


def object_type_label(object_type: str) -> str:
    """An audited object's type by its model's name: "registry.Resident" → 入住老人 / resident.
    A type whose model no longer exists is shown as it is."""
    model = _model(object_type)
    return str(capfirst(model._meta.verbose_name)) if model is not None else object_type


def _model(object_type: str) -> type[Model] | None:
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def readable_value(value: Any, field: Field[Any, Any] | None = None) -> str:
    """A stored value as a reader says it: a choice by its label, yes/no, lists joined,
    nested statistics as "name: value"; nothing at all as an em dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list | tuple):
        return ", ".join(readable_value(item, field) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key_label(str(k))}: {readable_value(v)}" for k, v in value.items())
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def key_label(key: str, model: type[Model] | None = None) -> str:
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key


def entry_changes(*, object_type: str, before: Any, after: Any) -> list[tuple[str, str, str]]:
    """An audit entry's before/after as rows (field label, old, new): the object's field
    names and choice labels where the key is one of its fields. A before or after that is
    not a mapping is one row under no name."""
    model = _model(object_type)
    if before is None and after is None:
        return []
    if not isinstance(before, dict | None) or not isinstance(after, dict | None):
        return [("", readable_value(before), readable_value(after))]
    before, after = before or {}, after or {}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        field = _field(model, key)
        rows.append(
            (key_label(key, model), readable_value(before.get(key), field), readable_value(after.get(key), field))
        )
    return rows


def _field(model: type[Model] | None, key: str) -> Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, Field) else None
