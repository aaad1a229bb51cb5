"""Reminders: who is told what on which day, exactly once, caught up after a missed day;
one Chinese e-mail digest per recipient; the back-office inbox (own notifications only,
unread count in the header, mark read)."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from factories import BAOTOU, DONGHE, LicenceFactory
from inspection_support import CITY_JOINT, DISTRICT_SAFETY, INTERNAL_MONTHLY

from inspections.models import Finding, InspectionTask, Notification
from inspections.planning import plan_inspections
from inspections.records import FindingInput, record_inspection
from inspections.reminders import create_reminders, send_digests
from registry.models import Licence
from registry.staff import roles

pytestmark = pytest.mark.django_db

D = datetime.date
DUE = D(2026, 12, 31)  # Q4, H2 and December all end here
HOME = "home@example.cn"


def day(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


def key(user) -> str:
    return f"user:{user.pk}"


@pytest.fixture
def city_inspector(make_staff):
    return make_staff(roles.INSPECTOR, BAOTOU, email="city.inspector@bt.example.cn")


@pytest.fixture
def staff(district_inspector, district_clerk, city_reviewer, city_inspector, make_staff):
    """The Kundulun inspector and clerk, the Baotou reviewer and inspector, and a Donghe
    clerk who must never hear about Kundulun."""
    donghe_clerk = make_staff(roles.DISTRICT_CLERK, DONGHE, email="clerk@dh.example.cn")
    return {
        "inspector": district_inspector,
        "clerk": district_clerk,
        "reviewer": city_reviewer,
        "city_inspector": city_inspector,
        "donghe_clerk": donghe_clerk,
    }


@pytest.fixture
def provider(make_provider):
    return make_provider(contact_email=HOME)


@pytest.fixture
def tasks(regimes, staff, provider):
    """The provider's Q4, H2 and December tasks, all due on 31 December 2026."""
    plan_inspections(on=D(2026, 12, 1))
    found = {t.regime.code: t for t in InspectionTask.objects.filter(provider=provider).select_related("regime")}
    assert {t.due_on for t in found.values()} == {DUE}
    return found


def about(obj_key: str):
    return Notification.objects.filter(object_key=obj_key)


def recipients(queryset) -> set[str]:
    return set(queryset.values_list("recipient_key", flat=True))


def run_days(first: datetime.date, last: datetime.date) -> dict[tuple[str, str, str], datetime.date]:
    """Run the daily job from ``first`` to ``last``: (object, kind, recipient) → first day created."""
    seen: dict[tuple[str, str, str], datetime.date] = {}
    on = first
    while on <= last:
        create_reminders(on=on)
        for row in Notification.objects.values_list("object_key", "kind", "recipient_key"):
            seen.setdefault(row, on)
        on += datetime.timedelta(days=1)
    return seen


# --- inspections coming due and overdue ----------------------------------------------------


def test_quarterly_reminders_fourteen_and_three_days_before_and_the_day_after(tasks, staff):
    task = tasks[DISTRICT_SAFETY]

    seen = run_days(D(2026, 12, 1), D(2027, 1, 15))

    days: dict[tuple[str, str], set[datetime.date]] = defaultdict(set)
    who: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (obj, kind, recipient), on in seen.items():
        if obj.startswith(f"task:{task.pk}@"):
            days[(obj, kind)].add(on)
            who[(obj, kind)].add(recipient)
    assert dict(days) == {
        (f"task:{task.pk}@-14", Notification.Kind.TASK_DUE): {day(-14)},
        (f"task:{task.pk}@-3", Notification.Kind.TASK_DUE): {day(-3)},
        (f"task:{task.pk}@1", Notification.Kind.TASK_OVERDUE): {day(1)},
    }
    expected = {key(staff["inspector"]), key(staff["clerk"])}  # the assignee and the district clerk
    assert all(recipients_ == expected for recipients_ in who.values())
    assert set(about(f"task:{task.pk}@1").values_list("due_on", flat=True)) == {DUE}
    assert about(f"task:{task.pk}@-14").count() == 2


def test_half_year_joint_inspection_reminders_go_to_the_city(tasks, staff):
    task = tasks[CITY_JOINT]

    create_reminders(on=day(-14))

    assert recipients(about(f"task:{task.pk}@-14")) == {key(staff["city_inspector"]), key(staff["reviewer"])}


def test_self_inspection_reminders_go_to_the_providers_email_and_the_district_clerk(tasks, staff):
    task = tasks[INTERNAL_MONTHLY]

    create_reminders(on=day(-3))
    create_reminders(on=day(1))

    due = about(f"task:{task.pk}@-3")
    assert recipients(due) == {f"email:{HOME}", key(staff["clerk"])}
    assert due.get(email=HOME).recipient is None
    assert recipients(about(f"task:{task.pk}@1").filter(kind=Notification.Kind.TASK_OVERDUE)) == {
        f"email:{HOME}",
        key(staff["clerk"]),
    }


