"""Personal data in the back-office: ID and phone numbers are masked in lists, forms and
history for everyone; a user with the permission may reveal one person's numbers (audited),
search and filter by a whole number, and correct it.

The city reviewer role lacks ``registry.view_personal_data``; the district clerk has it.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import translation
from factories import CaregiverFactory, ProviderFactory, ResidentFactory

from registry.models import Caregiver, Resident
from safeguards.crypto import id_number_hash, phone_hash
from safeguards.identifiers import make_id_number, mask_id_number, mask_phone
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

RESIDENT_ID = make_id_number("150203", datetime.date(1940, 1, 1), 123)  # 15020319400101123X
NEW_RESIDENT_ID = make_id_number("150203", datetime.date(1941, 2, 3), 456)
CAREGIVER_ID = make_id_number("150202", datetime.date(1978, 6, 15), 321)
RESIDENT_PHONE = "13912345678"
CAREGIVER_PHONE = "13887654321"


@pytest.fixture
def provider(divisions):
    return ProviderFactory()


@pytest.fixture
def resident(provider):
    return ResidentFactory(provider=provider, id_number=RESIDENT_ID, phone=RESIDENT_PHONE)


@pytest.fixture
def caregiver(provider):
    return CaregiverFactory(provider=provider, id_number=CAREGIVER_ID, phone=CAREGIVER_PHONE)


def page(client, name: str, *args, english: bool = False) -> str:
    with translation.override("en" if english else None):
        response = client.get(reverse(f"admin:{name}", args=args))
    assert response.status_code == 200
    return response.content.decode()


def assert_hidden(html: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in html, f"{secret} leaked"


def test_the_masks_used_below_look_as_promised():
    assert RESIDENT_ID == "15020319400101123X"
    assert mask_id_number(RESIDENT_ID) == "150203********123X"
    assert mask_phone(CAREGIVER_PHONE) == "138****4321"


# --- lists ---------------------------------------------------------------------------------


def test_reviewer_sees_masked_ids_in_the_resident_list(resident, reviewer, client_for):
    html = page(client_for(reviewer), "registry_resident_changelist")

    assert "150203********123X" in html
    assert_hidden(html, RESIDENT_ID, RESIDENT_PHONE)


def test_reviewer_sees_masked_ids_and_phones_in_the_caregiver_list(caregiver, reviewer, client_for):
    html = page(client_for(reviewer), "registry_caregiver_changelist")

    assert mask_id_number(CAREGIVER_ID) in html
    assert "138****4321" in html
    assert_hidden(html, CAREGIVER_ID, CAREGIVER_PHONE)


def test_even_the_clerk_sees_masked_ids_and_phones_in_the_lists(resident, caregiver, clerk, client_for):
    client = client_for(clerk)

    residents = page(client, "registry_resident_changelist")
    caregivers = page(client, "registry_caregiver_changelist")

    assert "150203********123X" in residents and mask_phone(CAREGIVER_PHONE) in caregivers
    assert_hidden(residents + caregivers, RESIDENT_ID, CAREGIVER_ID, CAREGIVER_PHONE)


def test_reviewer_cannot_find_a_resident_by_id_number(resident, reviewer, client_for):
    # Searching by the full number would confirm it belongs to a resident.
    response = client_for(reviewer).get(reverse("admin:registry_resident_changelist"), {"q": RESIDENT_ID})

    assert response.context["cl"].result_count == 0


def test_clerk_finds_a_resident_by_id_number(resident, clerk, client_for):
    response = client_for(clerk).get(reverse("admin:registry_resident_changelist"), {"q": RESIDENT_ID})

    assert list(response.context["cl"].result_list) == [resident]


# --- record pages ------------------------------------------------------------------------------


def test_reviewer_sees_masked_id_and_phone_on_the_resident_page(resident, reviewer, client_for):
    html = page(client_for(reviewer), "registry_resident_change", resident.pk)

    assert "150203********123X" in html
    assert "139****5678" in html
    assert_hidden(html, RESIDENT_ID, RESIDENT_PHONE)


def test_reviewer_sees_masked_id_and_phone_on_the_caregiver_page(caregiver, reviewer, client_for):
    html = page(client_for(reviewer), "registry_caregiver_change", caregiver.pk)

    assert mask_id_number(CAREGIVER_ID) in html
    assert "138****4321" in html
    assert_hidden(html, CAREGIVER_ID, CAREGIVER_PHONE)


def test_the_clerks_form_never_sends_the_full_id_but_offers_to_reveal_it(resident, clerk, client_for):
    html = page(client_for(clerk), "registry_resident_change", resident.pk)

    assert_hidden(html, RESIDENT_ID)
    assert 'placeholder="150203********123X"' in html
    assert f'action="{reverse("admin:registry_resident_reveal", args=[resident.pk])}"' in html


def test_the_reveal_button_on_the_page_shows_the_numbers(resident, clerk, client_for):
    """Follow the form as the browser would: its action, posted with the page's cookies."""
    import re

    client = client_for(clerk)
    html = page(client, "registry_resident_change", resident.pk)
    action = re.search(r'<form method="post" action="([^"]+)" class="reveal-form">', html).group(1)

    response = client.post(action)

    assert response.status_code == 200 and RESIDENT_ID in response.content.decode()


