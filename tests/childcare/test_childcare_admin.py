"""The back-office of infant care: children, staff and classes scoped to the clerk's
jurisdiction with numbers masked, every save through the audited services (which refuse
an elderly-care provider), and the clerk's two workbench items, each opening the list of
exactly the rows it counts."""

from __future__ import annotations

import datetime

import pytest
from childcare_support import ChildFactory, ClassFactory, NurseryFactory, WorkerFactory
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from factories import DONGHE, ProviderFactory, division

from childcare.models import Child, ChildcareClass, ClassStandard, ClassType
from registry.models import CareMode
from registry.periods import add_months
from registry.workbench import workbench_sections
from safeguards.identifiers import make_id_number, mask_id_number
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def items(user) -> dict[str, tuple[int, str]]:
    with translation.override("en"):
        return {str(i.label): (i.count, i.url) for s in workbench_sections(user) for i in s.items}


def waiting_nothing(user) -> set[str]:
    with translation.override("en"):
        return {str(label) for s in workbench_sections(user) for label in s.nothing_waiting}


def list_rows(client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context_data["cl"].result_list)


OVER_THREE = "Children aged 3 or over still enrolled"
BREACHING = "Childcare classes over size or short of carers"


# --- scoping and masking ---------------------------------------------------------------------


def test_a_clerk_of_another_district_can_neither_see_nor_open_a_child(nursery, clerk, outsider, client_for):
    child = ChildFactory(provider=nursery)
    change = reverse("admin:childcare_child_change", args=[child.pk])
    history = reverse("admin:childcare_child_history", args=[child.pk])

    assert list_rows(client_for(clerk), reverse("admin:childcare_child_changelist")) == [child]
    assert client_for(clerk).get(change).status_code == 200
    outside = client_for(outsider)
    assert list_rows(outside, reverse("admin:childcare_child_changelist")) == []
    assert outside.get(change).status_code == 404
    assert outside.get(history).status_code == 404


def test_staff_and_classes_are_scoped_the_same_way(nursery, outsider, client_for):
    group = ClassFactory(provider=nursery)
    worker = WorkerFactory(provider=nursery, childcare_class=group)
    outside = client_for(outsider)

    assert outside.get(reverse("admin:childcare_childcareworker_change", args=[worker.pk])).status_code == 404
    assert outside.get(reverse("admin:childcare_childcareclass_change", args=[group.pk])).status_code == 404
    assert list_rows(outside, reverse("admin:childcare_childcareclass_changelist")) == []


def test_the_children_list_shows_masked_identifiers_the_age_band_and_the_flag(nursery, clerk, client_for):
    three = ChildFactory(provider=nursery, birth_date=add_months(today(), -40), enrolled_on=add_months(today(), -12))
    baby = ChildFactory(provider=nursery, birth_date=add_months(today(), -8), enrolled_on=today())

    with translation.override("en"):
        html = client_for(clerk).get(reverse("admin:childcare_child_changelist")).content.decode()

    assert mask_id_number(baby.id_number) in html
    assert baby.id_number not in html and three.id_number not in html
    assert "Under 1 year" in html
    assert "3 years or older" in html
    assert html.count('alt="True"') == 1  # the one aged 3


# --- saving through the services ------------------------------------------------------------------


def child_form(provider, **fields) -> dict[str, str]:
    birth = fields.pop("birth_date", datetime.date(2024, 6, 15))
    data = {
        "provider": str(provider.pk),
        "name": "赵小宝",
        "id_number": make_id_number("150203", birth, 77),
        "birth_date": birth.isoformat(),
        "mode": CareMode.HALF_DAY,
        "childcare_class": "",
        "enrolled_on": "2025-09-01",
        "left_on": "",
        "guardian_name": "赵家长",
        "phone": "13800001111",
    }
    data.update(fields)
    return data


def test_the_clerk_enrols_a_child_and_the_audit_log_masks_the_numbers(nursery, clerk, client_for):
    response = client_for(clerk).post(reverse("admin:childcare_child_add"), child_form(nursery))

    assert response.status_code == 302, response.context["adminform"].form.errors
    child = Child.objects.get()
    assert (child.provider, child.mode, child.guardian_name) == (nursery, CareMode.HALF_DAY, "赵家长")
    entry = AuditEntry.objects.get(action="child.add")
    assert entry.actor == clerk
    assert entry.after["id_number"] == mask_id_number(child.id_number)
    assert child.id_number not in str(entry.after) and "13800001111" not in str(entry.after)


def test_a_child_cannot_be_enrolled_at_an_elderly_care_provider(divisions, clerk, client_for):
    home = ProviderFactory(name="昆都仑幸福院")

    with translation.override("en"):
        response = client_for(clerk).post(reverse("admin:childcare_child_add"), child_form(home))

    assert response.status_code == 200
    assert "not an infant-care provider" in " ".join(response.context["adminform"].form.errors["provider"])
    assert not Child.objects.exists()


def test_a_child_aged_three_on_the_enrolment_date_is_refused(nursery, clerk, client_for):
    data = child_form(nursery, birth_date=datetime.date(2022, 8, 31), enrolled_on="2025-08-31")

    with translation.override("en"):
        response = client_for(clerk).post(reverse("admin:childcare_child_add"), data)

    assert "already 3" in " ".join(response.context["adminform"].form.errors["enrolled_on"])
    assert not Child.objects.exists()


def test_a_class_of_another_provider_is_refused(nursery, clerk, client_for):
    other = ClassFactory(provider=NurseryFactory())

    response = client_for(clerk).post(
        reverse("admin:childcare_child_add"), child_form(nursery, childcare_class=str(other.pk))
    )

    assert "childcare_class" in response.context["adminform"].form.errors
    assert not Child.objects.exists()


