"""Provider lifecycle: legal and illegal transitions, records written, who may do what."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from factories import BAOTOU, DONGHE, HOHHOT, KUNDULUN, REGION, ProviderFactory

from registry.lifecycle import allowed_actions, provider_transition
from registry.models import Provider, ProviderStatus, ProviderStatusChange
from registry.staff import roles

S = ProviderStatus
A = ProviderStatusChange.Action

pytestmark = pytest.mark.django_db

TERMINAL = [S.CLOSED, S.REVOKED]


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


@pytest.fixture
def provider(divisions):
    return ProviderFactory()


def act(provider, action, actor, *, reason="依据检查结果", on=None, **kwargs):
    return provider_transition(
        provider=provider, action=action, reason=reason, effective_on=on or today(), actor=actor, **kwargs
    )


def status_of(provider) -> str:
    return Provider.objects.get(pk=provider.pk).status


# --- legal transitions ------------------------------------------------------------------


def test_provider_goes_through_file_certify_suspend_and_reinstate_back_to_certified(provider, superuser):
    seen = []
    for action in [A.FILE, A.CERTIFY, A.SUSPEND, A.REINSTATE]:
        act(provider, action, superuser)
        seen.append(provider.status)

    assert seen == [S.FILED, S.CERTIFIED, S.SUSPENDED, S.CERTIFIED]
    assert status_of(provider) == S.CERTIFIED


def test_provider_suspended_while_filed_is_reinstated_to_filed(provider, superuser):
    act(provider, A.FILE, superuser)
    act(provider, A.SUSPEND, superuser)

    change = act(provider, A.REINSTATE, superuser)

    assert status_of(provider) == S.FILED
    assert (change.from_status, change.to_status) == (S.SUSPENDED, S.FILED)


def test_reinstatement_returns_to_the_status_before_the_latest_suspension(provider, superuser):
    for action in [A.FILE, A.SUSPEND, A.REINSTATE, A.CERTIFY, A.SUSPEND]:
        act(provider, action, superuser)

    act(provider, A.REINSTATE, superuser)

    assert status_of(provider) == S.CERTIFIED


@pytest.mark.parametrize("action, target", [(A.CLOSE, S.CLOSED), (A.REVOKE, S.REVOKED)])
@pytest.mark.parametrize("path", [[A.FILE], [A.FILE, A.CERTIFY], [A.FILE, A.CERTIFY, A.SUSPEND]])
def test_filed_certified_or_suspended_provider_can_be_closed_or_revoked(provider, superuser, path, action, target):
    for step in path:
        act(provider, step, superuser)

    act(provider, action, superuser)

    assert status_of(provider) == target


def test_allowed_actions_follow_the_status(provider, superuser):
    assert allowed_actions(provider) == [A.FILE]
    act(provider, A.FILE, superuser)
    assert allowed_actions(provider) == [A.CERTIFY, A.SUSPEND, A.CLOSE, A.REVOKE]
    act(provider, A.SUSPEND, superuser)
    assert allowed_actions(provider) == [A.REINSTATE, A.CLOSE, A.REVOKE]
    act(provider, A.CLOSE, superuser)
    assert allowed_actions(provider) == []


# --- illegal transitions -----------------------------------------------------------------


def refused(provider, action, actor, **kwargs) -> ValidationError:
    before = ProviderStatusChange.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as info:
        act(provider, action, actor, **kwargs)
    assert ProviderStatusChange.objects.count() == before, "a refused transition wrote a status change"
    return info.value


def test_certifying_a_draft_is_refused_naming_the_status(provider, superuser):
    error = refused(provider, A.CERTIFY, superuser)

    assert "Draft" in " ".join(error.messages)
    assert status_of(provider) == S.DRAFT


def test_reinstating_a_certified_provider_is_refused_naming_the_status(provider, superuser):
    act(provider, A.FILE, superuser)
    act(provider, A.CERTIFY, superuser)

    error = refused(provider, A.REINSTATE, superuser)

    assert "Certified" in " ".join(error.messages)
    assert status_of(provider) == S.CERTIFIED


@pytest.mark.parametrize("action", [A.SUSPEND, A.REINSTATE, A.CLOSE, A.REVOKE])
def test_a_draft_can_only_be_filed(provider, superuser, action):
    refused(provider, action, superuser)

    assert status_of(provider) == S.DRAFT


@pytest.mark.parametrize("ending", [A.CLOSE, A.REVOKE])
@pytest.mark.parametrize("action", list(A))
def test_nothing_is_possible_after_closure_or_revocation(provider, superuser, ending, action):
    act(provider, A.FILE, superuser)
    act(provider, ending, superuser)
    final = status_of(provider)

    error = refused(provider, action, superuser)

    assert {S.CLOSED: "Closed", S.REVOKED: "Revoked"}[final] in " ".join(error.messages)
    assert status_of(provider) == final


def test_a_stale_copy_cannot_file_the_provider_twice(provider, superuser):
    stale = Provider.objects.get(pk=provider.pk)
    act(provider, A.FILE, superuser)

    refused(stale, A.FILE, superuser)

    assert provider.status_changes.count() == 1


# --- reason and effective date -------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_a_reason_is_required(provider, superuser, reason):
    error = refused(provider, A.FILE, superuser, reason=reason)

    assert set(error.message_dict) == {"reason"}
    assert status_of(provider) == S.DRAFT


def test_an_effective_date_in_the_future_is_refused(provider, superuser):
    error = refused(provider, A.FILE, superuser, on=today() + datetime.timedelta(days=1))

    assert set(error.message_dict) == {"effective_on"}
    assert status_of(provider) == S.DRAFT


def test_an_effective_date_before_the_previous_change_is_refused(provider, superuser):
    act(provider, A.FILE, superuser, on=days_ago(10))

    error = refused(provider, A.CERTIFY, superuser, on=days_ago(11))

    assert set(error.message_dict) == {"effective_on"}
    assert days_ago(10).isoformat() in " ".join(error.message_dict["effective_on"])
    assert status_of(provider) == S.FILED


def test_two_changes_on_the_same_day_are_allowed(provider, superuser):
    act(provider, A.FILE, superuser, on=days_ago(3))
    act(provider, A.CERTIFY, superuser, on=days_ago(3))

    assert status_of(provider) == S.CERTIFIED


def test_a_past_effective_date_is_kept(provider, superuser):
    act(provider, A.FILE, superuser, on=datetime.date(2020, 5, 6))
    act(provider, A.CERTIFY, superuser, on=datetime.date(2021, 7, 8))

    provider.refresh_from_db()
    assert provider.filed_on == datetime.date(2020, 5, 6)
    assert provider.certified_on == datetime.date(2021, 7, 8)
    assert provider.status_changed_on == datetime.date(2021, 7, 8)


# --- what is recorded ---------------------------------------------------------------------


def test_a_transition_writes_a_status_change_with_actor_reason_and_dates(provider, clerk):
    before = timezone.now()

    change = act(provider, A.FILE, clerk, reason="  材料齐全，予以备案  ", on=days_ago(2))

    stored = ProviderStatusChange.objects.get(provider=provider)
    assert stored == change
    assert (stored.action, stored.from_status, stored.to_status) == (A.FILE, S.DRAFT, S.FILED)
    assert stored.reason == "材料齐全，予以备案"
    assert stored.actor == clerk
    assert stored.effective_on == days_ago(2)
    assert stored.recorded_at >= before


def test_a_transition_writes_a_history_row_with_the_reason_and_the_actor(provider, clerk):
    act(provider, A.FILE, clerk, reason="材料齐全")

    latest = provider.history.order_by("-history_id").first()
    assert latest.status == S.FILED
    assert "材料齐全" in latest.history_change_reason
    assert latest.history_user == clerk


def test_filing_and_certifying_set_their_dates_and_later_changes_keep_them(provider, superuser):
    act(provider, A.FILE, superuser, on=days_ago(30))
    act(provider, A.CERTIFY, superuser, on=days_ago(20))
    act(provider, A.SUSPEND, superuser, on=days_ago(5))

    provider.refresh_from_db()
    assert provider.filed_on == days_ago(30)
    assert provider.certified_on == days_ago(20)
    assert provider.status_changed_on == days_ago(5)


def test_the_callers_provider_object_shows_the_new_status(provider, superuser):
    act(provider, A.FILE, superuser)

    assert provider.status == S.FILED


# --- who may do it ---------------------------------------------------------------------------


def test_district_clerk_may_file_but_not_certify(provider, clerk):
    act(provider, A.FILE, clerk)

    with pytest.raises(PermissionDenied):
        act(provider, A.CERTIFY, clerk)
    assert status_of(provider) == S.FILED


def test_city_reviewer_of_the_city_may_certify_suspend_and_reinstate(provider, clerk, reviewer):
    act(provider, A.FILE, clerk)

    for action in [A.CERTIFY, A.SUSPEND, A.REINSTATE, A.REVOKE]:
        act(provider, action, reviewer)

    assert status_of(provider) == S.REVOKED


def test_city_reviewer_may_not_file(provider, reviewer):
    with pytest.raises(PermissionDenied):
        act(provider, A.FILE, reviewer)
    assert status_of(provider) == S.DRAFT


@pytest.mark.parametrize(
    "role, division_code", [(roles.DISTRICT_CLERK, DONGHE), (roles.CITY_REVIEWER, HOHHOT), (roles.DISTRICT_CLERK, None)]
)
def test_staff_outside_the_jurisdiction_are_refused(provider, make_staff, role, division_code):
    with translation.override("en"), pytest.raises(PermissionDenied) as info:
        act(provider, A.FILE if role == roles.DISTRICT_CLERK else A.CERTIFY, make_staff(role, division_code))

    assert status_of(provider) == S.DRAFT
    if division_code:
        assert "jurisdiction" in str(info.value)


@pytest.mark.parametrize("role", [roles.FINANCE, roles.INSPECTOR, roles.AUDIT_ADMIN, None])
def test_roles_without_the_permission_are_refused(provider, make_staff, role):
    with pytest.raises(PermissionDenied):
        act(provider, A.FILE, make_staff(role, KUNDULUN))

    assert status_of(provider) == S.DRAFT
    assert not provider.status_changes.exists()


def test_inactive_staff_are_refused(provider, make_staff):
    user = make_staff(roles.DISTRICT_CLERK, KUNDULUN, is_active=False)

    with pytest.raises(PermissionDenied):
        act(provider, A.FILE, user)


def test_region_level_reviewer_may_act_anywhere_in_the_region(provider, clerk, make_staff):
    act(provider, A.FILE, clerk)

    act(provider, A.CERTIFY, make_staff(roles.CITY_REVIEWER, REGION))

    assert status_of(provider) == S.CERTIFIED


def test_permission_check_can_be_skipped_by_trusted_callers(provider, make_staff):
    # e.g. an import run by a command; the actor is still recorded.
    finance = make_staff(roles.FINANCE, BAOTOU)

    change = act(provider, A.FILE, finance, check_permission=False)

    assert change.actor == finance
    assert status_of(provider) == S.FILED
