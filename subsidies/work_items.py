"""The subsidies app's part of the workbench (registry/workbench.py): what waits for the
district clerk, the reviewer and the finance office, each a count and the list that
resolves it, and the finance office's forecast.

Each item counts in one query the rows of a list scoped to the user's jurisdiction as that
list's admin scopes it, narrowed by the rule of ``waiting.py`` that the list's filter
(``work_filters.py``) applies too: the count and the list agree (docs/subsidies.md
"Workbench"). ``register_work_items`` is called from ``SubsidiesConfig.ready``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from registry.admin_filters import started_this_week
from registry.models import ProviderHold, User
from registry.scoping import scope_by_coverage, scope_queryset
from registry.staff import roles
from registry.workbench import WorkItem, WorkPanel

from . import waiting
from .forecast import payment_forecast
from .models import (
    Award,
    ConstructionGrant,
    GrantLine,
    GrantRun,
    Instalment,
    PaymentBatch,
    PaymentItem,
    Recovery,
    SubsidyScheme,
)
from .review import with_last_review_step

CLERK = frozenset({roles.DISTRICT_CLERK})
REVIEWER = frozenset({roles.CITY_REVIEWER})
FINANCE = frozenset({roles.FINANCE})
# Finance approves batches too (it holds approve_paymentbatch): the item shows once, in the
# first of the user's sections that has it.
BATCH_CHECKERS = frozenset({roles.CITY_REVIEWER, roles.FINANCE})
ORDER = 300  # after the registry's items


def changelist_url(model: type[Model], **params: str) -> str:
    """The model's back-office list with ``params`` as its filters."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


# --- each list as its admin scopes it -------------------------------------------------


def runs_of(user: User) -> QuerySet[GrantRun]:
    return with_last_review_step(scope_by_coverage(GrantRun.objects.all(), user, "division__path"))


def grants_of(user: User) -> QuerySet[ConstructionGrant]:
    return with_last_review_step(scope_queryset(ConstructionGrant.objects.all(), user, "provider__division__path"))


def awards_of(user: User) -> QuerySet[Award]:
    return with_last_review_step(scope_queryset(Award.objects.all(), user, "evaluation__provider__division__path"))


def batches_of(user: User) -> QuerySet[PaymentBatch]:
    return scope_queryset(PaymentBatch.objects.all(), user, "division__path")


def instalments_of(user: User) -> QuerySet[Instalment]:
    return scope_queryset(Instalment.objects.all(), user, "grant__provider__division__path")


def lines_of(user: User) -> QuerySet[GrantLine]:
    return scope_queryset(GrantLine.objects.all(), user, "provider__division__path")


def recoveries_of(user: User) -> QuerySet[Recovery]:
    return scope_queryset(Recovery.objects.all(), user, "provider__division__path")


def holds_of(user: User) -> QuerySet[ProviderHold]:
    return scope_queryset(ProviderHold.objects.all(), user, "provider__division__path")


def payment_items_of(user: User) -> QuerySet[PaymentItem]:
    return scope_queryset(PaymentItem.objects.all(), user, "provider__division__path")


# --- the items ---------------------------------------------------------------------------

Count = Callable[[User, datetime.date], int]


def _count(rows: Callable[[User, datetime.date], QuerySet[Any]]) -> Count:
    return lambda user, today: rows(user, today).count()


def _url(model: type[Model], **params: str) -> Callable[[User, datetime.date], str]:
    return lambda user, today: changelist_url(model, **params)


