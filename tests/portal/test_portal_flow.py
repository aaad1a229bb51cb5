"""The provider portal (issue 18): a clerk invites, the provider opens an account once,
signs in at /portal/, sends its vacancies; the clerk accepts from the workbench and the
public page shows the provider's figure with its date; returned with a reason, the
provider corrects it. Staff and provider accounts never cross doors."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from factories import ProviderFactory
from portal_support import PASSWORD, provider_user, text_of

from portal.invitations import invite
from portal.models import Invitation, Submission
from portal.submissions import submission_accept, submission_return, submission_save, submission_submit
from registry.models import ProviderStatus, User, VacancyReport
from safeguards.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]


@pytest.fixture
def home() -> Any:
    return ProviderFactory(name="测试颐养院", status=ProviderStatus.CERTIFIED, beds=60, nursing_beds=0)


def test_invited_person_opens_an_account_once_and_lands_on_their_provider(
    home: Any, clerk: User, client_for: Callable[[User], Client], django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(clerk)
    page = staff.get(reverse("admin:registry_provider_change", args=[home.pk])).content.decode()
    assert reverse("admin:portal_invitation_add") + f"?provider={home.pk}" in page  # from the provider's page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:portal_invitation_add") + f"?provider={home.pk}",
            {"provider": home.pk, "name": "王院长", "email": "wang@example.invalid", "phone": ""},
            follow=True,
        )
    assert response.status_code == 200
    link = re.search(r"https?://[^\s<\"]+/portal/invitation/[^/\s<\"]+/", response.content.decode())
    assert link, response.content.decode()[:2000]
    path = link.group().split("8000", 1)[-1] if "8000" in link.group() else link.group()
    assert len(mail.outbox) == 1 and link.group() in mail.outbox[0].body
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in link.group()  # only the hash is stored

    visitor = Client()
    opened = visitor.post(path, {"username": "wang_yz", "password1": PASSWORD, "password2": PASSWORD}, follow=True)
    assert opened.redirect_chain[-1][0] == reverse("portal:provider", args=[home.pk])
    account = User.objects.get(username="wang_yz")
    assert not account.is_staff and account.check_password(PASSWORD)
    # Single use: the same link again is refused, for anyone.
    again = Client().get(path)
    assert again.status_code == 410
    assert AuditEntry.objects.filter(action="portal.invitation_accept").count() == 1


def test_an_expired_invitation_is_refused(home: Any, clerk: User) -> None:
    invited = invite(provider=home, name="李会计", phone="13904720000", actor=clerk)
    expired = timezone.now() - datetime.timedelta(seconds=1)
    Invitation.objects.filter(pk=invited.invitation.pk).update(expires_at=expired)
    path = "/" + invited.link.split("/", 3)[3]
    assert Client().get(path).status_code == 410


def test_a_weak_password_is_refused_by_the_staff_rules(home: Any, clerk: User) -> None:
    invited = invite(provider=home, name="李会计", email="li@example.invalid", actor=clerk)
    path = "/" + invited.link.split("/", 3)[3]
    response = Client().post(path, {"username": "li_kj", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(username="li_kj").exists()


def test_staff_and_providers_each_keep_to_their_own_door(home: Any, clerk: User) -> None:
    clerk.set_password(PASSWORD)
    clerk.save()
    refused = Client().post(reverse("portal:login"), {"username": clerk.username, "password": PASSWORD})
    assert refused.status_code == 200
    assert [e.code for e in refused.context["form"].non_field_errors().as_data()] == ["staff"]
    provider_user(home)
    portal = Client()
    signed_in = portal.post(reverse("portal:login"), {"username": "provider1", "password": PASSWORD}, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse("portal:provider", args=[home.pk])
    assert portal.get(reverse("admin:index")).status_code == 302  # the admin sends them to its login


def test_vacancies_sent_accepted_and_published_with_the_date(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    user = provider_user(home)
    portal = client_for(user)
    today = timezone.localdate()
    sent = portal.post(
        reverse("portal:submission_new", args=[home.pk, "vacancies"]),
        {"as_of": today.isoformat(), "vacant": "12", "note": "", "submit": "1"},
        follow=True,
    )
    assert sent.status_code == 200
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.SUBMITTED

    staff = client_for(clerk)
    workbench = staff.get(reverse("admin:index")).content.decode()
    to_review = reverse("admin:portal_submission_changelist") + "?status__exact=submitted"
    assert re.search(rf'<a href="{re.escape(to_review)}"[^>]*>\s*<span class="count">1</span>', workbench), workbench
    listed = staff.get(reverse("admin:portal_submission_changelist") + "?status__exact=submitted")
    assert list(listed.context["cl"].result_list) == [submission]
    staff.post(reverse("admin:portal_submission_accept", args=[submission.pk]))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED and submission.reviewed_by == clerk
    assert VacancyReport.objects.get(provider=home).vacant == 12

    public = text_of(Client().get(f"/en/providers/{home.uscc}/").content.decode())
    assert f"Vacant beds: 12 (reported by the provider on {today:%Y-%m-%d})" in public
    assert "out of date" not in public


def test_an_old_report_is_shown_out_of_date(home: Any, clerk: User) -> None:
    old = timezone.localdate() - datetime.timedelta(days=46)
    VacancyReport.objects.create(provider=home, as_of=old, vacant=5, source="test")
    public = text_of(Client().get(f"/en/providers/{home.uscc}/").content.decode())
    assert f"Vacant beds: 5 (reported by the provider on {old:%Y-%m-%d}) out of date" in public


def test_returned_with_a_reason_then_corrected_and_sent_again(home: Any, clerk: User) -> None:
    user = provider_user(home)
    today = timezone.localdate().isoformat()
    draft = submission_save(provider=home, kind="vacancies", data={"as_of": today, "vacant": 70}, user=user)
    with pytest.raises(ValidationError):  # 70 of 60 beds: refused when sent
        submission_submit(submission=draft, user=user)
    draft = submission_save(
        provider=home, kind="vacancies", data={"as_of": today, "vacant": 8}, user=user, submission=draft
    )
    submission_submit(submission=draft, user=user)
    with pytest.raises(ValidationError):
        submission_return(submission=draft, actor=clerk, reason=" ")
    submission_return(submission=draft, actor=clerk, reason="请核对：本月新入住3人")
    client = Client()
    client.force_login(user)
    page = text_of(client.get(reverse("portal:provider", args=[home.pk])).content.decode())
    assert "请核对：本月新入住3人" in page
    submission_save(provider=home, kind="vacancies", data={"as_of": today, "vacant": 5}, user=user, submission=draft)
    submission_submit(submission=draft, user=user)
    submission_accept(submission=draft, actor=clerk)
    assert VacancyReport.objects.get(provider=home).vacant == 5


def test_a_clerk_of_another_district_cannot_review(home: Any, outsider: User) -> None:
    user = provider_user(home)
    draft = submission_save(
        provider=home, kind="vacancies", data={"as_of": timezone.localdate().isoformat(), "vacant": 3}, user=user
    )
    submission_submit(submission=draft, user=user)
    with pytest.raises(PermissionDenied):
        submission_accept(submission=draft, actor=outsider)
    assert Submission.objects.get().status == Submission.Status.SUBMITTED
