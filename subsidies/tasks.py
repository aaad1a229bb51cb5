"""Celery tasks of the subsidies app: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.periods import parse_month, previous_month

from .instalments import instalments_review
from .models import SubsidyScheme
from .recoveries import recover_from_closed_providers
from .runs import MONTHLY_KINDS, run_refresh

# Who refreshed a run in the audit log when the monthly task did (safeguards/audit_labels.py).
MONTHLY_RUNS_ACTOR = "refresh_monthly_runs"


@shared_task(acks_late=True)
def refresh_monthly_runs(period: str | None = None) -> dict[str, str]:
    """Create or refresh the draft runs of every monthly scheme for ``period`` (default:
    last month). Approved runs are skipped, so running twice does nothing twice."""
    month = parse_month(period) if period else previous_month(timezone.localdate())
    results = {}
    for code in SubsidyScheme.objects.filter(kind__in=MONTHLY_KINDS).values_list("code", flat=True):
        try:
            run = run_refresh(scheme_code=code, period=month, actor_name=MONTHLY_RUNS_ACTOR)
        except ValidationError as error:
            results[code] = " ".join(error.messages)
        else:
            results[code] = f"{run.lines.count()} lines"
    return results


@shared_task(acks_late=True)
def review_instalments(year: int | None = None) -> dict[str, int]:
    """Release, withhold or cancel the construction instalments due this year (idempotent)."""
    return instalments_review(year=year or timezone.localdate().year)


@shared_task(acks_late=True)
def recover_from_closures() -> int:
    """Open recovery claims for closed or revoked providers whose grants were paid.
    Idempotent: one recovery per grant (a unique constraint)."""
    return recover_from_closed_providers(on=timezone.localdate())
