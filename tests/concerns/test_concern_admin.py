"""The clerk's side: the list of the jurisdiction's cases (another district's are a 404), the
contact masked and shown only on request with the permission (audited), the buttons that
investigate and close, the notes, a concern taken down from a call, and the workbench."""

from __future__ import annotations

import datetime

import pytest
from concern_support import CONTACT, DESCRIPTION, receive
from django.utils import timezone

from concerns.models import Concern, Status
from registry.workbench import workbench_sections
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

LIST = "/en/admin/concerns/concern/"


def change_url(concern: Concern, page: str = "change") -> str:
    return f"{LIST}{concern.pk}/{page}/"


def test_the_list_shows_the_case_with_its_due_date_and_the_contact_masked(home, clerk, client_for) -> None:
    concern = receive(home, days_ago=1)
    html = client_for(clerk).get(LIST).content.decode()

    assert concern.reference in html and concern.due_on.strftime("%Y-%m-%d") in html
    assert "赵**" in html and "139****1234" in html and "z***@example.cn" in html
    assert not any(value in html for value in CONTACT.values())
    assert DESCRIPTION not in html


def test_another_districts_clerk_neither_lists_nor_opens_the_case(home, outsider, client_for) -> None:
    concern = receive(home)
    client = client_for(outsider)

    assert concern.reference not in client.get(LIST).content.decode()
    assert client.get(change_url(concern)).status_code == 404
    assert client.get(change_url(concern, "history")).status_code == 404
    assert client.post(change_url(concern, "contact")).status_code == 404
    assert client.post(change_url(concern, "investigate")).status_code == 404
    assert Concern.objects.get().status == Status.RECEIVED


def test_the_clerk_shows_the_contact_on_request_and_it_is_audited(home, clerk, client_for) -> None:
    concern = receive(home)
    client = client_for(clerk)
    page = client.get(change_url(concern)).content.decode()
    assert CONTACT["contact_phone"] not in page and "139****1234" in page
    assert "Show the contact" in page

    shown = client.post(change_url(concern, "contact")).content.decode()

    assert all(value in shown for value in CONTACT.values())
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.object_repr) == (clerk, concern.reference)
    assert client.get(change_url(concern, "contact")).status_code == 403  # a POST, never a link


def test_a_reviewer_without_the_permission_sees_the_case_masked_and_cannot_show_the_contact(
    home, reviewer, client_for
) -> None:
    concern = receive(home)
    client = client_for(reviewer)
    page = client.get(change_url(concern)).content.decode()

    assert page.count("139****1234") == 1 and CONTACT["contact_phone"] not in page
    assert "Show the contact" not in page and "Start the investigation" not in page
    assert client.post(change_url(concern, "contact")).status_code == 403
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


def test_the_buttons_investigate_and_close_the_case(home, clerk, client_for) -> None:
    concern = receive(home)
    client = client_for(clerk)

    assert client.post(change_url(concern, "investigate")).status_code == 302
    assert Concern.objects.get().status == Status.INVESTIGATING
    form = client.get(change_url(concern, "close")).content.decode()
    assert 'value="substantiated"' in form
    closed = client.post(
        change_url(concern, "close"), {"outcome": "substantiated", "public_reply": "经核查属实，已责令整改。"}
    )
    assert closed.status_code == 302
    concern.refresh_from_db()
    assert (concern.status, concern.outcome, concern.handled_by) == (Status.CLOSED, "substantiated", clerk)
    assert "Close with an outcome" not in client.get(change_url(concern)).content.decode()


def test_closing_out_of_order_is_refused_on_the_page(home, clerk, client_for) -> None:
    concern = receive(home)
    client = client_for(clerk)
    form = client.get(change_url(concern, "close")).content.decode()
    assert 'value="substantiated"' not in form and 'value="withdrawn"' in form  # not investigated

    response = client.post(change_url(concern, "close"), {"outcome": "substantiated", "public_reply": "属实。"})
    assert response.status_code == 200
    assert Concern.objects.get().status == Status.RECEIVED


def test_a_reply_with_a_phone_number_is_refused_with_the_reason(home, clerk, client_for) -> None:
    concern = receive(home)
    client = client_for(clerk)
    client.post(change_url(concern, "investigate"))
    response = client.post(
        change_url(concern, "close"), {"outcome": "substantiated", "public_reply": "请致电13904721234了解结果。"}
    )

    assert "may not contain a phone" in response.content.decode()
    assert Concern.objects.get().status == Status.INVESTIGATING


def test_the_page_edits_the_internal_notes_only(home, clerk, client_for, admin_form_data) -> None:
    concern = receive(home)
    client = client_for(clerk)
    data = admin_form_data(client.get(change_url(concern)))
    data.update({"internal_notes": "已电话联系家属。", "description": "改写的内容", "status": "closed"})

    assert client.post(change_url(concern), data).status_code == 302
    concern.refresh_from_db()
    assert concern.internal_notes == "已电话联系家属。"
    assert (concern.description, concern.status) == (DESCRIPTION, "received")
    assert AuditEntry.objects.filter(action="concern.note").count() == 1


def test_a_clerk_takes_down_a_concern_from_a_call(home, clerk, client_for) -> None:
    response = client_for(clerk).post(
        f"{LIST}add/",
        {
            "provider": home.pk,
            "category": "food",
            "description": "电话反映：午饭经常是凉的。",
            "contact_phone": "0472-5123456",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    concern = Concern.objects.get()
    assert (concern.provider, concern.category, concern.contact_phone) == (home, "food", "0472-5123456")
    assert AuditEntry.objects.get(action="concern.receive").actor == clerk


def test_nobody_deletes_a_concern(home, clerk, client_for) -> None:
    concern = receive(home)

    assert client_for(clerk).get(change_url(concern, "delete")).status_code == 403


def test_the_workbench_counts_open_and_overdue_cases_as_the_lists_it_opens(home, clerk, outsider, client_for) -> None:
    receive(home, days_ago=1)
    receive(home, days_ago=30)  # due 9 days ago
    closed = receive(home, days_ago=40)
    Concern.objects.filter(pk=closed.pk).update(
        status=Status.CLOSED, outcome="withdrawn", closed_at=timezone.now(), handled_by=clerk
    )

    counts = {item.url: item.count for section in workbench_sections(clerk) for item in section.items}
    assert counts["/admin/concerns/concern/?state=open"] == 2
    assert counts["/admin/concerns/concern/?state=overdue"] == 1
    client = client_for(clerk)
    for state, expected in (("open", 2), ("overdue", 1)):
        response = client.get(f"{LIST}?state={state}")
        assert response.context["cl"].result_count == expected
    outsider_counts = {item.url: item.count for section in workbench_sections(outsider) for item in section.items}
    assert "/admin/concerns/concern/?state=open" not in outsider_counts
    assert "Concerns past their reply date" in client.get("/en/admin/").content.decode()
    assert (timezone.localdate() - datetime.timedelta(days=9)).strftime("%Y-%m-%d") in client.get(
        f"{LIST}?state=overdue"
    ).content.decode()
