"""The platform's records: the audit trail, tasks kept while the broker was down, and the
earlier passwords of staff accounts. Their tables keep the ``registry_`` names they were
created with (issue 15 moved the models here without moving a row)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit_labels import action_label, actor_label


class PasswordHistory(models.Model):
    """A password hash an account used before (never shown; see passwords.PasswordHistoryValidator)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("account"))
    password = models.CharField(_("password"), max_length=128)
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)

    class Meta:
        db_table = "registry_passwordhistory"
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")

    def __str__(self) -> str:
        return f"{self.user} {self.replaced_at:%Y-%m-%d}"


class DeferredTask(models.Model):
    """A background task the broker could not take (Redis down): kept here, nothing lost,
    and sent again by ``safeguards.deferred.deferred_tasks_send`` once the broker answers."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    created_at = models.DateTimeField(_("deferred at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        db_table = "registry_deferredtask"
        verbose_name = _("deferred background task")
        verbose_name_plural = _("deferred background tasks")
        ordering = ["pk"]
        indexes = [models.Index(fields=["sent_at", "id"], name="deferred_task_pending")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


class AuditEntry(models.Model):
    """One audited event. Append-only: a PostgreSQL trigger refuses UPDATE and DELETE
    (``manage.py prune_audit`` is the only way out, and only for old entries)."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    chain_hash = models.CharField(
        _("chain hash"),
        max_length=64,
        blank=True,
        db_default="",
        help_text=_("HMAC of this entry and the one before it: a changed or removed entry breaks the chain."),
    )

    class Meta:
        db_table = "registry_auditentry"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        # The bureau's time and the action's words (issue 21), as the list shows them.
        return (
            f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {action_label(self.action)} {actor_label(self.actor_name)}"
        )