def test_no_other_countys_staff_is_told(tasks, staff):
    run_days(day(-14), day(2))
    assert not Notification.objects.filter(recipient=staff["donghe_clerk"]).exists()


def test_a_task_done_or_cancelled_is_not_reminded(tasks):
    InspectionTask.objects.filter(pk=tasks[DISTRICT_SAFETY].pk).update(status=InspectionTask.Status.DONE)
    InspectionTask.objects.filter(pk=tasks[CITY_JOINT].pk).update(status=InspectionTask.Status.CANCELLED)

    create_reminders(on=day(-14))
    create_reminders(on=day(1))

    assert not about(f"task:{tasks[DISTRICT_SAFETY].pk}@-14").exists()
    assert not about(f"task:{tasks[CITY_JOINT].pk}@1").exists()
    assert about(f"task:{tasks[INTERNAL_MONTHLY].pk}@1").exists()


def test_running_twice_creates_no_duplicates(tasks, provider):
    LicenceFactory(provider=provider, expires_on=day(-14) + datetime.timedelta(days=10))

    first = create_reminders(on=day(-14))
    rows = sorted(Notification.objects.values_list("pk", "recipient_key", "kind", "object_key", "due_on"))
    second = create_reminders(on=day(-14))

    assert first == len(rows) > 0
    assert second == 0
    assert sorted(Notification.objects.values_list("pk", "recipient_key", "kind", "object_key", "due_on")) == rows


def test_a_missed_day_is_caught_up_the_next_day(tasks, staff):
    task = tasks[DISTRICT_SAFETY]

    create_reminders(on=day(-13))  # beat missed 17 December

    assert recipients(about(f"task:{task.pk}@-14")) == {key(staff["inspector"]), key(staff["clerk"])}


def test_catch_up_reaches_a_week_back_and_no_further(tasks):
    task = tasks[DISTRICT_SAFETY]

    create_reminders(on=day(-7))  # seven days late
    assert about(f"task:{task.pk}@-14").exists()

    Notification.objects.all().delete()
    create_reminders(on=day(-6))  # eight days late: the 3-day reminder comes soon enough
    assert not about(f"task:{task.pk}@-14").exists()


def test_a_coming_due_reminder_is_not_sent_once_the_task_is_overdue(tasks):
    task = tasks[DISTRICT_SAFETY]

    create_reminders(on=day(2))  # beat was down from 28 December to 1 January

    assert not about(f"task:{task.pk}@-3").exists()
    assert about(f"task:{task.pk}@1").exists()


# --- rectification -------------------------------------------------------------------------


@pytest.fixture
def finding(regimes, staff, provider):
    inspection = record_inspection(
        provider=provider,
        regime=regimes[DISTRICT_SAFETY],
        inspected_on=D(2026, 11, 2),
        recorded_by=staff["inspector"],
        inspectors=[staff["inspector"]],
        findings=[FindingInput(Finding.Category.FIRE, Finding.Severity.GENERAL, "灭火器过期", D(2026, 11, 20))],
    )
    return inspection.findings.get()


def test_rectification_due_three_days_before_the_deadline(finding, staff):
    create_reminders(on=D(2026, 11, 16))
    assert not about(f"finding:{finding.pk}").exists()

    create_reminders(on=D(2026, 11, 17))

    due = about(f"finding:{finding.pk}")
    assert set(due.values_list("kind", flat=True)) == {Notification.Kind.RECTIFICATION_DUE}
    assert recipients(due) == {key(staff["inspector"]), key(staff["clerk"]), f"email:{HOME}"}
    assert set(due.values_list("due_on", flat=True)) == {D(2026, 11, 20)}


def test_rectification_overdue_also_tells_the_city_reviewer_and_escalates(finding, staff):
    create_reminders(on=D(2026, 11, 20))
    assert not about(f"finding:{finding.pk}").filter(kind=Notification.Kind.RECTIFICATION_OVERDUE).exists()
    finding.refresh_from_db()
    assert finding.escalated_on is None

    create_reminders(on=D(2026, 11, 21))
    create_reminders(on=D(2026, 11, 22))

    overdue = about(f"finding:{finding.pk}").filter(kind=Notification.Kind.RECTIFICATION_OVERDUE)
    assert recipients(overdue) == {
        key(staff["inspector"]),
        key(staff["clerk"]),
        key(staff["reviewer"]),
        f"email:{HOME}",
    }
    assert overdue.count() == 4
    finding.refresh_from_db()
    assert finding.escalated_on == D(2026, 11, 21)


