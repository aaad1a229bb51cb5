"""The list filters the workbench's links open (``work_items.py``): each applies the rule of
``waiting.py`` to the list's own queryset, already scoped to the user's jurisdiction, so
the list shows exactly the rows the workbench counted. Their labels say what the rows are
in the words of the workbench."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.admin_base import staff_user

from . import waiting


class _OneChoiceFilter(admin.SimpleListFilter):
    """One choice; each subclass defines ``narrow(request, queryset)``, the rule of
    ``waiting.py`` applied to the list's rows."""

    choice: tuple[str, Any]
    narrow: Callable[[HttpRequest, QuerySet[Any]], QuerySet[Any]]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [self.choice]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() != self.choice[0]:
            return queryset
        return self.narrow(request, queryset)


class RunNotPreparedFilter(_OneChoiceFilter):
    """Monthly schemes with no run of the last closed month covering the user's jurisdiction."""

    title = _("monthly run")
    parameter_name = "run_missing"
    choice = ("last_month", _("No run yet for the last closed month in your jurisdiction"))

    def narrow(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return waiting.schemes_without_run(queryset, staff_user(request), timezone.localdate())


class AwaitingMyReviewFilter(_OneChoiceFilter):
    """Submitted for review, not prepared by the user."""

    title = _("review")
    parameter_name = "review"
    choice = ("mine", _("Waiting for my review (not prepared by me)"))

    def narrow(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return waiting.awaiting_review_by(queryset, staff_user(request))


class AwaitingReleaseFilter(_OneChoiceFilter):
    """Instalments due, not yet decided by the release review, of grants the user did not prepare."""

    title = _("release")
    parameter_name = "release"
    choice = ("due", _("Due, waiting for the release review (grants I did not prepare)"))

    def narrow(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return waiting.instalments_awaiting_release(queryset, staff_user(request), timezone.localdate())


class ReleasedFromHoldFilter(_OneChoiceFilter):
    """Lines withheld by a hold that has ended, waiting for the next batch."""

    title = _("payment hold")
    parameter_name = "hold"
    choice = ("released", _("Withheld, hold ended: waiting to be paid"))

    def narrow(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return waiting.released_from_hold(queryset)


class FailedNotPaidAgainFilter(_OneChoiceFilter):
    """Items the bank reported failed, not yet in another batch."""

    title = _("bank result")
    parameter_name = "bank"
    choice = ("failed", _("Failed, not yet paid again"))

    def narrow(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return waiting.failed_not_paid_again(queryset)
