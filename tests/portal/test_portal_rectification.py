"""Rectification through the portal (issue 18): the provider sees its findings with their
deadlines, sends what it did with photos or a PDF; the inspector finds it waiting for
verification and verifies it, or returns it with a reason the provider reads. The
provider's deadlines reach its accounts by email, one digest each, exactly once. And a
provider's account reaches nothing of another provider: 404 on every URL."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import LicenceFactory, ProviderFactory
from portal_support import as_sent, pdf, png, provider_user

from inspections.digests import send_digests
from inspections.models import Evidence, Finding, InspectionTask, Notification
from inspections.planning import plan_inspections
from inspections.records import FindingInput, record_inspection
from inspections.reminders import create_reminders
from portal.access import access_revoke
from portal.models import ProviderAccess, Submission, Upload
from portal.submissions import submission_save
from registry.models import ProviderStatus, User
from registry.workbench import workbench_sections

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

DISTRICT_SAFETY = "BT-DISTRICT-SAFETY"


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def home() -> Any:
    return ProviderFactory(name="测试颐养院", status=ProviderStatus.CERTIFIED, certified_on=datetime.date(2020, 1, 1))


@pytest.fixture
def other() -> Any:
    return ProviderFactory(name="别家养老院", status=ProviderStatus.CERTIFIED, certified_on=datetime.date(2020, 1, 1))


def inspect(provider: Any, inspector: User, on: datetime.date, deadline: datetime.date) -> Finding:
    from inspections.models import Regime

    inspection = record_inspection(
        provider=provider,
        regime=Regime.objects.get(code=DISTRICT_SAFETY),
        inspected_on=on,
        recorded_by=inspector,
        inspectors=[inspector],
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, "疏散通道堆放杂物", deadline)],
    )
    return inspection.findings.get()


@pytest.fixture
def finding(home: Any, inspector: User, today: datetime.date) -> Finding:
    return inspect(home, inspector, today - datetime.timedelta(days=10), today + datetime.timedelta(days=5))


def verify_count(user: User) -> tuple[int, str] | None:
    with translation.override("en"):
        for section in workbench_sections(user):
            for item in section.items:
                if str(item.label) == "Rectifications waiting for your verification":
                    return item.count, item.url
    return None


def test_rectification_sent_verified_by_the_inspector(
    home: Any, finding: Finding, inspector: User, client_for: Callable[[User], Client], today: datetime.date
) -> None:
    portal = client_for(provider_user(home))
    listed = portal.get(reverse("portal:findings", args=[home.pk]))
    assert [f for f, _sent in listed.context["rows"]] == [finding]
    rectify = reverse("portal:finding_rectify", args=[home.pk, finding.pk])
    assert rectify in listed.content.decode()
    reminders = portal.get(reverse("portal:provider", args=[home.pk])).context["reminders"]
    [due] = [r for r in reminders if r.url == rectify]
    assert due.due_on == finding.deadline and not due.overdue

    page = portal.get(rectify)
    assert page.context["form"]["finding"].value() == str(finding.pk)
    sent = portal.post(rectify, as_sent(page, statement="杂物已清理，通道畅通", files=[png(), pdf()]), follow=True)
    assert sent.status_code == 200
    submission = Submission.objects.get(kind="rectification")
    assert submission.status == Submission.Status.ACCEPTED and submission.uploads.count() == 2
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RECTIFIED and finding.rectification_report == "杂物已清理，通道畅通"
    assert finding.rectified_on == today
    assert sorted(e.file.read()[:4] for e in Evidence.objects.filter(finding=finding)) == [b"%PDF", b"\x89PNG"]
    reminders = portal.get(reverse("portal:provider", args=[home.pk])).context["reminders"]
    assert not any(r.url == rectify for r in reminders)  # nothing to do until the inspector decides

    staff = client_for(inspector)
    count, url = verify_count(inspector) or (0, "")
    assert count == 1
    assert list(staff.get(url).context["cl"].result_list) == [finding]
    staff.post(
        reverse("admin:inspections_finding_changelist"),
        {"action": "verify_findings", "_selected_action": [finding.pk]},
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.VERIFIED and finding.verified_by == inspector
    assert not portal.get(reverse("portal:findings", args=[home.pk])).context["rows"]


def test_a_rectification_returned_by_the_inspector_shows_the_reason_and_is_sent_again(
    home: Any,
    finding: Finding,
    inspector: User,
    clerk: User,
    client_for: Callable[[User], Client],
    today: datetime.date,
) -> None:
    portal = client_for(provider_user(home))
    rectify = reverse("portal:finding_rectify", args=[home.pk, finding.pk])
    portal.post(rectify, as_sent(portal.get(rectify), statement="已清理", files=png()))

    staff = client_for(inspector)
    change = staff.get(reverse("admin:inspections_finding_change", args=[finding.pk])).content.decode()
    back = reverse("admin:inspections_finding_return", args=[finding.pk])
    assert back in change
    assert staff.post(back, {"reason": " "}).context["form"].errors  # a reason is required
    staff.post(back, {"reason": "照片看不出通道情况，请补拍全景"})
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN and finding.returned_on == today
    assert finding.return_reason == "照片看不出通道情况，请补拍全景"
    assert verify_count(inspector) is None  # nothing waiting any more

    listed = portal.get(reverse("portal:findings", args=[home.pk])).content.decode()
    assert "照片看不出通道情况，请补拍全景" in listed
    reminders = portal.get(reverse("portal:provider", args=[home.pk])).context["reminders"]
    assert any(r.url == rectify and "照片看不出通道情况，请补拍全景" in r.text for r in reminders)

    portal.post(rectify, as_sent(portal.get(rectify), statement="已清理，补拍全景照片", files=png("全景.png")))
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RECTIFIED and finding.return_reason == ""
    assert Evidence.objects.filter(finding=finding).count() == 2
    clerk_page = client_for(clerk).get(reverse("admin:inspections_finding_change", args=[finding.pk]))
    assert back not in clerk_page.content.decode()  # only who verifies may return


def test_the_rectification_is_not_dated_before_the_inspection(
    home: Any, finding: Finding, client_for: Callable[[User], Client], today: datetime.date
) -> None:
    portal = client_for(provider_user(home))
    rectify = reverse("portal:finding_rectify", args=[home.pk, finding.pk])
    early = today - datetime.timedelta(days=11)
    refused = portal.post(rectify, as_sent(portal.get(rectify), statement="已清理", rectified_on=early.isoformat()))
    assert "rectified_on" in refused.context["form"].errors
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN


# --- notifications: the provider's accounts, one digest each, exactly once ------------------


def test_provider_accounts_get_their_deadlines_in_one_digest_each_exactly_once(
    home: Any, other: Any, inspector: User, today: datetime.date
) -> None:
    chain = provider_user(home, name="chain", email="chain@example.cn")
    ProviderAccess.objects.create(user=chain, provider=other)  # a chain operator holds both
    nurse = provider_user(other, name="nurse", email="")  # no address: the inbox item only
    gone = provider_user(home, name="gone", email="gone@example.cn")
    access_revoke(access=ProviderAccess.objects.get(user=gone), actor=inspector)
    home.contact_email = "CHAIN@example.cn"  # the chain's own address: one person, one digest
    home.save(update_fields=["contact_email"])
    other.contact_email = "office@other.example.cn"
    other.save(update_fields=["contact_email"])
    on = today
    inspect(home, inspector, on - datetime.timedelta(days=20), on + datetime.timedelta(days=2))  # due in 2 days
    LicenceFactory(provider=other, expires_on=on + datetime.timedelta(days=10))

    create_reminders(on=on)
    create_reminders(on=on)  # again: nothing twice
    keys = set(Notification.objects.values_list("recipient_key", "kind"))
    assert (f"user:{chain.pk}", Notification.Kind.RECTIFICATION_DUE) in keys
    assert (f"user:{chain.pk}", Notification.Kind.LICENCE_EXPIRING) in keys
    assert (f"user:{nurse.pk}", Notification.Kind.LICENCE_EXPIRING) in keys
    assert ("email:office@other.example.cn", Notification.Kind.LICENCE_EXPIRING) in keys
    assert not {k for k, _kind in keys} & {f"user:{gone.pk}", "email:chain@example.cn"}
    kinds = [Notification.Kind.RECTIFICATION_DUE, Notification.Kind.LICENCE_EXPIRING]
    assert Notification.objects.filter(recipient=chain, kind__in=kinds).count() == 2

    send_digests()
    to_chain = [m for m in mail.outbox if m.to == ["chain@example.cn"]]
    assert len(to_chain) == 1 and home.name in to_chain[0].body and other.name in to_chain[0].body
    assert not [m for m in mail.outbox if "gone@example.cn" in m.to]
    sent = len(mail.outbox)
    create_reminders(on=on)
    assert send_digests() == 0 and len(mail.outbox) == sent


def test_the_self_inspection_and_the_annual_report_reach_the_providers_accounts(home: Any, divisions: Any) -> None:
    user = provider_user(home, name="director", email="director@example.cn")
    due = datetime.date(2026, 12, 31)
    plan_inspections(on=datetime.date(2026, 12, 1))
    task = InspectionTask.objects.get(provider=home, regime__code="BT-INTERNAL-MONTHLY")
    create_reminders(on=due - datetime.timedelta(days=3))
    assert Notification.objects.filter(recipient=user, object_key=f"task:{task.pk}@-3").exists()

    march = datetime.date(2027, 3, 31)
    create_reminders(on=march - datetime.timedelta(days=14))
    create_reminders(on=march + datetime.timedelta(days=1))
    reports = Notification.objects.filter(recipient=user, kind=Notification.Kind.ANNUAL_REPORT_DUE)
    assert set(reports.values_list("object_key", flat=True)) == {
        f"annual-report:{home.pk}:2026@-14",
        f"annual-report:{home.pk}:2026@1",
    }
    assert set(reports.values_list("due_on", flat=True)) == {march}
    assert "2026" in reports.first().message  # type: ignore[union-attr]  # two rows exist


# --- scoping: another provider's ids are 404 everywhere --------------------------------------


def test_a_provider_account_gets_404_for_every_url_with_another_providers_ids(
    home: Any, other: Any, inspector: User, client_for: Callable[[User], Client], today: datetime.date
) -> None:
    plan_inspections(on=today)
    mine = inspect(home, inspector, today - datetime.timedelta(days=3), today + datetime.timedelta(days=20))
    theirs = inspect(other, inspector, today - datetime.timedelta(days=3), today + datetime.timedelta(days=20))
    them = provider_user(other, name="them")
    their_upload = Upload.objects.create(
        provider=other, uploaded_by=them, file="portal/x.png", content_type="image/png", size=1, sha256="0" * 64
    )
    their_draft = submission_save(
        provider=other,
        kind="rectification",
        data={"finding": str(theirs.pk), "statement": "x", "rectified_on": today.isoformat()},
        user=them,
    )
    portal = client_for(provider_user(home))
    kinds = ["self_inspection", "weekly_check", "shift_handover", "hazard", "rectification"]
    urls = [
        reverse("portal:provider", args=[other.pk]),
        reverse("portal:findings", args=[other.pk]),
        reverse("portal:finding_rectify", args=[other.pk, theirs.pk]),
        reverse("portal:finding_rectify", args=[home.pk, theirs.pk]),  # my provider, their finding
        reverse("portal:finding_rectify", args=[other.pk, mine.pk]),  # their provider, my finding
        reverse("portal:submission", args=[other.pk, their_draft.pk]),
        reverse("portal:submission", args=[home.pk, their_draft.pk]),
        reverse("portal:submission_edit", args=[other.pk, their_draft.pk]),
        reverse("portal:submission_edit", args=[home.pk, their_draft.pk]),
        reverse("portal:upload", args=[their_upload.pk]),
        *(reverse("portal:submission_new", args=[other.pk, kind]) for kind in kinds),
    ]
    for url in urls:
        assert portal.get(url).status_code == 404, url
        assert portal.post(url, {"finding": str(theirs.pk), "submit": "1"}).status_code == 404, url
    sends = [reverse("portal:submission_send", args=[p, their_draft.pk]) for p in (other.pk, home.pk)]
    assert [portal.post(url).status_code for url in sends] == [404, 404]

    # Their finding's id in the body of a page of mine: refused, nothing recorded.
    mine_url = reverse("portal:finding_rectify", args=[home.pk, mine.pk])
    sneaky = {"finding": str(theirs.pk), "statement": "x", "rectified_on": today.isoformat(), "submit": "1"}
    assert portal.post(mine_url, sneaky).status_code == 404
    generic = portal.post(reverse("portal:submission_new", args=[home.pk, "rectification"]), sneaky)
    assert generic.status_code == 200 and "finding" in generic.context["form"].errors
    theirs.refresh_from_db()
    assert theirs.status == Finding.Status.OPEN and not Submission.objects.filter(provider=home).exists()