def test_a_verified_finding_is_not_reminded(finding, staff):
    Finding.objects.filter(pk=finding.pk).update(status=Finding.Status.VERIFIED)
    create_reminders(on=D(2026, 11, 25))
    assert not about(f"finding:{finding.pk}").exists()


# --- licences ------------------------------------------------------------------------------


def test_licences_and_insurance_expiring_within_30_days(regimes, staff, provider):
    on = D(2026, 11, 23)
    soon = LicenceFactory(provider=provider, expires_on=on + datetime.timedelta(days=30))
    insurance = LicenceFactory(provider=provider, kind=Licence.Kind.LIABILITY_INSURANCE, expires_on=on)
    later = LicenceFactory(provider=provider, expires_on=on + datetime.timedelta(days=31))
    expired = LicenceFactory(provider=provider, expires_on=on - datetime.timedelta(days=1))
    open_ended = LicenceFactory(provider=provider, expires_on=None)

    create_reminders(on=on)

    for licence in (soon, insurance):
        rows = about(f"licence:{licence.pk}")
        assert set(rows.values_list("kind", flat=True)) == {Notification.Kind.LICENCE_EXPIRING}
        assert recipients(rows) == {key(staff["clerk"]), f"email:{HOME}"}
    for licence in (later, expired, open_ended):
        assert not about(f"licence:{licence.pk}").exists()


def test_the_licence_warning_period_is_a_setting(regimes, staff, provider, settings):
    settings.LICENCE_WARNING_DAYS = 60
    on = D(2026, 11, 23)
    later = LicenceFactory(provider=provider, expires_on=on + datetime.timedelta(days=31))
    too_late = LicenceFactory(provider=provider, expires_on=on + datetime.timedelta(days=61))

    create_reminders(on=on)

    assert about(f"licence:{later.pk}").exists()
    assert not about(f"licence:{too_late.pk}").exists()


# --- digests -------------------------------------------------------------------------------


def test_one_chinese_digest_per_recipient_listing_all_items_and_a_second_call_sends_nothing(tasks, staff, provider):
    LicenceFactory(provider=provider, expires_on=day(-14) + datetime.timedelta(days=10))
    create_reminders(on=day(-14))
    by_address: dict[str, list[str]] = defaultdict(list)
    for n in Notification.objects.select_related("recipient"):
        by_address[n.recipient.email if n.recipient else n.email].append(n.message)

    sent = send_digests()

    assert sent == len(by_address) == len(mail.outbox) == 5
    for message in mail.outbox:
        [address] = message.to
        items = by_address[address]
        assert message.subject == f"{len(items)}条提醒"
        assert message.body.startswith("养老托育机构监管服务平台提醒：")
        for item in items:
            assert f"- {item}" in message.body
    clerk_mail = next(m for m in mail.outbox if m.to == [staff["clerk"].email])
    assert clerk_mail.subject == "3条提醒"  # district safety, self-inspection, licence
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()

    assert send_digests() == 0
    assert len(mail.outbox) == 5


def test_notifications_are_in_chinese(tasks, provider):
    create_reminders(on=day(-14))
    create_reminders(on=day(1))

    due = about(f"task:{tasks[DISTRICT_SAFETY].pk}@-14").first()
    overdue = about(f"task:{tasks[DISTRICT_SAFETY].pk}@1").first()
    assert due.message == f"{provider.name} 的旗县区安全检查将于2026-12-31到期。"
    assert "旗县区安全检查" in overdue.message and provider.name in overdue.message
    assert "inspection" not in overdue.message.lower()
    assert due.link == f"/admin/inspections/inspectiontask/{tasks[DISTRICT_SAFETY].pk}/change/"


def test_a_recipient_without_an_email_address_gets_no_mail_but_the_inbox_item(tasks, staff):
    staff["clerk"].email = ""
    staff["clerk"].save()
    create_reminders(on=day(-14))

    send_digests()

    assert all(m.to != [""] for m in mail.outbox)
    assert len(mail.outbox) == 4
    assert Notification.objects.filter(recipient=staff["clerk"], emailed_at__isnull=False).count() == 2


def test_new_items_after_a_digest_go_into_the_next_one(tasks, staff):
    create_reminders(on=day(-14))
    send_digests()
    mail.outbox.clear()

    create_reminders(on=day(-3))
    assert send_digests() == 5

    clerk_mail = next(m for m in mail.outbox if m.to == [staff["clerk"].email])
    assert clerk_mail.subject == "2条提醒"


