"""Daily reminders of replies due within three days or overdue: to the clerks of the
provider's district only, at most one per concern, clerk and day, one email per clerk,
naming the case without its text or contact."""

from __future__ import annotations

import datetime

import pytest
from concern_support import CONTACT, DESCRIPTION, receive
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone
from factories import ProviderFactory, division

from concerns.cases import concern_close, concern_start_investigation
from concerns.models import ConcernReminder
from concerns.reminders import send_reminders
from concerns.tasks import send_concern_reminders
from registry.models import ProviderStatus
from registry.staff import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerks(make_staff):
    """Two clerks of Kundulun with an address, one of Donghe, and the city's clerk."""
    return {
        "kundulun": make_staff(roles.DISTRICT_CLERK, "150203", email="kdl@example.cn"),
        "kundulun_2": make_staff(roles.DISTRICT_CLERK, "150203", email="kdl2@example.cn"),
        "donghe": make_staff(roles.DISTRICT_CLERK, "150202", email="dh@example.cn"),
        "city": make_staff(roles.DISTRICT_CLERK, "150200", email="bt@example.cn"),
    }


def test_the_task_run_twice_reminds_once(home, clerks) -> None:
    overdue = receive(home, days_ago=25)
    due_soon = receive(home, days_ago=19)
    receive(home, days_ago=5)  # due in 16 days: nothing yet

    send_concern_reminders()
    send_concern_reminders()

    reminders = ConcernReminder.objects.all()
    assert reminders.count() == 4  # two concerns × the district's two clerks
    assert {r.recipient for r in reminders} == {clerks["kundulun"], clerks["kundulun_2"]}
    assert {(r.concern, r.kind) for r in reminders} == {(overdue, "overdue"), (due_soon, "due_soon")}
    assert sorted(m.to[0] for m in mail.outbox) == ["kdl2@example.cn", "kdl@example.cn"]
    body = mail.outbox[0].body
    assert overdue.reference in body and due_soon.reference in body and home.name in body
    assert DESCRIPTION not in body and not any(value in body for value in CONTACT.values())


def test_the_next_day_reminds_again_and_a_closed_case_no_more(home, clerks) -> None:
    concern = receive(home, days_ago=25)
    other = receive(home, days_ago=24)
    today = timezone.localdate()
    send_reminders(today=today)
    clerk = clerks["kundulun"]
    concern_start_investigation(concern=other, actor=clerk)
    concern_close(concern=other, outcome="substantiated", public_reply="已整改。", actor=clerk)

    send_reminders(today=today + datetime.timedelta(days=1))

    days = sorted(ConcernReminder.objects.filter(recipient=clerk, concern=concern).values_list("day", flat=True))
    assert days == [today, today + datetime.timedelta(days=1)]
    assert ConcernReminder.objects.filter(concern=other).count() == 2  # the first day only, for each clerk
    assert len(mail.outbox) == 4


def test_a_district_without_its_own_clerk_is_reminded_through_the_citys(divisions, clerks) -> None:
    home = ProviderFactory(status=ProviderStatus.CERTIFIED, division=division("150207"))  # 九原区: no clerk here
    receive(home, days_ago=25)

    send_reminders()

    assert [m.to for m in mail.outbox] == [["bt@example.cn"]]


def test_a_clerk_without_an_email_address_has_the_workbench_only(home, make_staff) -> None:
    clerk = make_staff(roles.DISTRICT_CLERK, "150203")
    receive(home, days_ago=25)

    assert send_reminders() == 0
    reminder = ConcernReminder.objects.get()
    assert reminder.recipient == clerk and reminder.emailed_at is not None
    assert mail.outbox == []


def test_a_refused_email_is_sent_by_the_next_run(home, clerks, monkeypatch) -> None:
    receive(home, days_ago=25)
    original = EmailMessage.send

    def refuse(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert send_reminders() == 0
    monkeypatch.setattr(EmailMessage, "send", original)

    assert send_reminders() == 2
    assert ConcernReminder.objects.filter(emailed_at__isnull=True).count() == 0
