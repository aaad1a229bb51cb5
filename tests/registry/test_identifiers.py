"""USCC and resident ID validation and masking (DOMAIN §2)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from factories import CaregiverFactory, ProviderFactory, ResidentFactory
from stdnum.cn import ric

from registry.models import Caregiver, Provider, Resident
from safeguards.identifiers import (
    id_number_birth_date,
    make_id_number,
    make_uscc,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_uscc,
)

REAL_USCC = "91110000600037341L"


def with_check_digit(body17: str) -> str:
    """Append the real GB 11643 MOD 11-2 check character to 17 digits."""
    return body17 + ric.calc_check_digit(body17 + "0")


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def error_of(validator, value: str) -> ValidationError:
    with translation.override("en"), pytest.raises(ValidationError) as info:
        validator(value)
    return info.value


def message(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


# --- unified social credit code -------------------------------------------------------


def test_a_real_uscc_is_accepted():
    validate_uscc(REAL_USCC)


def test_uscc_is_accepted_with_spaces_and_lower_case():
    validate_uscc("9111 0000 6000 3734 1l")


def test_uscc_with_one_character_changed_names_the_check_character():
    error = error_of(validate_uscc, REAL_USCC[:10] + "1" + REAL_USCC[11:])  # 0 → 1 in the organisation code

    assert error.code == "uscc_checksum"
    text = message(error)
    assert "Unified social credit code" in text
    assert "check character" in text


def test_uscc_with_wrong_check_character_says_which_is_expected():
    error = error_of(validate_uscc, REAL_USCC[:-1] + "M")

    assert "expected L" in message(error)


def test_uscc_of_wrong_length_says_how_many_characters_it_has():
    error = error_of(validate_uscc, REAL_USCC[:-2])

    assert error.code == "uscc_length"
    assert "got 16" in message(error)


@pytest.mark.parametrize("value", ["9111000A600037341L", "91110000600037341I", "9111000060003734OL"])
def test_uscc_with_forbidden_characters_is_a_format_error(value):
    error = error_of(validate_uscc, value)

    assert error.code == "uscc_format"
    assert "Unified social credit code" in message(error)


@pytest.mark.parametrize("serial", [1, 42, 99_999_999])
def test_generated_uscc_passes_validation(serial):
    validate_uscc(make_uscc(authority="5", entity_type="2", area_code="150203", serial=serial))


@pytest.mark.django_db
def test_provider_full_clean_reports_bad_uscc_on_the_uscc_field(divisions):
    provider = ProviderFactory.build(uscc=REAL_USCC[:-1] + "M")

    with pytest.raises(ValidationError) as info:
        provider.full_clean()

    assert set(info.value.message_dict) == {"uscc"}


# --- resident ID numbers --------------------------------------------------------------


def test_a_real_id_number_is_accepted():
    validate_id_number(with_check_digit("11010519491231002"))


def test_id_number_with_lower_case_x_is_accepted():
    number = with_check_digit("15020319400101123")
    assert number.endswith("X")

    validate_id_number(number.lower())


def test_id_number_with_wrong_check_digit_names_the_expected_character():
    good = with_check_digit("15020319400101123")

    error = error_of(validate_id_number, wrong_check_digit(good))

    assert error.code == "id_checksum"
    assert "check character" in message(error)
    assert f"expected {good[-1]}" in message(error)


@pytest.mark.parametrize("value", ["15020319400101123", "15020319400101123X0", "150203400101123"])
def test_id_number_of_wrong_length_is_refused_with_the_length(value):
    error = error_of(validate_id_number, value)

    assert error.code == "id_length"
    assert f"got {len(value)}" in message(error)


def test_id_number_with_letters_in_the_body_is_refused():
    error = error_of(validate_id_number, "1502031940A101123X")

    assert error.code == "id_format"


@pytest.mark.parametrize("birth", ["19400230", "19401301", "19400000"])
def test_id_number_with_impossible_birth_date_is_refused(birth):
    error = error_of(validate_id_number, with_check_digit(f"150203{birth}123"))

    assert error.code == "id_birth_date"
    assert "birth date" in message(error)


def test_id_number_born_in_the_future_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    error = error_of(validate_id_number, with_check_digit(f"150203{tomorrow:%Y%m%d}123"))

    assert error.code == "id_birth_date"


def test_id_number_with_unknown_area_code_is_refused_naming_the_code():
    error = error_of(validate_id_number, with_check_digit("99999919400101123"))

    assert error.code == "id_area"
    assert "999999" in message(error)


def test_id_number_with_abolished_area_code_is_still_valid():
    # 152101 Hailar city was abolished in 2001; cards issued before keep the code.
    validate_id_number(with_check_digit("15210119500601123"))


def test_kundulun_resident_born_before_the_district_existed_is_valid():
    """DOMAIN §2: Kundulun (150203) was created in 1983; its 1940-born residents hold
    150203194… numbers. stdnum's is_valid rejects them; our validator must not."""
    number = with_check_digit("15020319400101123")

    validate_id_number(number)
    assert not ric.is_valid(number)


