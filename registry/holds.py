"""Payment holds: opened by one app (inspections), read by another (subsidies), and the
rule for what pauses a provider's payments (DOMAIN §7)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import CreditRecord, Licence, Provider, ProviderHold
from .periods import start_of_day
from .selectors import covers, holds_in_force


def hold_open(*, provider: Provider, source: str, reason: str) -> ProviderHold:
    """Open a hold for ``source``; opening it again while open returns the same hold."""
    existing = ProviderHold.objects.filter(provider=provider, source=source, ended_at__isnull=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return ProviderHold.objects.create(
                provider=provider, source=source, reason=reason, started_at=timezone.now()
            )
    except IntegrityError:  # a concurrent caller opened it first
        return ProviderHold.objects.get(provider=provider, source=source, ended_at__isnull=True)


def hold_close(*, provider: Provider, source: str) -> int:
    """Close the open hold for ``source``; returns how many were closed (0 or 1)."""
    return ProviderHold.objects.filter(provider=provider, source=source, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


def hold_source_label(source: str) -> tuple[str, str | None]:
    """What opened a hold, as a clerk reads it, and the admin page of that record if it has one.

    ``source`` names a record as "app_label.model:pk" (e.g. an inspection finding,
    "inspections.finding:6"); the model is found through the apps registry, so registry
    imports no app that opens holds. The record's ``hold_label`` (or its str) says what it
    is. A source that names no record is shown as it is."""
    model_name, _sep, pk = source.partition(":")
    try:
        model = apps.get_model(model_name)
        record = model._default_manager.get(pk=pk)
    except (LookupError, ValueError, ObjectDoesNotExist):
        return source, None
    what = getattr(record, "hold_label", None) or str(record)
    text = _("%(kind)s: %(record)s") % {"kind": capfirst(model._meta.verbose_name), "record": what}
    try:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
    except NoReverseMatch:
        url = None
    return text, url


def active_holds(provider: Provider, at: datetime.datetime | None = None) -> list[ProviderHold]:
    """Holds in force at ``at`` (default now): the subsidies app pays nothing while any exist."""
    at = at or timezone.now()
    return list(ProviderHold.objects.filter(holds_in_force(at), provider=provider))


# --- what pauses payment (DOMAIN §7: holds pause money, they do not forfeit it) -------------

# A lapsed licence pauses payment (DOMAIN §7 "licence lapse") when it is a condition of
# operating: fire acceptance or filing (000:439-447) and the food business licence of a
# provider that runs a canteen. A liability policy that lapses does not: insurance is
# encouraged with co-funding (000:1065-1073), not required, and a lapsed policy is simply
# not co-funded.
LAPSE_HOLD_KINDS = (Licence.Kind.FIRE_ACCEPTANCE, Licence.Kind.FIRE_FILING, Licence.Kind.FOOD_BUSINESS)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class HoldSpan:
    """One pause of a provider's payments: in force from ``started_on`` to ``last_day``
    (None: still in force), released on ``released_on`` — the day a hold was closed (it
    held part of that day), the day after a blacklisting's last day, the day a new licence
    was issued."""

    started_on: datetime.date
    last_day: datetime.date | None
    released_on: datetime.date | None
    reason: str

    def in_force_on(self, day: datetime.date) -> bool:
        """Whether it still holds at the end of ``day`` (a hold closed that day does not)."""
        return self.started_on <= day and (self.released_on is None or self.released_on > day)

    def touches(self, first: datetime.date, last: datetime.date) -> bool:
        """Whether it held at some moment of the days ``first`` to ``last``."""
        return self.started_on <= last and (self.last_day is None or self.last_day >= first)


def _lapsed_licence(today: datetime.date) -> Exists:
    """A licence of ``LAPSE_HOLD_KINDS`` has expired and none of its kind is current today."""
    current = Licence.objects.filter(provider=OuterRef("provider"), kind=OuterRef("kind"), issued_on__lte=today).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    lapsed = Licence.objects.filter(provider=OuterRef("pk"), kind__in=LAPSE_HOLD_KINDS, expires_on__lt=today)
    return Exists(lapsed.filter(~Exists(current)))


def providers_on_hold(at: datetime.datetime | None = None) -> QuerySet[Provider]:
    """Providers whose payments are paused at ``at`` (default now): an open hold (an open
    major hazard, from the inspections app), a blacklisting in force that day, or a lapsed
    licence (``LAPSE_HOLD_KINDS``). Payment batches take nothing of theirs (subsidies/payments.py)."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    open_hold = ProviderHold.objects.filter(holds_in_force(at), provider=OuterRef("pk"))
    blacklisted = CreditRecord.objects.filter(
        covers(today, today, start="start_on", end="end_on"), provider=OuterRef("pk"), kind=CreditRecord.Kind.BLACKLIST
    ).filter(withdrawn_on__isnull=True)  # annulled on objection: it never stood (registry.disclosure)
    return Provider.objects.filter(Exists(open_hold) | Exists(blacklisted) | _lapsed_licence(today))


