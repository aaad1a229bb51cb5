"""Staff accounts: every one works inside a jurisdiction (a division), and gets its roles
through a request one admin makes and another confirms (``registry.staff``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .divisions import Division


class StaffDepartment(models.TextChoices):
    """The department a staff user works for. Which providers each department supervises
    is ``registry.scoping.DEPARTMENT_KINDS`` (a health-commission inspector sees childcare only)."""

    CIVIL_AFFAIRS = "civil_affairs", _("Civil Affairs")
    HEALTH_COMMISSION = "health_commission", _("Health Commission")
    EMERGENCY_MANAGEMENT = "emergency_management", _("Emergency Management")
    MARKET_REGULATION = "market_regulation", _("Market Regulation")
    FIRE_RESCUE = "fire_rescue", _("Fire and Rescue Detachment")


class User(AbstractUser):
    """A staff user. Every staff user works inside one jurisdiction (a division)."""

    jurisdiction = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("jurisdiction"),
        help_text=_("The user sees and changes only providers inside this division."),
    )
    department = models.CharField(
        _("department"),
        max_length=30,
        choices=StaffDepartment.choices,
        blank=True,
        help_text=_(
            "Empty for the bureau's own staff, who see every kind of provider. A health-commission "
            "account sees childcare providers only; a civil-affairs account, elderly-care providers only."
        ),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True, editable=False)

    # Not a column: the watched fields as stored, kept by a pre_save receiver for the
    # post_save one that audits what changed (staff.accounts).
    _audit_before: dict[str, Any] | None

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # create_user() and createsuperuser hash the password without set_password():
        # the 90 days of a first password start when the account is saved.
        if self.password_changed_at is None and self.has_usable_password():
            self.password_changed_at = timezone.now()
        super().save(*args, **kwargs)


class RoleGrant(models.Model):
    """A request to give an account a role (and its jurisdiction), made by the system admin
    and in force only once the security admin confirms it (``registry.staff.accounts``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(User, models.CASCADE, related_name="role_grants", verbose_name=_("account"))
    group = models.ForeignKey("auth.Group", models.PROTECT, related_name="+", verbose_name=_("role"))
    jurisdiction = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("jurisdiction"),
        help_text=_("The account's jurisdiction once confirmed; empty keeps the one it has."),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-requested_at"]
        permissions = [("confirm_rolegrant", _("Can confirm or refuse role grants"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=Q(status="pending"),
                name="rolegrant_one_pending_per_role",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="rolegrant_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.group}"
