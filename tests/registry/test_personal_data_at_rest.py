"""ID and phone numbers at rest: encrypted in the tables (and their history), found (and ID
numbers kept unique) through a keyed hash, convertible by the migrations, rotatable,
refused with a wrong key."""

from __future__ import annotations

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from factories import CaregiverFactory, ProviderFactory, ResidentFactory

from registry.models import Caregiver, Resident
from safeguards.crypto import InvalidToken, encrypt_text, id_number_hash, phone_hash
from safeguards.identifiers import make_id_number

pytestmark = pytest.mark.django_db

RESIDENT_ID = make_id_number("150203", datetime.date(1940, 1, 1), 123)  # 15020319400101123X
CAREGIVER_ID = make_id_number("150202", datetime.date(1978, 6, 15), 321)
RESIDENT_PHONE = "13912345678"
CAREGIVER_PHONE = "0472-5123456"


def insert(table: str, **values: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",  # noqa: S608
            list(values.values()),
        )


def raw_rows(table: str, *columns: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608 - fixed names
        return cursor.fetchall()


def test_the_tables_and_their_history_hold_no_plain_id_number(divisions):
    resident = ResidentFactory(id_number=RESIDENT_ID, provider=ProviderFactory())
    CaregiverFactory(id_number=CAREGIVER_ID, provider=resident.provider)
    resident.bed_number = "A-1"
    resident.save()

    for table, plain in [
        ("registry_resident", RESIDENT_ID),
        ("registry_historicalresident", RESIDENT_ID),
        ("registry_caregiver", CAREGIVER_ID),
        ("registry_historicalcaregiver", CAREGIVER_ID),
    ]:
        rows = raw_rows(table, "id_number", "id_number_hash")
        assert rows, table
        for stored, digest in rows:
            assert plain not in stored and stored.startswith("gAAAAA"), table  # a Fernet token
            assert digest == id_number_hash(plain) and plain not in digest
    assert Resident.objects.get().id_number == RESIDENT_ID  # and the model reads it back


def test_the_same_number_encrypts_differently_each_time_but_hashes_alike(divisions):
    provider = ProviderFactory()
    ResidentFactory(id_number=RESIDENT_ID, provider=provider)
    ResidentFactory(id_number=RESIDENT_ID, provider=ProviderFactory())

    (first_token, first_hash), (second_token, second_hash) = raw_rows(
        "registry_resident", "id_number", "id_number_hash"
    )

    assert first_token != second_token
    assert first_hash == second_hash


def test_exact_and_in_lookups_work_through_the_hash_in_any_case(divisions):
    number = make_id_number("150203", datetime.date(1941, 1, 1), 1)
    while not number.endswith("X"):
        number = make_id_number("150203", datetime.date(1941, 1, 1), int(number[14:17]) + 1)
    resident = ResidentFactory(id_number=number, provider=ProviderFactory())
    ResidentFactory(id_number=RESIDENT_ID, provider=resident.provider)

    assert list(Resident.objects.filter(id_number=number)) == [resident]
    assert list(Resident.objects.filter(id_number=number.lower())) == [resident]
    assert list(Resident.objects.filter(id_number__iexact=number.lower())) == [resident]
    assert Resident.objects.filter(id_number__in=[number, RESIDENT_ID, "110101190001011234"]).count() == 2
    assert not Resident.objects.filter(id_number__in=[]).exists()


@pytest.mark.parametrize("lookup", ["startswith", "contains", "gt", "regex"])
def test_lookups_that_would_need_the_plain_text_are_refused(divisions, lookup):
    with pytest.raises(FieldError):
        list(Resident.objects.filter(**{f"id_number__{lookup}": "150203"}))


def test_the_database_refuses_a_second_stay_of_one_person_at_one_provider(divisions):
    provider = ProviderFactory()
    ResidentFactory(id_number=RESIDENT_ID, provider=provider)

    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.bulk_create([ResidentFactory.build(id_number=RESIDENT_ID.lower(), provider=provider)])


def test_the_database_refuses_one_caregiver_twice(divisions):
    CaregiverFactory(id_number=CAREGIVER_ID)

    with pytest.raises(IntegrityError), transaction.atomic():
        Caregiver.objects.bulk_create([CaregiverFactory.build(id_number=CAREGIVER_ID, provider=ProviderFactory())])


def test_a_wrong_key_fails_loudly_instead_of_returning_garbage(divisions, settings):
    ResidentFactory(id_number=RESIDENT_ID, provider=ProviderFactory())
    settings.PERSONAL_DATA_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(InvalidToken):
        Resident.objects.get()


def test_key_rotation_re_encrypts_everything_with_the_new_key(divisions, settings):
    resident = ResidentFactory(id_number=RESIDENT_ID, phone=RESIDENT_PHONE, provider=ProviderFactory())
    CaregiverFactory(id_number=CAREGIVER_ID, phone=CAREGIVER_PHONE, provider=resident.provider)
    old_key = settings.PERSONAL_DATA_KEYS[0]
    new_key = Fernet.generate_key().decode()
    before = raw_rows("registry_resident", "id_number")
    phones_before = raw_rows("registry_historicalcaregiver", "phone")

    settings.PERSONAL_DATA_KEYS = [new_key, old_key]  # new first: encrypts; old still decrypts
    call_command("rotate_personal_data_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.PERSONAL_DATA_KEYS = [new_key]  # the old key is retired

    assert raw_rows("registry_resident", "id_number") != before
    assert raw_rows("registry_historicalcaregiver", "phone") != phones_before
    assert Resident.objects.get().id_number == RESIDENT_ID
    assert Caregiver.objects.get().id_number == CAREGIVER_ID
    assert resident.history.first().id_number == RESIDENT_ID
    assert (Resident.objects.get().phone, resident.history.first().phone) == (RESIDENT_PHONE, RESIDENT_PHONE)
    assert Caregiver.objects.get().history.first().phone == CAREGIVER_PHONE
    assert Resident.objects.filter(id_number=RESIDENT_ID).exists()  # the hash key did not change
    assert Caregiver.objects.filter(phone=CAREGIVER_PHONE).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_encrypts_numbers_stored_in_plain_text_and_back(divisions):
    provider = ProviderFactory()
    executor = MigrationExecutor(connection)
    before, after = ("registry", "0011_security_admin_devices_and_lockouts"), ("registry", "0012_id_numbers_encrypted")
    executor.migrate([before])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO registry_resident (name, id_number, phone, provider_id, bed_number, admitted_on,"
                " care_level, categories) VALUES (%s, %s, '', %s, '', '2024-01-01', 'self_care', '[]')",
                ["旧数据", RESIDENT_ID.lower(), provider.pk],
            )
        assert raw_rows("registry_resident", "id_number") == [(RESIDENT_ID.lower(),)]

        executor = MigrationExecutor(connection)
        executor.migrate([after])

        [(stored, digest)] = raw_rows("registry_resident", "id_number", "id_number_hash")
        assert stored.startswith("gAAAAA") and RESIDENT_ID not in stored
        assert digest == id_number_hash(RESIDENT_ID)
        old_resident = executor.loader.project_state([after]).apps.get_model("registry", "Resident")
        assert old_resident.objects.get(id_number=RESIDENT_ID).name == "旧数据"  # the model as it was then

        executor = MigrationExecutor(connection)
        executor.migrate([before])  # and back: the plain (normalised) number again
        assert raw_rows("registry_resident", "id_number") == [(RESIDENT_ID,)]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- phones --------------------------------------------------------------------------------


def test_the_tables_and_their_history_hold_no_plain_phone(divisions):
    resident = ResidentFactory(phone=RESIDENT_PHONE, provider=ProviderFactory())
    CaregiverFactory(phone=CAREGIVER_PHONE, provider=resident.provider)
    resident.phone = "13700001111"
    resident.save()

    for table, phones in [
        ("registry_resident", {"13700001111"}),
        ("registry_historicalresident", {RESIDENT_PHONE, "13700001111"}),
        ("registry_caregiver", {CAREGIVER_PHONE}),
        ("registry_historicalcaregiver", {CAREGIVER_PHONE}),
    ]:
        rows = raw_rows(table, "phone", "phone_hash")
        assert rows, table
        for stored, digest in rows:
            assert stored.startswith("gAAAAA"), table  # a Fernet token
            assert all(phone not in stored for phone in phones | {RESIDENT_PHONE, CAREGIVER_PHONE})
            assert digest in {phone_hash(phone) for phone in phones}, table
    assert Resident.objects.get().phone == "13700001111"  # and the model reads it back
    assert {h.phone for h in resident.history.all()} == {RESIDENT_PHONE, "13700001111"}


def test_a_missing_phone_stays_empty_and_is_found_as_empty(divisions):
    resident = ResidentFactory(phone="", provider=ProviderFactory())
    ResidentFactory(phone=RESIDENT_PHONE, provider=resident.provider)

    assert ("", "") in raw_rows("registry_resident", "phone", "phone_hash")
    assert list(Resident.objects.filter(phone="")) == [resident]
    assert Resident.objects.exclude(phone="").get().phone == RESIDENT_PHONE


def test_phones_are_found_as_whole_numbers_however_they_are_written(divisions):
    caregiver = CaregiverFactory(phone=CAREGIVER_PHONE, provider=ProviderFactory())
    CaregiverFactory(phone=RESIDENT_PHONE, provider=caregiver.provider)

    assert list(Caregiver.objects.filter(phone="0472 512 3456")) == [caregiver]
    assert list(Caregiver.objects.filter(phone="０４７２（５１２３４５６）")) == [caregiver]  # fullwidth
    assert Caregiver.objects.filter(phone__in=[CAREGIVER_PHONE, RESIDENT_PHONE, "110"]).count() == 2
    assert not Caregiver.objects.filter(phone="0472512345").exists()
    assert phone_hash(CAREGIVER_PHONE) != id_number_hash(CAREGIVER_PHONE)  # domain-separated


@pytest.mark.parametrize("lookup", ["startswith", "contains", "endswith", "gt", "regex"])
def test_phone_lookups_that_would_need_the_plain_text_are_refused(divisions, lookup):
    with pytest.raises(FieldError):
        list(Caregiver.objects.filter(**{f"phone__{lookup}": "139"}))


def test_a_phone_longer_than_30_characters_is_refused(divisions):
    from django.core.exceptions import ValidationError

    resident = ResidentFactory.build(phone="1" * 31, provider=ProviderFactory())

    with pytest.raises(ValidationError) as error:
        resident.full_clean()
    assert "phone" in error.value.message_dict


def test_rows_written_with_copy_hold_phone_tokens_and_hashes(divisions, clerk):
    from registry.bulk import create_with_history

    provider = ProviderFactory()
    residents = [
        ResidentFactory.build(provider=provider, id_number=RESIDENT_ID, phone=RESIDENT_PHONE),
        ResidentFactory.build(provider=provider, phone=""),
    ]

    create_with_history(Resident, residents, user=clerk, reason="test")

    for table in ("registry_resident", "registry_historicalresident"):
        rows = sorted(raw_rows(table, "phone", "phone_hash"))
        assert rows[0] == ("", ""), table
        assert rows[1][0].startswith("gAAAAA") and RESIDENT_PHONE not in rows[1][0], table
        assert rows[1][1] == phone_hash(RESIDENT_PHONE), table
    assert Resident.objects.get(phone=RESIDENT_PHONE).history.get().phone == RESIDENT_PHONE


def test_scale_data_stores_phones_as_the_model_does(divisions):
    from demo.scale import generate

    generate(providers=20, residents=200, months=1, force=True)

    for model in (Resident, Caregiver):
        rows = raw_rows(model._meta.db_table, "id", "phone", "phone_hash")
        phones = dict(model.objects.values_list("id", "phone"))
        assert any(stored for _id, stored, _digest in rows), model
        for pk, stored, digest in rows:
            assert (stored.startswith("gAAAAA") and digest == phone_hash(phones[pk])) or stored == digest == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_encrypts_phones_stored_in_plain_text_and_back(divisions):
    provider = ProviderFactory()
    executor = MigrationExecutor(connection)
    after = ("registry", "0018_phones_encrypted")
    [before] = [dep for dep in executor.loader.get_migration(*after).dependencies if dep[0] == "registry"]
    executor.migrate([before])
    try:
        resident = {
            "name": "旧数据",
            "id_number": encrypt_text(RESIDENT_ID),  # 0012 encrypted ID numbers already
            "id_number_hash": id_number_hash(RESIDENT_ID),
            "provider_id": provider.pk,
            "bed_number": "",
            "admitted_on": "2024-01-01",
            "care_level": "self_care",
            "categories": "[]",
        }
        insert("registry_resident", phone=RESIDENT_PHONE, **resident)
        insert("registry_historicalresident", id=1, phone="", history_date="2024-01-01", history_type="+", **resident)
        insert(
            "registry_caregiver",
            name="旧护理员",
            id_number=encrypt_text(CAREGIVER_ID),
            id_number_hash=id_number_hash(CAREGIVER_ID),
            phone=CAREGIVER_PHONE,
            provider_id=provider.pk,
            certificate_level="none",
            certificate_number="",
            employed_from="2024-01-01",
        )
        assert raw_rows("registry_resident", "phone") == [(RESIDENT_PHONE,)]

        executor = MigrationExecutor(connection)
        executor.migrate([after])

        [(stored, digest)] = raw_rows("registry_resident", "phone", "phone_hash")
        assert stored.startswith("gAAAAA") and RESIDENT_PHONE not in stored
        assert digest == phone_hash(RESIDENT_PHONE)
        [(stored, digest)] = raw_rows("registry_caregiver", "phone", "phone_hash")
        assert stored.startswith("gAAAAA") and digest == phone_hash(CAREGIVER_PHONE)
        assert raw_rows("registry_historicalresident", "phone", "phone_hash") == [("", "")]  # no phone: empty
        old_caregiver = executor.loader.project_state([after]).apps.get_model("registry", "Caregiver")
        assert old_caregiver.objects.get(phone=CAREGIVER_PHONE).name == "旧护理员"  # the model as it was then

        executor = MigrationExecutor(connection)
        executor.migrate([before])  # and back: the plain numbers again
        assert raw_rows("registry_resident", "phone") == [(RESIDENT_PHONE,)]
        assert raw_rows("registry_caregiver", "phone") == [(CAREGIVER_PHONE,)]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_stored_roster_upload_is_encrypted_and_deleted_once_imported(divisions, clerk):
    from registry.models import RosterImport
    from registry.rosters import uploads

    provider = ProviderFactory()
    data = (
        "身份证号,姓名,机构统一社会信用代码,入住日期,照护等级\r\n"
        f"{RESIDENT_ID},王老人,{provider.uscc},2025-03-01,自理\r\n"
    ).encode("gbk")
    upload = uploads.upload_create(kind="residents", filename="名册.csv", data=data, user=clerk, rows=1)

    upload.file.open("rb")
    stored = upload.file.read()
    upload.file.close()
    assert RESIDENT_ID.encode() not in stored and data not in stored
    assert uploads.upload_validate(upload).valid
    upload.refresh_from_db()

    uploads.upload_apply(upload, digest=upload.digest)

    assert Resident.objects.get().id_number == RESIDENT_ID
    assert RosterImport.objects.get().file.name == ""
