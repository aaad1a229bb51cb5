"""Childcare enrolment through the portal (issue 18): an infant-care provider enrols a child
or records that one left, one at a time, or sends its children roster; accepted, the
register counts the child (the clerk's list, the public page's vacant places); the child's
identifier and the guardian's phone are never kept in clear in what was sent."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import ProviderFactory
from portal_support import (
    accept,
    form_errors,
    latest,
    portal_client,
    provider_user,
    return_to_provider,
    send,
    text_of,
    xlsx_upload,
)

from childcare.models import Child, ChildcareClass, ClassType
from childcare.rosters import CHILDREN
from portal.models import Submission
from registry.models import CareMode, ProviderKind, ProviderStatus, User
from safeguards.identifiers import make_id_number, mask_id_number, mask_phone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]

HEADERS = [c.header for c in CHILDREN.columns]
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _english() -> None:
    translation.activate("en")


@pytest.fixture
def nursery() -> Any:
    return ProviderFactory(
        name="阳光托育园",
        kind=ProviderKind.NURSERY,
        status=ProviderStatus.CERTIFIED,
        beds=0,
        nursing_beds=0,
        childcare_places=20,
    )


def birth_of_a_toddler() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=500)


def enrolment(**fields: Any) -> dict[str, Any]:
    born = birth_of_a_toddler()
    return {
        "movement": "enrolment",
        "day": timezone.localdate().isoformat(),
        "name": "王小宝",
        "id_number": make_id_number("150203", born, 7),
        "birth_date": born.isoformat(),
        "mode": CareMode.FULL_DAY,
        "guardian_name": "王伟",
        "phone": PHONE,
        **fields,
    }


def enrolled_child(provider: Any, name: str, **fields: Any) -> Child:
    born = birth_of_a_toddler()
    values: dict[str, Any] = {
        "provider": provider,
        "name": name,
        "id_number": make_id_number("150203", born, 30 + len(name)),
        "birth_date": born,
        "mode": CareMode.FULL_DAY,
        "enrolled_on": timezone.localdate() - datetime.timedelta(days=100),
        "guardian_name": "张强",
        **fields,
    }
    return Child.objects.create(**values)


def public_text(provider: Any) -> str:
    return text_of(Client().get(f"/en/providers/{provider.uscc}/").content.decode())


def test_a_child_enrolled_from_the_phone_is_counted_once_accepted(
    nursery: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    group = ChildcareClass.objects.create(provider=nursery, name="托小班", class_type=ClassType.TODDLER_SMALL)
    portal = portal_client(provider_user(nursery))
    assert "Vacant places: 20" in public_text(nursery)
    data = enrolment(childcare_class=group.pk)
    response = send(portal, nursery, "children_change", data)
    assert response.status_code == 302, form_errors(response)
    submission = latest(nursery, "children_change")
    assert data["id_number"] not in str(submission.data) and PHONE not in str(submission.data)
    detail = text_of(portal.get(response.url).content.decode())
    assert mask_id_number(data["id_number"]) in detail and mask_phone(PHONE) in detail and PHONE not in detail

    accept(client_for(clerk), submission)
    child = Child.objects.get(provider=nursery)
    assert (child.name, child.id_number, child.phone, child.childcare_class) == (
        "王小宝",
        data["id_number"],
        PHONE,
        group,
    )
    assert "王小宝" in client_for(clerk).get(reverse("admin:childcare_child_changelist")).content.decode()
    assert "Vacant places: 19" in public_text(nursery)


def test_an_enrolment_is_refused_before_it_is_sent(nursery: Any) -> None:
    portal = portal_client(provider_user(nursery))
    born = timezone.localdate() - datetime.timedelta(days=365 * 3 + 40)
    too_old = send(portal, nursery, "children_change", enrolment(birth_date=born.isoformat(), id_number="M123456789"))
    assert "day" in too_old.context["form"].errors  # 3 on the enrolment day: infant care is for the under-3s
    other_birth = send(portal, nursery, "children_change", enrolment(birth_date="2025-01-01"))
    assert "birth_date" in other_birth.context["form"].errors  # the ID number says another date of birth
    assert not Submission.objects.exists()


def test_a_child_leaving_is_recorded_and_a_return_is_corrected(
    nursery: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    child = enrolled_child(nursery, "李小花")
    portal = portal_client(provider_user(nursery))
    page = portal.get(reverse("portal:submission_new", args=[nursery.pk, "children_change"])).content.decode()
    assert mask_id_number(child.id_number) in page and child.id_number not in page
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    future = send(
        portal, nursery, "children_change", {"movement": "leaving", "day": tomorrow.isoformat(), "child": child.pk}
    )
    assert "day" in future.context["form"].errors
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    send(portal, nursery, "children_change", {"movement": "leaving", "day": yesterday.isoformat(), "child": child.pk})
    submission = latest(nursery, "children_change")
    staff = client_for(clerk)
    return_to_provider(staff, submission, "离园日期应为本周五")
    assert "离园日期应为本周五" in text_of(portal.get(reverse("portal:provider", args=[nursery.pk])).content.decode())
    today = timezone.localdate()
    portal.post(
        reverse("portal:submission_edit", args=[nursery.pk, submission.pk]),
        {"movement": "leaving", "day": today.isoformat(), "child": child.pk, "submit": "1"},
    )
    accept(staff, submission)
    child.refresh_from_db()
    assert child.left_on == today


def test_the_children_roster_is_checked_then_imported(
    nursery: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    ChildcareClass.objects.create(provider=nursery, name="托小班", class_type=ClassType.TODDLER_SMALL)
    born = birth_of_a_toddler()
    row = {
        "姓名": "赵小宝",
        "证件号码（身份证或出生医学证明）": make_id_number("150203", born, 9),
        "机构统一社会信用代码": nursery.uscc,
        "出生日期": born.isoformat(),
        "托育类型": "全日托",
        "入托日期": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "班级": "托小班",
        "监护人": "赵刚",
        "监护人电话": PHONE,
    }
    portal = portal_client(provider_user(nursery))
    wrong_class = portal.post(
        reverse("portal:submission_new", args=[nursery.pk, "children_roster"]),
        {"files": xlsx_upload(HEADERS, [{**row, "班级": "托大班"}]), "draft": "1"},
    )
    assert "row 2, 班级" in form_errors(wrong_class)
    checked = portal.post(
        reverse("portal:submission_new", args=[nursery.pk, "children_roster"]),
        {"files": xlsx_upload(HEADERS, [row]), "draft": "1"},
    )
    assert checked.status_code == 302, form_errors(checked)
    submission = latest(nursery, "children_roster")
    assert "1 new rows, 0 changed, 0 unchanged." in text_of(portal.get(checked.url).content.decode())
    portal.post(reverse("portal:submission_send", args=[nursery.pk, submission.pk]))
    accept(client_for(clerk), submission)
    child = Child.objects.get(provider=nursery)
    assert (child.name, child.childcare_class.name if child.childcare_class else None) == ("赵小宝", "托小班")


def test_a_home_cannot_send_children_nor_a_nursery_residents(nursery: Any) -> None:
    home = ProviderFactory(status=ProviderStatus.CERTIFIED)
    home_portal = portal_client(provider_user(home, "home_user"))
    nursery_portal = portal_client(provider_user(nursery, "nursery_user"))
    for kind in ("children_change", "children_roster"):
        assert home_portal.get(reverse("portal:submission_new", args=[home.pk, kind])).status_code == 404
    for kind in ("residents_change", "residents_roster", "annual_report"):
        assert nursery_portal.get(reverse("portal:submission_new", args=[nursery.pk, kind])).status_code == 404
