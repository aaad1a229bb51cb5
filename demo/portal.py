"""Demo provider users and their history in the portal (issue 18).

One provider user per kind of provider, for a certified (else filed) provider of that kind
in Baotou, preferring Kundulun and Qingshan, whose demo clerks review them:
``provider_<kind>`` with the demo password (README lists them). Each has sent its current
vacancies (or the day's attendance) ten days ago, accepted by its district's clerk, so the
public page shows "reported by the provider"; the Kundulun home and the Qingshan nursery
have one waiting for review (the clerks' workbench shows it); the Donghe nursery had one
returned with a reason. The home also sent last week's team self-check and yesterday's
shift handover (one tap each), and the rectification of its earliest open finding, which
waits for the inspector. Everything goes through the portal's services; then the dates
are set back to when the demo says it happened. The history is written only for a demo of
today (the forms refuse counts older than a month, by the calendar, not the demo's day).
Idempotent: an existing user is left as is.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from inspections.models import Finding
from inspections.records import findings_to_rectify
from portal.access import access_grant
from portal.models import Submission
from portal.submissions import (
    KINDS,
    json_data,
    submission_accept,
    submission_return,
    submission_save,
    submission_submit,
)
from registry.models import Provider, ProviderKind, ProviderStatus, User
from registry.occupancy import vacancy_capacity
from registry.staff import roles

from .baotou import DEMO_PASSWORD
from .people import days

USERNAMES: dict[str, str] = {
    ProviderKind.ELDERLY_INSTITUTION: "provider_home",
    ProviderKind.TOWNSHIP_HOME: "provider_township",
    ProviderKind.DAY_CARE_CENTRE: "provider_daycare",
    ProviderKind.SERVICE_STATION: "provider_station",
    ProviderKind.HAPPINESS_HOME: "provider_happiness",
    ProviderKind.MEDICAL_ELDERLY: "provider_medical",
    ProviderKind.INFANT_CARE: "provider_infantcare",
    ProviderKind.NURSERY: "provider_nursery",
    ProviderKind.KINDERGARTEN_CLASS: "provider_kgclass",
    ProviderKind.COMMUNITY_CHILDCARE: "provider_community",
    ProviderKind.WORKPLACE_CHILDCARE: "provider_workplace",
    ProviderKind.HOME_CHILDCARE: "provider_homecare",
}
PREFERRED = ["150203", "150204"]  # Kundulun, Qingshan: their clerks are the demo's reviewers
WAITING = {"provider_home", "provider_nursery"}
RETURN_REASON = "空余床位数与本月入住登记不符，请核对后重新报送。"


def provider_for(kind: str) -> Provider | None:
    preference = Case(
        *[When(division__code=code, then=Value(n)) for n, code in enumerate(PREFERRED)],
        default=Value(len(PREFERRED)),
        output_field=IntegerField(),
    )
    status_order = Case(When(status=ProviderStatus.CERTIFIED, then=Value(0)), default=Value(1))
    return (
        Provider.objects.filter(kind=kind, status__in=[ProviderStatus.CERTIFIED, ProviderStatus.FILED])
        .annotate(preference=preference, status_order=status_order)
        .order_by("status_order", "preference", "name")
        .first()
    )


def clerk_for(provider: Provider) -> User | None:
    """The demo district clerk closest to the provider (a district's before the city's)."""
    clerks = User.objects.filter(is_staff=True, groups__name=roles.DISTRICT_CLERK, jurisdiction__isnull=False)
    covering = [
        (len(jurisdiction.path), clerk)
        for clerk in clerks.select_related("jurisdiction")
        if (jurisdiction := clerk.jurisdiction) is not None and provider.division.path.startswith(jurisdiction.path)
    ]
    return max(covering, key=lambda pair: pair[0], default=(0, None))[1]


def report(provider: Provider, user: User, day: datetime.date, share: float) -> Submission:
    """A vacancies (or attendance) submission of ``day``, sent."""
    capacity = vacancy_capacity(provider)
    if capacity is None:
        capacity_a_day = provider.day_capacity or 30
        kind, data = "attendance", {"day": day.isoformat(), "attended": round(capacity_a_day * share)}
    else:
        kind, data = "vacancies", {"as_of": day.isoformat(), "vacant": round(capacity * (1 - share)), "note": ""}
    submission = submission_save(provider=provider, kind=kind, data=data, user=user)
    return submission_submit(submission=submission, user=user)


def one_tap(provider: Provider, user: User, kind: str, **changes: Any) -> Submission | None:
    """A checklist sent as a phone sends it when everything is in order: the form's own
    starting values, and ``changes``; None when the form refuses it (nothing is due)."""
    form = KINDS[kind].form(provider=provider)
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, "")}
    data.update(changes)
    bound = KINDS[kind].form(data=data, provider=provider)
    if not bound.is_valid():
        return None
    submission = submission_save(provider=provider, kind=kind, data=json_data(bound.cleaned_data), user=user)
    return submission_submit(submission=submission, user=user)


def own_checks(provider: Provider, user: User, today: datetime.date) -> int:
    """The home's own checks: last week's team self-check (three days ago), yesterday's shift
    handover, and the rectification of its earliest open finding, waiting for the inspector."""
    sent = 0
    week = one_tap(provider, user, "weekly_check", day=(today - days(3)).isoformat(), people="护理部 李娜、王芳")
    handover = one_tap(provider, user, "shift_handover", day=(today - days(1)).isoformat(), people="李娜交班，张伟接班")
    for submission, day in ((week, today - days(3)), (handover, today - days(1))):
        if submission is not None:
            backdate(submission, day, day)
            sent += 1
    finding = findings_to_rectify(provider).filter(status=Finding.Status.OPEN).first()
    if finding is not None and finding.inspection.inspected_on < today:
        rectified = one_tap(
            provider,
            user,
            "rectification",
            finding=str(finding.pk),
            statement="已按要求整改完毕，整改前后照片留存备查。",
            rectified_on=(today - days(1)).isoformat(),
        )
        sent += rectified is not None
    return sent


def backdate(submission: Submission, sent: datetime.date, reviewed: datetime.date | None) -> None:
    at = datetime.datetime.combine(sent, datetime.time(9, 30), tzinfo=datetime.UTC)
    values = {"created_at": at, "submitted_at": at}
    if reviewed is not None:
        values["reviewed_at"] = datetime.datetime.combine(reviewed, datetime.time(15, 0), tzinfo=datetime.UTC)
    Submission.objects.filter(pk=submission.pk).update(**values)


@transaction.atomic
def seed(today: datetime.date) -> dict[str, int]:
    created = {"provider users": 0, "submissions": 0}
    for kind, username in USERNAMES.items():
        if User.objects.filter(username=username).exists():
            continue
        provider = provider_for(kind)
        clerk = clerk_for(provider) if provider else None
        if provider is None or clerk is None:
            continue
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            email=f"{username}@demo.invalid",
            first_name=provider.contact_person or provider.name[:20],
        )
        access_grant(user=user, provider=provider, actor=clerk)
        created["provider users"] += 1
        if today != timezone.localdate():
            continue
        accepted = report(provider, user, today - days(10), 0.8)
        submission_accept(submission=accepted, actor=clerk)
        backdate(accepted, today - days(10), today - days(9))
        created["submissions"] += 1
        if kind == ProviderKind.ELDERLY_INSTITUTION:
            created["submissions"] += own_checks(provider, user, today)
        if username in WAITING:
            waiting = report(provider, user, today - days(1), 0.85)
            backdate(waiting, today - days(1), None)
            created["submissions"] += 1
        if kind == ProviderKind.NURSERY and provider.division.code != "150202":
            other = Provider.objects.filter(kind=kind, division__code="150202", status=ProviderStatus.CERTIFIED).first()
            other_clerk = clerk_for(other) if other else None
            if other is not None and other_clerk is not None:
                user_b = User.objects.create_user(
                    username="provider_nursery_donghe", password=DEMO_PASSWORD, email="nursery_donghe@demo.invalid"
                )
                access_grant(user=user_b, provider=other, actor=other_clerk)
                returned = report(other, user_b, today - days(6), 0.5)
                submission_return(submission=returned, actor=other_clerk, reason=RETURN_REASON)
                backdate(returned, today - days(6), today - days(5))
                created["provider users"] += 1
                created["submissions"] += 1
    return created
