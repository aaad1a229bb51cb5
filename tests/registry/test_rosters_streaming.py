"""Big rosters are checked and saved a chunk at a time, as the file is read (issue 8).

Chunks are made small here (``CHUNK_ROWS``) so that a few rows span several: a clerk must
not be able to tell — every row is still checked before anything counts, one bad row in
the last chunk saves nothing, a duplicate is found across chunks, and the rows and history
rows written with ``COPY`` are those ``bulk_create_with_history`` would have written.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rosters_support import HEADERS, cells, elderly_id, has_error, resident_row, snapshot

from registry.models import Resident, validate_resident_categories
from registry.rosters import engine
from registry.rosters.cells import text
from registry.rosters.engine import RosterRejected, import_roster, validate_roster
from registry.rosters.formats import UnreadableFile, stream_table
from registry.rosters.kinds import RESIDENTS, Column
from safeguards import crypto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_ROWS", 2)


def table(rows):
    header = HEADERS["residents"]
    return header, iter([[str(v) for v in row] for row in cells(header, rows)])


def test_one_bad_row_in_the_last_chunk_saves_nothing(home, clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 6)]
    rows[-1]["入住日期"] = "not a date"
    before = snapshot()

    with pytest.raises(RosterRejected) as rejected:
        import_roster(RESIDENTS, table(rows), user=clerk)

    assert [(e.row, e.column) for e in rejected.value.row_errors] == [(6, "入住日期")]
    assert snapshot() == before


def test_a_duplicate_in_a_later_chunk_names_the_first_row(home, clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 6)]
    rows[4]["身份证号"] = rows[0]["身份证号"]

    plan = validate_roster(RESIDENTS, table(rows), user=clerk)

    assert has_error(plan, 6, "身份证号、机构统一社会信用代码", "Same as row 2")
    assert plan.counts == {"new": 4, "changed": 0, "unchanged": 0}


def test_a_file_broken_further_down_saves_nothing(home, clerk):
    header, body = table([resident_row(n, home.uscc) for n in range(1, 6)])

    def broken() -> Iterator[list[str]]:
        yield from list(body)[:3]
        raise UnreadableFile("This .xlsx file cannot be read.")

    before = snapshot()
    with pytest.raises(UnreadableFile):
        import_roster(RESIDENTS, (header, broken()), user=clerk)
    assert snapshot() == before


def test_the_plan_counts_every_row_and_keeps_a_sample(home, clerk, monkeypatch):
    monkeypatch.setattr(engine, "SAMPLE_ROWS", 3)

    plan = validate_roster(RESIDENTS, table([resident_row(n, home.uscc) for n in range(1, 8)]), user=clerk)

    assert plan.counts == {"new": 7, "changed": 0, "unchanged": 0}
    assert [row.row for row in plan.rows] == [2, 3, 4]


def test_the_import_refuses_a_plan_that_changed_since_the_preview(home, clerk):
    rows = [resident_row(n, home.uscc) for n in range(1, 6)]
    preview = validate_roster(RESIDENTS, table(rows), user=clerk)
    Resident.objects.create(
        provider=home, name="已登记", id_number=elderly_id(5), admitted_on="2025-01-01", care_level="self_care"
    )
    before = snapshot()

    with pytest.raises(ValidationError, match="changed since the preview"):
        import_roster(RESIDENTS, table(rows), user=clerk, expected_digest=preview.digest)
    assert snapshot() == before


def test_copied_rows_and_history_rows_hold_what_was_imported(home, clerk):
    rows = [resident_row(n, home.uscc, 人员类别="高龄、低保对象") for n in range(1, 4)]
    rows.append(resident_row(4, home.uscc, 退住日期="2025-06-30", 床位号=""))

    counts = import_roster(RESIDENTS, table(rows), user=clerk)

    assert counts == {"new": 4, "changed": 0, "unchanged": 0}
    saved = {r.id_number: r for r in Resident.objects.filter(provider=home)}  # decrypted on load
    assert set(saved) == {elderly_id(n) for n in range(1, 5)}
    fourth = saved[elderly_id(4)]
    assert (str(fourth.discharged_on), fourth.bed_number, fourth.care_level) == ("2025-06-30", "", "partly_disabled")
    assert sorted(saved[elderly_id(1)].categories) == ["advanced_age", "dibao"]
    assert Resident.objects.filter(id_number=elderly_id(2)).get() == saved[elderly_id(2)]  # found through the hash
    tracked = [f.attname for f in Resident._meta.concrete_fields]
    for resident in saved.values():
        (history,) = Resident.history.filter(id=resident.pk)
        assert (history.history_type, history.history_user_id, history.history_change_reason) == (
            "+",
            clerk.pk,
            "名册导入",
        )
        assert {name: getattr(history, name) for name in tracked} == {name: getattr(resident, name) for name in tracked}


def test_a_text_column_longer_than_its_field_is_still_checked_by_the_model(home, clerk):
    # The name column allows what the model allows (50): the model need not check it again.
    # Were the column to allow more, the model's own limit must still apply.
    lax = dataclasses.replace(
        RESIDENTS,
        columns=tuple(
            Column(c.header, c.alias, c.field, text(60), required=c.required) if c.field == "name" else c
            for c in RESIDENTS.columns
        ),
    )
    rows = [resident_row(1, home.uscc, 姓名="长" * 55)]

    assert has_error(validate_roster(RESIDENTS, table(rows), user=clerk), 2, "姓名", "Longer than 50")
    assert has_error(validate_roster(lax, table(rows), user=clerk), 2, "姓名", "at most 50 characters")


def test_the_id_numbers_hashed_during_an_import_are_not_kept_in_clear(home, clerk):
    # Hashes are cached while rows are checked (each number is hashed three times), keyed by
    # the number itself: the cache is emptied once the import is done.
    import_roster(RESIDENTS, table([resident_row(n, home.uscc) for n in range(1, 4)]), user=clerk)
    assert crypto._cached_hash.cache_info().currsize == 0

    crypto.id_number_hash(elderly_id(9))  # a search, a save: nothing is cached outside imports
    assert crypto._cached_hash.cache_info().currsize == 0


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_errors_name_the_spreadsheet_row_even_after_blank_rows(home, clerk, fmt):
    header = HEADERS["residents"]
    good, bad = (cells(header, [resident_row(n, home.uscc)])[0] for n in (1, 2))
    bad[header.index("入住日期")] = "not a date"
    layout = {1: header, 3: good, 6: bad}  # rows 2, 4 and 5 are blank, as a clerk leaves them
    if fmt == "xlsx":
        workbook = openpyxl.Workbook()
        for number, row in layout.items():
            for column, value in enumerate(row, start=1):
                workbook.active.cell(row=number, column=column, value=value)
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
    else:
        lines = [",".join(layout.get(number, [])) for number in range(1, 7)]
        data = "\r\n".join(lines).encode()

    plan = validate_roster(RESIDENTS, stream_table(data, f"roster.{fmt}"), user=clerk)

    assert [(e.row, e.column) for e in plan.errors] == [(6, "入住日期")]
    assert plan.counts["new"] == 1


@pytest.mark.parametrize("categories", [[{"a": 1}], [["dibao"]], [None], "dibao", [1]])
def test_categories_that_are_not_a_list_of_codes_are_a_validation_error(categories):
    # The admin edits categories as JSON: anything but a list of codes is the clerk's error, not a crash.
    with pytest.raises(ValidationError):
        validate_resident_categories(categories)