def test_revealing_shows_the_full_numbers_and_is_audited(resident, clerk, client_for):
    url = reverse("admin:registry_resident_reveal", args=[resident.pk])

    response = client_for(clerk).post(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert RESIDENT_ID in html and RESIDENT_PHONE in html
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.object_id) == (clerk, str(resident.pk))
    assert response["Cache-Control"] == "no-store"


def test_revealing_needs_a_post_the_permission_and_the_jurisdiction(resident, reviewer, outsider, clerk, client_for):
    url = reverse("admin:registry_resident_reveal", args=[resident.pk])

    assert client_for(clerk).get(url).status_code == 405
    assert client_for(reviewer).post(url).status_code == 403
    assert client_for(outsider).post(url).status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()
    assert "reveal/" not in page(client_for(reviewer), "registry_resident_change", resident.pk)


def test_saving_the_form_untouched_keeps_the_id_number(resident, clerk, client_for, admin_form_data):
    client = client_for(clerk)
    change = reverse("admin:registry_resident_change", args=[resident.pk])
    data = admin_form_data(client.get(change))
    assert data["id_number"] == ""
    data["bed_number"] = "B-12"

    assert client.post(change, data).status_code == 302
    resident.refresh_from_db()
    assert (resident.id_number, resident.bed_number) == (RESIDENT_ID, "B-12")


def test_provider_page_lists_caregivers_without_their_ids(caregiver, resident, reviewer, client_for):
    html = page(client_for(reviewer), "registry_provider_change", caregiver.provider.pk)

    assert caregiver.name in html
    assert_hidden(html, CAREGIVER_ID, CAREGIVER_PHONE, RESIDENT_ID, RESIDENT_PHONE)


def test_provider_list_does_not_show_personal_data(caregiver, resident, reviewer, client_for):
    html = page(client_for(reviewer), "registry_provider_changelist")

    assert_hidden(html, CAREGIVER_ID, CAREGIVER_PHONE, RESIDENT_ID, RESIDENT_PHONE)


# --- history -----------------------------------------------------------------------------------


@pytest.fixture
def resident_with_new_id(resident, clerk, client_for, admin_form_data):
    """The clerk corrects the resident's ID and phone number in the admin."""
    client = client_for(clerk)
    change = reverse("admin:registry_resident_change", args=[resident.pk])
    data = admin_form_data(client.get(change))
    data.update(id_number=NEW_RESIDENT_ID, phone="13700001111")
    assert client.post(change, data).status_code == 302
    assert Resident.objects.get(pk=resident.pk).id_number == NEW_RESIDENT_ID
    return resident


@pytest.mark.parametrize("english", [False, True], ids=["default language", "english"])
def test_reviewer_never_sees_old_or_new_ids_in_the_history(resident_with_new_id, reviewer, client_for, english):
    html = page(client_for(reviewer), "registry_resident_history", resident_with_new_id.pk, english=english)

    assert_hidden(html, RESIDENT_ID, NEW_RESIDENT_ID, RESIDENT_PHONE, "13700001111")
    assert mask_id_number(NEW_RESIDENT_ID) in html


@pytest.mark.parametrize("english", [False, True], ids=["default language", "english"])
def test_reviewer_never_sees_caregiver_ids_in_the_history(caregiver, reviewer, client_for, english):
    caregiver.id_number = make_id_number("150202", datetime.date(1979, 1, 2), 9)
    caregiver.phone = "13600002222"
    caregiver.save()

    html = page(client_for(reviewer), "registry_caregiver_history", caregiver.pk, english=english)

    assert_hidden(html, CAREGIVER_ID, caregiver.id_number, CAREGIVER_PHONE, "13600002222")


def test_the_clerk_sees_the_id_change_masked_in_the_history(resident_with_new_id, clerk, client_for):
    html = page(client_for(clerk), "registry_resident_history", resident_with_new_id.pk)

    assert mask_id_number(RESIDENT_ID) in html and mask_id_number(NEW_RESIDENT_ID) in html
    assert_hidden(html, RESIDENT_ID, NEW_RESIDENT_ID)


