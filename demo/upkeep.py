"""Keeping the demo register current on a later day: what providers did since the demo's
data were written (``seed_demo`` run again moves the demo forward).

* A food business licence or a liability policy that has expired since is renewed (the new
  one starts before the old one ends, so no day is uncovered), except the food licence the
  demo lets lapse (``baotou.FOOD_LICENCE_LAPSES``: that home stays on hold).
* An annual report that fell due since is sent on time, except by the homes in
  ``baotou.OVERDUE_REPORTS``, which stay one report behind.

What expired or fell due before the demo was first written is left as the plan made it (a
few policies lapsed long ago). Deterministic: the renewals are numbered from the provider
and the year. Idempotent: a second run the same day renews nothing."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from registry.models import AnnualReport, LegalForm, Licence, Provider, ProviderStatus, User

from .baotou import CHANGE_REASON, FOOD_LICENCE_LAPSES, OVERDUE_REPORTS, SEED, SYSTEM_USERNAME
from .people import add_years, days
from .records import TERM_YEARS, annual_report, last_report_due

OPERATING = [ProviderStatus.FILED, ProviderStatus.CERTIFIED]


@transaction.atomic
def seed(today: datetime.date) -> dict[str, int]:
    actor = User.objects.get(username=SYSTEM_USERNAME)
    began = demo_began(actor)
    providers = list(Provider.objects.filter(status__in=OPERATING).order_by("pk"))
    return {
        "licences renewed": renew_licences(providers, began, today, actor),
        "reports sent": send_reports(providers, began, today, actor),
    }


def demo_began(actor: User) -> datetime.date:
    """The day the demo was first written: its system user joined then (``people.ensure_system_user``)."""
    return timezone.localdate(actor.date_joined)


def renew_licences(providers: list[Provider], began: datetime.date, today: datetime.date, actor: User) -> int:
    """Renew, until they cover ``today``, the licences that expired since the demo ``began``."""
    renewals = []
    for provider in providers:
        for kind, years in TERM_YEARS.items():
            if kind == Licence.Kind.FOOD_BUSINESS and provider.name == FOOD_LICENCE_LAPSES:
                continue
            latest = provider.licences.filter(kind=kind).order_by("-issued_on").first()
            if latest is None or latest.expires_on is None or latest.expires_on < began:
                continue
            rng = random.Random(f"{SEED}:{provider.pk}:{kind}")
            while latest.expires_on is not None and latest.expires_on < today:
                issued = latest.expires_on - days(rng.randint(3, 25))
                latest = Licence(
                    provider=provider,
                    kind=kind,
                    number=f"{latest.number.rstrip('R0123456789')[:60]}R{issued.year}{rng.randrange(10**5):05d}",
                    issuer=latest.issuer,
                    issued_on=issued,
                    expires_on=add_years(issued, years) - days(1),
                    premium_yuan=latest.premium_yuan,
                )
                renewals.append(latest)
    bulk_create_with_history(renewals, Licence, default_user=actor, default_change_reason=CHANGE_REASON)
    return len(renewals)


def send_reports(providers: list[Provider], began: datetime.date, today: datetime.date, actor: User) -> int:
    """The annual reports that fell due since the demo ``began``, sent on time."""
    reports = []
    last_due = last_report_due(today)
    for provider in providers:
        if provider.legal_form != LegalForm.NON_PROFIT:
            continue
        last = last_due - 1 if provider.name in OVERDUE_REPORTS else last_due
        sent = set(provider.annual_reports.values_list("year", flat=True))
        capacity = {"beds": provider.beds, "childcare_places": provider.childcare_places}
        for year in range(last_report_due(began) + 1, last + 1):
            if year in sent:
                continue
            values = annual_report(random.Random(f"{SEED}:{provider.pk}:{year}"), capacity, year)
            reports.append(AnnualReport(provider=provider, **values))
    bulk_create_with_history(reports, AnnualReport, default_user=actor, default_change_reason=CHANGE_REASON)
    return len(reports)