def test_a_mail_server_down_leaves_every_digest_for_the_next_run(tasks, staff, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    from inspections import digests

    class Down(EmailBackend):
        def open(self):
            raise ConnectionRefusedError("mail server down")

    create_reminders(on=day(-14))
    monkeypatch.setattr(digests, "get_connection", Down)

    with pytest.raises(ConnectionRefusedError):
        send_digests()

    assert mail.outbox == []
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    monkeypatch.undo()  # the server is back
    assert send_digests() == 5
    assert len(mail.outbox) == 5


def test_a_claim_of_a_run_still_sending_is_left_alone_and_one_of_a_dead_run_is_sent(tasks, staff):
    create_reminders(on=day(-14))
    now = timezone.now()
    clerk = staff["clerk"]
    Notification.objects.filter(recipient=clerk).update(
        digest_claim=uuid.uuid4(), digest_claimed_at=now - datetime.timedelta(minutes=10)
    )

    assert send_digests(now=now) == 4
    assert [m for m in mail.outbox if m.to == [clerk.email]] == []

    assert send_digests(now=now + datetime.timedelta(minutes=31)) == 1  # claimed 41 minutes ago: that run died
    [clerk_mail] = [m for m in mail.outbox if m.to == [clerk.email]]
    assert clerk_mail.subject == "2条提醒"
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


# --- the inbox -----------------------------------------------------------------------------


@pytest.fixture
def inbox(tasks, staff):
    create_reminders(on=day(-14))
    return staff


def changelist():
    return reverse("admin:inspections_notification_changelist")


def test_the_inbox_shows_only_ones_own_notifications(inbox, client_for, superuser):
    clerk, inspector = inbox["clerk"], inbox["inspector"]

    response = client_for(clerk).get(changelist())

    assert response.status_code == 200
    shown = {n.pk for n in response.context["cl"].result_list}
    assert shown == set(Notification.objects.filter(recipient=clerk).values_list("pk", flat=True))
    assert len(shown) == 2
    other = Notification.objects.filter(recipient=inspector).first()
    assert client_for(clerk).get(reverse("admin:inspections_notification_change", args=[other.pk])).status_code == 404
    everyone = client_for(superuser).get(changelist()).context["cl"].result_count
    assert everyone == Notification.objects.count()


def test_the_unread_count_is_in_the_header_and_mark_read_clears_it(inbox, client_for):
    clerk = inbox["clerk"]
    client = client_for(clerk)

    assert "收件箱（2条未读）" in client.get(reverse("admin:index")).content.decode()

    mine = list(Notification.objects.filter(recipient=clerk).values_list("pk", flat=True))
    others = list(Notification.objects.exclude(recipient=clerk).values_list("pk", flat=True))
    response = client.post(
        changelist(), {"action": "mark_read", "_selected_action": [*mine, *others], "index": 0}, follow=True
    )

    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=clerk, read_at__isnull=True).exists()
    assert not Notification.objects.filter(pk__in=others, read_at__isnull=False).exists()
    assert "收件箱（0条未读）" in client.get(reverse("admin:index")).content.decode()


def test_opening_a_notification_marks_it_read(inbox, client_for):
    clerk = inbox["clerk"]
    notification = Notification.objects.filter(recipient=clerk).first()

    response = client_for(clerk).get(reverse("admin:inspections_notification_change", args=[notification.pk]))

    assert response.status_code == 200
    assert notification.message in response.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert Notification.objects.filter(recipient=clerk, read_at__isnull=True).count() == 1


def test_the_header_count_is_only_computed_on_admin_pages_for_staff(inbox, superuser):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from inspections.context_processors import inbox as inbox_context

    def context(path, user):
        request = RequestFactory().get(path)
        request.user = user
        return inbox_context(request)

    assert context("/admin/", inbox["clerk"]) == {"unread_notifications": 2}
    assert context("/en/admin/", inbox["clerk"]) == {"unread_notifications": 2}
    assert context("/admin/", superuser) == {"unread_notifications": 0}  # the superuser's own inbox
    assert context("/", inbox["clerk"]) == {}
    assert context("/admin/", AnonymousUser()) == {}


def test_a_refused_address_does_not_hold_back_or_resend_the_other_digests(tasks, staff, settings):
    from inspection_support import RefusingEmailBackend

    settings.EMAIL_BACKEND = "inspection_support.RefusingEmailBackend"
    RefusingEmailBackend.REFUSED = {staff["clerk"].email}
    create_reminders(on=day(-14))
    try:
        first = send_digests()
        RefusingEmailBackend.REFUSED = set()
        second = send_digests()
    finally:
        RefusingEmailBackend.REFUSED = set()

    assert (first, second) == (4, 1)  # the others at once; the clerk's once the server takes it
    assert sorted(m.to[0] for m in mail.outbox).count(staff["clerk"].email) == 1
    assert len(mail.outbox) == 5
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