def test_reviewer_may_not_open_a_past_version(resident_with_new_id, reviewer, client_for):
    version = resident_with_new_id.history.earliest("history_id")

    response = client_for(reviewer).get(
        reverse("admin:registry_resident_simple_history", args=[resident_with_new_id.pk, version.pk])
    )

    assert response.status_code == 403


def test_the_clerk_opens_a_past_version_without_the_old_id_in_the_page(resident_with_new_id, clerk, client_for):
    version = resident_with_new_id.history.earliest("history_id")

    html = page(client_for(clerk), "registry_resident_simple_history", resident_with_new_id.pk, version.pk)

    assert_hidden(html, RESIDENT_ID)
    assert mask_id_number(RESIDENT_ID) in html


@pytest.mark.parametrize(
    "model, lookup, value",
    [
        ("resident", "id_number", RESIDENT_ID),
        ("resident", "id_number__startswith", RESIDENT_ID[:12]),
        ("resident", "phone__startswith", RESIDENT_PHONE[:7]),
        ("caregiver", "id_number__contains", CAREGIVER_ID[6:14]),
    ],
)
def test_reviewer_cannot_probe_personal_data_with_url_filters(
    resident, caregiver, reviewer, client_for, model, lookup, value
):
    """Filtering ``?id_number__startswith=…`` digit by digit would reveal the whole number."""
    response = client_for(reviewer).get(reverse(f"admin:registry_{model}_changelist"), {lookup: value})

    found = response.status_code == 200 and response.context["cl"].result_count > 0
    assert not found


def test_clerk_may_filter_by_id_number(resident, clerk, client_for):
    response = client_for(clerk).get(reverse("admin:registry_resident_changelist"), {"id_number": RESIDENT_ID})

    assert response.context["cl"].result_count == 1


def test_the_clerk_may_not_filter_by_part_of_an_id_number(resident, clerk, client_for):
    response = client_for(clerk).get(
        reverse("admin:registry_resident_changelist"), {"id_number__startswith": RESIDENT_ID[:12]}
    )

    assert response.status_code == 400 or response.context["cl"].result_count == 0


@pytest.mark.parametrize(
    "lookup", ["id_number_hash", "id_number_hash__startswith", "phone_hash", "phone_hash__startswith"]
)
@pytest.mark.parametrize("model", ["resident", "caregiver"])
@pytest.mark.parametrize("who", ["clerk", "reviewer"])
def test_nobody_may_filter_by_a_keyed_hash(resident, caregiver, client_for, request, who, model, lookup):
    """``?id_number_hash__startswith=ab`` would be an oracle for the hash, one character at
    a time: refused as Django refuses a disallowed lookup (400), even with the permission."""
    person = resident if model == "resident" else caregiver
    digest = {"id_number_hash": id_number_hash(person.id_number), "phone_hash": phone_hash(person.phone)}[
        lookup.split("__")[0]
    ]
    value = digest if lookup.endswith("_hash") else digest[:2]

    response = client_for(request.getfixturevalue(who)).get(
        reverse(f"admin:registry_{model}_changelist"), {lookup: value}
    )

    assert response.status_code == 400


def test_nor_through_the_provider_list(resident, clerk, client_for):
    response = client_for(clerk).get(
        reverse("admin:registry_provider_changelist"),
        {"residents__id_number_hash__startswith": id_number_hash(RESIDENT_ID)[:2]},
    )

    assert response.status_code == 400


# --- phones in forms and history (issue 22) --------------------------------------------


def test_the_clerks_form_never_sends_the_full_phone(resident, caregiver, clerk, client_for):
    client = client_for(clerk)

    residents = page(client, "registry_resident_change", resident.pk)
    caregivers = page(client, "registry_caregiver_change", caregiver.pk)

    assert_hidden(residents, RESIDENT_PHONE)
    assert_hidden(caregivers, CAREGIVER_PHONE)
    assert 'placeholder="139****5678"' in residents and 'placeholder="138****4321"' in caregivers


def test_the_phone_input_is_a_line_not_a_textarea(resident, clerk, client_for):
    html = page(client_for(clerk), "registry_resident_change", resident.pk)

    assert '<input type="text" name="phone"' in html and 'name="phone-remove"' in html
    assert '<textarea name="phone"' not in html and '<textarea name="id_number"' not in html