def hold_reasons_now(provider_ids: Iterable[int]) -> dict[int, list[str]]:
    """Why each of these providers' payments are paused today (absent: they are not)."""
    today = timezone.localdate()
    reasons = {
        provider_id: [span.reason for span in spans if span.in_force_on(today)]
        for provider_id, spans in hold_spans(provider_ids, since=today).items()
    }
    return {pk: found for pk, found in reasons.items() if found}


def hold_spans(provider_ids: Iterable[int], *, since: datetime.date) -> dict[int, list[HoldSpan]]:
    """Every pause of these providers' payments in force on ``since`` or later, oldest
    first (three queries): open or closed holds, blacklistings, lapsed licences."""
    ids = list(provider_ids)
    spans: dict[int, list[HoldSpan]] = defaultdict(list)
    for hold in ProviderHold.objects.filter(provider_id__in=ids).exclude(ended_at__lt=start_of_day(since)):
        released = timezone.localdate(hold.ended_at) if hold.ended_at else None
        spans[hold.provider_id].append(HoldSpan(timezone.localdate(hold.started_at), released, released, hold.reason))
    for record in CreditRecord.objects.filter(
        provider_id__in=ids, kind=CreditRecord.Kind.BLACKLIST, withdrawn_on__isnull=True
    ).exclude(end_on__lt=since):
        released = record.end_on + ONE_DAY if record.end_on else None
        spans[record.provider_id].append(HoldSpan(record.start_on, record.end_on, released, _("Blacklisted.")))
    licences: dict[tuple[int, str], list[Licence]] = defaultdict(list)
    for licence in Licence.objects.filter(provider_id__in=ids, kind__in=LAPSE_HOLD_KINDS).order_by("issued_on"):
        licences[(licence.provider_id, licence.kind)].append(licence)
    for (provider_id, kind), held in licences.items():
        for gap in _licence_gaps(held):
            if gap.released_on is None or gap.released_on > since:
                reason = _("%(licence)s lapsed.") % {"licence": Licence.Kind(kind).label}
                spans[provider_id].append(HoldSpan(gap.started_on, gap.last_day, gap.released_on, reason))
    return {pk: sorted(found, key=lambda s: s.started_on) for pk, found in spans.items()}


def _licence_gaps(licences: list[Licence]) -> list[HoldSpan]:
    """The days between a licence's expiry and the next licence of its kind (``licences``
    in order of issue), and after the last one if it has expired."""
    gaps: list[HoldSpan] = []
    covered_to: datetime.date | None = None  # the last day covered so far
    open_ended = False
    for licence in licences:
        if covered_to is not None and not open_ended and licence.issued_on > covered_to + ONE_DAY:
            gaps.append(HoldSpan(covered_to + ONE_DAY, licence.issued_on - ONE_DAY, licence.issued_on, ""))
        if licence.expires_on is None:
            open_ended = True
        elif covered_to is None or licence.expires_on > covered_to:
            covered_to = licence.expires_on
    if covered_to is not None and not open_ended and covered_to < timezone.localdate():
        gaps.append(HoldSpan(covered_to + ONE_DAY, None, None, ""))
    return gaps