def test_a_class_standard_in_force_on_the_same_day_as_another_is_refused(divisions, superuser, client_for):
    data = {
        "class_type": ClassType.INFANT,
        "min_age_months": "6",
        "max_age_months": "12",
        "max_children": "8",
        "children_per_carer": "3",
        "effective_from": "2026-01-01",
        "effective_to": "",
        "source": "某盟市卫生健康委",
    }
    client = client_for(superuser)

    response = client.post(reverse("admin:childcare_classstandard_add"), data)

    assert "effective_from" in response.context["adminform"].form.errors
    assert ClassStandard.objects.filter(class_type=ClassType.INFANT).count() == 1
    national = ClassStandard.objects.get(class_type=ClassType.INFANT)
    ended = {**data, "max_children": "10", "effective_from": "2019-10-08", "effective_to": "2025-12-31"}
    ended["source"] = national.source
    assert client.post(reverse("admin:childcare_classstandard_change", args=[national.pk]), ended).status_code == 302
    assert client.post(reverse("admin:childcare_classstandard_add"), data).status_code == 302
    assert AuditEntry.objects.filter(action__startswith="class_standard.").count() == 2


# --- the workbench and the lists it opens ---------------------------------------------------


def test_children_aged_three_still_enrolled_are_counted_and_listed_alike(nursery, clerk, outsider, client_for):
    first_of_month = today().replace(day=1)
    flagged = [
        ChildFactory(provider=nursery, birth_date=add_months(first_of_month, -36), enrolled_on=add_months(today(), -6)),
        ChildFactory(provider=nursery, birth_date=add_months(today(), -40), enrolled_on=add_months(today(), -12)),
    ]
    # Turns 3 on the first of next month: not yet flagged.
    ChildFactory(provider=nursery, birth_date=add_months(first_of_month, -35), enrolled_on=add_months(today(), -6))
    ChildFactory(  # aged 3, but has left
        provider=nursery,
        birth_date=add_months(today(), -40),
        enrolled_on=add_months(today(), -12),
        left_on=today() - datetime.timedelta(days=1),
    )
    ChildFactory(provider=NurseryFactory(division=division(DONGHE)), birth_date=add_months(today(), -40))

    count, url = items(clerk)[OVER_THREE]

    assert count == 2
    assert sorted(c.pk for c in list_rows(client_for(clerk), url)) == sorted(c.pk for c in flagged)
    assert items(outsider)[OVER_THREE][0] == 1


def test_recording_leaving_from_the_list_resolves_the_item(nursery, clerk, client_for):
    children = ChildFactory.create_batch(
        2, provider=nursery, birth_date=add_months(today(), -40), enrolled_on=add_months(today(), -12)
    )
    client = client_for(clerk)
    selected = {"action": "record_leaving", "_selected_action": [str(c.pk) for c in children]}
    changelist = reverse("admin:childcare_child_changelist")

    asked = client.post(changelist, selected)
    assert asked.status_code == 200 and 'name="left_on"' in asked.content.decode()
    refused = client.post(changelist, {**selected, "left_on": "2020-01-01"}, follow=True)
    assert [m.level_tag for m in get_messages(refused.wsgi_request)] == ["error"]
    assert not Child.objects.filter(left_on__isnull=False).exists()  # none of them

    done = client.post(changelist, {**selected, "left_on": today().isoformat()}, follow=True)

    assert [m.level_tag for m in get_messages(done.wsgi_request)] == ["success"]
    assert set(Child.objects.values_list("left_on", flat=True)) == {today()}
    assert AuditEntry.objects.filter(action="child.leave", actor=clerk).count() == 2
    # Still enrolled today (the last day), not tomorrow.
    assert items(clerk)[OVER_THREE][0] == 2
    tomorrow = today() + datetime.timedelta(days=1)
    with translation.override("en"):
        counts = {str(i.label): i.count for s in workbench_sections(clerk, tomorrow) for i in s.items}
    assert OVER_THREE not in counts


def test_classes_over_size_or_short_of_carers_are_counted_and_listed_alike(nursery, clerk, outsider, client_for):
    birth = add_months(today(), -30)
    short = ClassFactory(provider=nursery, name="托大班", class_type=ClassType.TODDLER_LARGE)
    WorkerFactory(provider=nursery, childcare_class=short)
    ChildFactory.create_batch(8, provider=nursery, childcare_class=short, birth_date=birth, enrolled_on=today())
    fine = ClassFactory(provider=nursery, name="托大班二", class_type=ClassType.TODDLER_LARGE)
    WorkerFactory(provider=nursery, childcare_class=fine)
    ChildFactory.create_batch(7, provider=nursery, childcare_class=fine, birth_date=birth, enrolled_on=today())
    assert BREACHING in waiting_nothing(outsider)

    count, url = items(clerk)[BREACHING]

    assert count == 1
    assert list_rows(client_for(clerk), url) == [short]
    with translation.override("en"):
        html = client_for(clerk).get(reverse("admin:childcare_childcareclass_changelist")).content.decode()
    assert "Too few carers for the children" in html and "Within the standard" in html


def test_the_class_page_shows_todays_children_carers_and_result(nursery, clerk, client_for):
    group = ClassFactory(provider=nursery, class_type=ClassType.INFANT)
    WorkerFactory.create_batch(2, provider=nursery, childcare_class=group)
    ChildFactory.create_batch(
        3, provider=nursery, childcare_class=group, birth_date=add_months(today(), -8), enrolled_on=today()
    )

    with translation.override("en"):
        html = client_for(clerk).get(reverse("admin:childcare_childcareclass_change", args=[group.pk])).content.decode()

    assert "Within the standard" in html
    assert ChildcareClass.objects.count() == 1
