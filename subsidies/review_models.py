"""The review history of everything approved by maker-checker (grant runs, construction
grants, operating awards, payment batches): each submission, return (with its reason),
approval and rejection, as one row. ``review.py`` holds the rules; ``models.py`` imports
this module at its end so that Django registers the model as the subsidies app's.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReviewEvent(models.Model):
    """One step of an object's review: who did what when, and why (a return or a
    rejection always has a reason). Rows are only ever added."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned to the preparer")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+", verbose_name=_("object type"))
    object_id = models.PositiveBigIntegerField(_("object id"))
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("review step"), max_length=20, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["content_type", "object_id", "at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="review_event_object")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=["returned", "rejected"]) | ~Q(reason=""),
                name="review_return_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