def test_birth_date_is_read_from_the_id_number():
    assert id_number_birth_date(with_check_digit("15020319400229123")) == datetime.date(1940, 2, 29)


def test_generated_id_numbers_pass_validation_and_carry_the_birth_date():
    number = make_id_number("150203", datetime.date(1938, 12, 31), 7)

    validate_id_number(number)
    assert number.startswith("15020319381231007")


@pytest.mark.django_db
def test_resident_full_clean_reports_bad_id_on_the_id_field(divisions):
    resident = ResidentFactory.build(
        provider=ProviderFactory(), id_number=wrong_check_digit(with_check_digit("15020319400101123"))
    )

    with pytest.raises(ValidationError) as info:
        resident.full_clean()

    assert set(info.value.message_dict) == {"id_number"}


@pytest.mark.django_db
def test_caregiver_full_clean_reports_bad_id_on_the_id_field(divisions):
    caregiver = CaregiverFactory.build(provider=ProviderFactory(), id_number=with_check_digit("99999919800101123"))

    with pytest.raises(ValidationError) as info:
        caregiver.full_clean()

    assert set(info.value.message_dict) == {"id_number"}


# --- masking ---------------------------------------------------------------------------


def test_id_number_is_masked_keeping_area_code_and_last_four():
    assert mask_id_number("15020319400101123X") == "150203********123X"


def test_masked_id_number_hides_the_birth_date():
    masked = mask_id_number(with_check_digit("15020319400101123"))

    assert "19400101" not in masked
    assert len(masked) == 18


def test_short_or_empty_id_number_is_masked_entirely():
    assert mask_id_number("123456789") == "*********"
    assert mask_id_number("") == ""


def test_mobile_phone_is_masked_keeping_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_short_phone_keeps_only_its_last_two_digits():
    assert mask_phone("5123456") == "*****56"


def test_empty_phone_stays_empty():
    assert mask_phone("") == ""


# --- the same identifier typed differently ----------------------------------------------


def x_ending_id(birth: datetime.date) -> str:
    return next(number for n in range(1000) if (number := make_id_number("150203", birth, n)).endswith("X"))


@pytest.mark.django_db
def test_a_caregiver_id_typed_with_lower_case_x_is_the_same_person(divisions, clerk, client_for):
    number = x_ending_id(datetime.date(1980, 1, 1))
    provider = ProviderFactory()
    client = client_for(clerk)

    def add(id_number):
        data = {"provider": provider.pk, "name": "王护理", "id_number": id_number}
        data.update(certificate_level="none", employed_from="2024-01-01")
        return client.post(reverse("admin:registry_caregiver_add"), data)

    assert add(number).status_code == 302
    second = add(number.lower())

    assert second.status_code == 200
    assert "id_number" in second.context["adminform"].form.errors
    assert list(Caregiver.objects.values_list("id_number", flat=True)) == [number]


@pytest.mark.django_db
def test_a_resident_id_typed_with_lower_case_x_is_stored_in_capitals(divisions, clerk, client_for):
    number = x_ending_id(datetime.date(1941, 1, 1))
    data = {"provider": ProviderFactory().pk, "name": "赵老人", "id_number": number.lower()}
    data.update(admitted_on="2024-01-01", care_level="self_care", categories="[]")

    assert client_for(clerk).post(reverse("admin:registry_resident_add"), data).status_code == 302

    assert Resident.objects.get().id_number == number


@pytest.mark.django_db
def test_a_uscc_typed_in_lower_case_is_stored_in_capitals(divisions, clerk, client_for, admin_form_data):
    code = make_uscc(authority="5", entity_type="2", area_code="150203", serial=77)
    assert code[-1].isalpha()
    client = client_for(clerk)
    data = admin_form_data(client.get(reverse("admin:registry_provider_add")))
    data.update(
        name="小写代码养老院",
        uscc=code.lower(),
        kind="elderly_institution",
        legal_form="non_profit",
        operation_mode="private",
        registration_authority="civil_affairs",
        division=divisions["150203"].pk,
        address="昆都仑区1号",
    )

    response = client.post(reverse("admin:registry_provider_add"), data)

    assert response.status_code == 302
    assert Provider.objects.get(name="小写代码养老院").uscc == code


def test_an_id_number_typed_in_fullwidth_characters_is_the_same_number():
    from safeguards.identifiers import normalise_id_number

    assert normalise_id_number("１５０２０３１９４００１０１１２３Ｘ") == "15020319400101123X"
    assert normalise_id_number("１５０２０３１９４００１０１１２３ｘ") == "15020319400101123X"


def test_a_birth_certificate_number_keeps_one_letter_and_two_digits():
    """Ten characters masked as an ID number would keep all ten (six and four)."""
    assert mask_id_number("M510123456") == "M*******56"