def test_saving_the_form_untouched_keeps_the_phone(resident, clerk, client_for, admin_form_data):
    client = client_for(clerk)
    change = reverse("admin:registry_resident_change", args=[resident.pk])
    data = admin_form_data(client.get(change))
    assert data["phone"] == "" and "phone-remove" not in data
    data["bed_number"] = "B-12"

    assert client.post(change, data).status_code == 302
    resident.refresh_from_db()
    assert (resident.phone, resident.bed_number) == (RESIDENT_PHONE, "B-12")


def test_a_typed_phone_replaces_the_one_on_record(caregiver, clerk, client_for, admin_form_data):
    client = client_for(clerk)
    change = reverse("admin:registry_caregiver_change", args=[caregiver.pk])
    data = admin_form_data(client.get(change))
    data["phone"] = "13600002222"

    assert client.post(change, data).status_code == 302
    assert Caregiver.objects.get(phone="13600002222") == caregiver


def test_the_clerk_may_remove_a_phone_but_not_type_one_and_remove_it(resident, clerk, client_for, admin_form_data):
    client = client_for(clerk)
    change = reverse("admin:registry_resident_change", args=[resident.pk])
    data = admin_form_data(client.get(change))

    refused = client.post(change, {**data, "phone": "13600002222", "phone-remove": "on"})
    assert refused.status_code == 200 and "phone" in refused.context["adminform"].form.errors

    assert client.post(change, {**data, "phone-remove": "on"}).status_code == 302
    resident.refresh_from_db()
    assert resident.phone == "" and resident.id_number == RESIDENT_ID
    message = LogEntry.objects.get(object_id=str(resident.pk)).get_change_message()
    assert "电话" in message and "身份证" not in message  # the admin's log names what changed


def test_a_user_who_may_only_view_sees_masked_numbers_even_with_the_permission(resident, make_staff, client_for):
    """A read-only field would print the number in full: masked text instead."""
    from django.contrib.auth.models import Permission

    viewer = make_staff(None, "150203")
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_resident", "view_personal_data", "view_provider"])
    )

    html = page(client_for(viewer), "registry_resident_change", resident.pk)

    assert "139****5678" in html and "150203********123X" in html
    assert_hidden(html, RESIDENT_PHONE, RESIDENT_ID)


def test_the_clerk_searches_by_a_whole_phone_number_the_reviewer_cannot(resident, clerk, reviewer, client_for):
    url = reverse("admin:registry_resident_changelist")

    found = client_for(clerk).get(url, {"q": RESIDENT_PHONE})
    partial = client_for(clerk).get(url, {"q": RESIDENT_PHONE[:7]})
    not_found = client_for(reviewer).get(url, {"q": RESIDENT_PHONE})

    assert list(found.context["cl"].result_list) == [resident]
    assert partial.context["cl"].result_count == 0
    assert not_found.context["cl"].result_count == 0


def test_the_clerk_may_filter_by_a_whole_phone_but_not_by_part_of_one(resident, clerk, client_for):
    url = reverse("admin:registry_resident_changelist")

    assert client_for(clerk).get(url, {"phone": RESIDENT_PHONE}).context["cl"].result_count == 1
    assert client_for(clerk).get(url, {"phone__startswith": RESIDENT_PHONE[:7]}).status_code == 400


def test_the_clerk_sees_phone_changes_masked_and_no_hash_in_the_history(resident_with_new_id, clerk, client_for):
    html = page(client_for(clerk), "registry_resident_history", resident_with_new_id.pk)

    assert mask_phone(RESIDENT_PHONE) in html and mask_phone("13700001111") in html
    assert_hidden(
        html,
        RESIDENT_PHONE,
        "13700001111",
        phone_hash(RESIDENT_PHONE),
        phone_hash("13700001111"),
        id_number_hash(NEW_RESIDENT_ID),
    )


@pytest.mark.parametrize("version", ["earliest", "latest"])
def test_the_clerk_opens_a_past_version_without_its_phone_in_the_page(resident_with_new_id, clerk, client_for, version):
    record = getattr(resident_with_new_id.history, version)("history_id")

    html = page(client_for(clerk), "registry_resident_simple_history", resident_with_new_id.pk, record.pk)

    assert_hidden(html, RESIDENT_PHONE, "13700001111", RESIDENT_ID, NEW_RESIDENT_ID)
    assert f'placeholder="{mask_phone(record.phone)}"' in html


def test_revealing_a_caregiver_shows_the_full_phone_and_is_audited(caregiver, clerk, client_for):
    response = client_for(clerk).post(reverse("admin:registry_caregiver_reveal", args=[caregiver.pk]))

    assert response.status_code == 200
    assert CAREGIVER_PHONE in response.content.decode() and CAREGIVER_ID in response.content.decode()
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.object_id) == (clerk, str(caregiver.pk))
