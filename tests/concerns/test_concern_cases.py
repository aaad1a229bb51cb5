"""The case's write services: references, due dates, the order of the steps, the public
reply's safety net, who may act, what the audit log and the tables keep."""

from __future__ import annotations

import datetime
import re

import pytest
from concern_support import CONTACT, DESCRIPTION, receive
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from factories import ProviderFactory

from concerns.cases import concern_close, concern_receive, concern_save_notes, concern_start_investigation
from concerns.models import Concern, Status
from concerns.references import new_reference, normalise_reference
from registry.models import ProviderStatus
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

REPLY = "已核实并责令整改。"


def test_references_are_random_typable_and_read_back_as_typed() -> None:
    references = {new_reference(2026) for _ in range(200)}

    assert len(references) == 200
    assert all(re.fullmatch(r"TS-2026-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", r) for r in references)
    assert normalise_reference("ts 2026 7k4q 9m2x") == "TS-2026-7K4Q-9M2X"
    assert normalise_reference("ＴＳ－２０２６－７Ｋ４Ｑ－９Ｍ２Ｘ") == "TS-2026-7K4Q-9M2X"  # typed with a Chinese IME
    assert normalise_reference("TS-2026-7K4Q-9M2O") is None  # O is not in the alphabet
    assert normalise_reference("TS-2026-7K4Q") is None


@override_settings(CONCERN_RESPONSE_DAYS=10)
def test_the_reply_is_due_the_configured_number_of_calendar_days_after_receipt(home) -> None:
    concern = receive(home, days_ago=0)

    assert concern.due_on == timezone.localdate() + datetime.timedelta(days=10)


def test_a_case_goes_received_investigating_closed(home, clerk) -> None:
    concern = receive(home)
    concern = concern_start_investigation(concern=concern, actor=clerk)
    assert (concern.status, concern.handled_by) == (Status.INVESTIGATING, clerk)

    concern = concern_close(concern=concern, outcome="partly_substantiated", public_reply=REPLY, actor=clerk)
    assert (concern.status, concern.outcome, concern.public_reply) == (Status.CLOSED, "partly_substantiated", REPLY)
    assert concern.closed_at is not None


def test_steps_out_of_order_are_refused(home, clerk) -> None:
    concern = receive(home)
    with pytest.raises(ValidationError, match="请先开展调查"):
        concern_close(concern=concern, outcome="substantiated", public_reply=REPLY, actor=clerk)

    concern_start_investigation(concern=concern, actor=clerk)
    with pytest.raises(ValidationError):
        concern_start_investigation(concern=concern, actor=clerk)

    concern_close(concern=concern, outcome="not_substantiated", public_reply=REPLY, actor=clerk)
    with pytest.raises(ValidationError, match="该投诉已办结"):
        concern_close(concern=concern, outcome="withdrawn", public_reply=REPLY, actor=clerk)
    with pytest.raises(ValidationError):
        concern_start_investigation(concern=concern, actor=clerk)
    assert Concern.objects.get().outcome == "not_substantiated"


@pytest.mark.parametrize("outcome", ["referred", "withdrawn"])
def test_a_referral_or_a_withdrawal_closes_a_case_not_investigated(home, clerk, outcome: str) -> None:
    concern = concern_close(concern=receive(home), outcome=outcome, public_reply="已转交相关部门处理。", actor=clerk)

    assert concern.status == Status.CLOSED and concern.handled_by == clerk


@pytest.mark.parametrize(
    "reply",
    [
        "请联系投诉人13904721234核实。",
        "电话 0472-512 3456",
        "已回复至 zhao.shufen@example.cn",
        "赵淑芬女士反映的问题属实。",  # the contact's name
        "",
    ],
)
def test_a_public_reply_with_personal_data_or_none_is_refused(home, clerk, reply: str) -> None:
    concern = concern_start_investigation(concern=receive(home), actor=clerk)

    with pytest.raises(ValidationError) as refused:
        concern_close(concern=concern, outcome="substantiated", public_reply=reply, actor=clerk)
    assert "public_reply" in refused.value.message_dict
    assert Concern.objects.get().status == Status.INVESTIGATING


def test_only_a_clerk_of_the_jurisdiction_may_handle_a_case(home, outsider, reviewer) -> None:
    concern = receive(home)

    for user in (outsider, reviewer):  # another district's clerk; a reviewer who may only read
        with pytest.raises(PermissionDenied):
            concern_start_investigation(concern=concern, actor=user)
        with pytest.raises(PermissionDenied):
            concern_save_notes(concern=concern, internal_notes="x", actor=user)
    with pytest.raises(PermissionDenied):
        concern_receive(provider=home, category="food", description=DESCRIPTION, actor=outsider)


@pytest.mark.parametrize("status", [ProviderStatus.CLOSED, ProviderStatus.REVOKED, ProviderStatus.DRAFT])
def test_no_concern_is_received_about_a_provider_that_does_not_operate(divisions, status: str) -> None:
    provider = ProviderFactory(status=status)

    with pytest.raises(ValidationError):
        concern_receive(provider=provider, category="food", description=DESCRIPTION)
    assert Concern.objects.count() == 0


def test_the_audit_log_names_each_step_by_the_reference_without_the_text_or_contact(home, clerk) -> None:
    concern = receive(home)
    concern_start_investigation(concern=concern, actor=clerk)
    concern_save_notes(concern=concern, internal_notes="已电话联系家属，约定周三走访。", actor=clerk)
    concern_close(concern=concern, outcome="substantiated", public_reply=REPLY, actor=clerk)

    entries = list(AuditEntry.objects.filter(object_type="concerns.Concern").order_by("id"))
    assert [e.action for e in entries] == ["concern.receive", "concern.investigate", "concern.note", "concern.close"]
    assert entries[0].actor_name == "public concern form" and entries[0].actor_id is None
    assert all(e.object_repr == concern.reference for e in entries)
    logged = " ".join(f"{e.before} {e.after} {e.detail}" for e in entries)
    assert DESCRIPTION not in logged and "走访" not in logged
    assert not any(value in logged for value in CONTACT.values())


def test_the_contact_is_encrypted_at_rest_and_never_in_the_history(home, clerk) -> None:
    concern = receive(home)
    concern_start_investigation(concern=concern, actor=clerk)

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone, contact_email FROM concerns_concern")
        phone, email = cursor.fetchone()
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'concerns_historicalconcern'"
        )
        history_columns = {row[0] for row in cursor.fetchall()}
    assert phone.startswith("gAAAAA") and CONTACT["contact_phone"] not in phone
    assert email.startswith("gAAAAA") and CONTACT["contact_email"] not in email
    assert not {c for c in history_columns if c.startswith("contact")}
    assert Concern.history.count() == 2
    assert Concern.objects.get(contact_phone=CONTACT["contact_phone"]) == concern  # found through its keyed hash