ITEMS = [
    # District clerk
    WorkItem(
        key="subsidies.runs_not_prepared",
        label=_("Monthly schemes without a run for the last closed month"),
        roles=CLERK,
        count=_count(lambda user, today: waiting.schemes_without_run(SubsidyScheme.objects.all(), user, today)),
        url=_url(SubsidyScheme, run_missing="last_month"),
        hint=lambda: _("Months are paid after they happen: prepare the month that has ended."),
        order=ORDER,
    ),
    WorkItem(
        key="subsidies.released_lines",
        label=_("Withheld lines whose hold has ended, waiting to be paid"),
        roles=CLERK,
        count=_count(lambda user, today: waiting.released_from_hold(lines_of(user))),
        url=_url(GrantLine, hold="released"),
        order=ORDER + 1,
    ),
    # Reviewer
    WorkItem(
        key="subsidies.runs_to_review",
        label=_("Monthly runs waiting for your approval"),
        roles=REVIEWER,
        count=_count(lambda user, today: waiting.awaiting_review_by(runs_of(user), user)),
        url=_url(GrantRun, review="mine"),
        order=ORDER + 10,
    ),
    WorkItem(
        key="subsidies.grants_to_review",
        label=_("Construction grants waiting for your approval"),
        roles=REVIEWER,
        count=_count(lambda user, today: waiting.awaiting_review_by(grants_of(user), user)),
        url=_url(ConstructionGrant, review="mine"),
        order=ORDER + 11,
    ),
    WorkItem(
        key="subsidies.instalments_to_release",
        label=_("Instalments due, waiting for the release review"),
        roles=REVIEWER,
        count=_count(lambda user, today: waiting.instalments_awaiting_release(instalments_of(user), user, today)),
        url=_url(Instalment, release="due"),
        hint=lambda: _("Released only in their own year; never by a preparer of the grant."),
        order=ORDER + 12,
    ),
    WorkItem(
        key="subsidies.awards_to_review",
        label=_("Operating awards waiting for your approval"),
        roles=REVIEWER,
        count=_count(lambda user, today: waiting.awaiting_review_by(awards_of(user), user)),
        url=_url(Award, review="mine"),
        order=ORDER + 13,
    ),
    WorkItem(
        key="subsidies.batches_to_review",
        label=_("Payment batches waiting for your approval"),
        roles=BATCH_CHECKERS,
        count=_count(lambda user, today: waiting.awaiting_review_by(batches_of(user), user)),
        url=_url(PaymentBatch, review="mine"),
        order=ORDER + 14,
    ),
    WorkItem(
        key="subsidies.holds_this_week",
        label=_("Payment holds opened this week"),
        roles=REVIEWER,
        count=_count(lambda user, today: holds_of(user).filter(started_this_week(today))),
        url=_url(ProviderHold, started="this_week"),
        order=ORDER + 15,
    ),
    # Finance
    WorkItem(
        key="subsidies.batches_to_export",
        label=_("Payment batches approved, payment file not exported"),
        roles=FINANCE,
        count=_count(lambda user, today: batches_of(user).filter(state=PaymentBatch.State.APPROVED)),
        url=_url(PaymentBatch, state__exact=PaymentBatch.State.APPROVED),
        order=ORDER + 20,
    ),
    WorkItem(
        key="subsidies.batches_to_reconcile",
        label=_("Payment batches exported, bank result not reconciled"),
        roles=FINANCE,
        count=_count(lambda user, today: batches_of(user).filter(state=PaymentBatch.State.EXPORTED)),
        url=_url(PaymentBatch, state__exact=PaymentBatch.State.EXPORTED),
        order=ORDER + 21,
    ),
    WorkItem(
        key="subsidies.failed_payments",
        label=_("Payments the bank reported failed, not yet paid again"),
        roles=FINANCE,
        count=_count(lambda user, today: waiting.failed_not_paid_again(payment_items_of(user))),
        url=_url(PaymentItem, bank="failed"),
        urgent=True,
        order=ORDER + 22,
    ),
    WorkItem(
        key="subsidies.recoveries_by_transfer",
        label=_("Recoveries outstanding, to be repaid by transfer"),
        roles=FINANCE,
        count=_count(lambda user, today: recoveries_of(user).filter(status=Recovery.Status.OPEN, offset_allowed=False)),
        url=_url(Recovery, status__exact=Recovery.Status.OPEN, offset_allowed__exact="0"),
        order=ORDER + 23,
    ),
    WorkItem(
        key="subsidies.recoveries_by_offset",
        label=_("Recoveries outstanding, offset against later payments"),
        roles=FINANCE,
        count=_count(lambda user, today: recoveries_of(user).filter(status=Recovery.Status.OPEN, offset_allowed=True)),
        url=_url(Recovery, status__exact=Recovery.Status.OPEN, offset_allowed__exact="1"),
        order=ORDER + 24,
    ),
]


def forecast_context(user: User, today: datetime.date) -> dict[str, Any] | None:
    """The finance forecast panel's context; None when nothing is due."""
    forecast = payment_forecast(user=user, today=today)
    if not forecast.rows:
        return None
    return {"forecast": forecast, "next_year": forecast.year + 1}


PANELS = [
    WorkPanel(
        key="subsidies.payment_forecast",
        label=_("Payments due this year and next, by payer level and scheme"),
        roles=FINANCE,
        template="subsidies/workbench/forecast.html",
        context=forecast_context,
        order=ORDER + 30,
    )
]
