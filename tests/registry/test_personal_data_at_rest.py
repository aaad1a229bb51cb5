"""ID numbers at rest: encrypted in the tables (and their history), found and kept unique
through a keyed hash, convertible by the migration, rotatable, refused with a wrong key."""

from __future__ import annotations

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from factories import CaregiverFactory, ProviderFactory, ResidentFactory

from registry.crypto import InvalidToken, id_number_hash
from registry.identifiers import make_id_number
from registry.models import Caregiver, Resident

pytestmark = pytest.mark.django_db

RESIDENT_ID = make_id_number("150203", datetime.date(1940, 1, 1), 123)  # 15020319400101123X
CAREGIVER_ID = make_id_number("150202", datetime.date(1978, 6, 15), 321)


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
    resident = ResidentFactory(id_number=RESIDENT_ID, provider=ProviderFactory())
    CaregiverFactory(id_number=CAREGIVER_ID, provider=resident.provider)
    old_key = settings.PERSONAL_DATA_KEYS[0]
    new_key = Fernet.generate_key().decode()
    before = raw_rows("registry_resident", "id_number")

    settings.PERSONAL_DATA_KEYS = [new_key, old_key]  # new first: encrypts; old still decrypts
    call_command("rotate_personal_data_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.PERSONAL_DATA_KEYS = [new_key]  # the old key is retired

    assert raw_rows("registry_resident", "id_number") != before
    assert Resident.objects.get().id_number == RESIDENT_ID
    assert Caregiver.objects.get().id_number == CAREGIVER_ID
    assert resident.history.first().id_number == RESIDENT_ID
    assert Resident.objects.filter(id_number=RESIDENT_ID).exists()  # the hash key did not change


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
        assert Resident.objects.get(id_number=RESIDENT_ID).name == "旧数据"

        executor = MigrationExecutor(connection)
        executor.migrate([before])  # and back: the plain (normalised) number again
        assert raw_rows("registry_resident", "id_number") == [(RESIDENT_ID,)]
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
