"""Every reader of an uploaded file is bounded (issue 23, findings 3 and 4).

The security review sent small files that make a reader hold or do far more than their
size: a 4.7 KB bank result file declaring the sheet ``A1:XFD1048576`` (openpyxl, which read
bank files then, padded every row to it: a MemoryError at 3 GB after 13 s), and a 460 KB
roster with 10.4 million shared strings (61.6 s, +712 MB: every string was read into a
list, and the file was read twice in the request). Each such file is built here and must
be refused by the roster import and by the bank-result reconciliation in a fraction of a
second and in a few megabytes (``tracemalloc``'s peak of what the view allocates), with a
message, never a server error; strings no cell refers to are never read at all. A request
reads an upload once, and at most ``uploads.REQUEST_READ_BYTES`` of a large one, which a
Celery task checks.
"""

from __future__ import annotations

import functools
import io
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from factories import KUNDULUN, ProviderFactory
from rosters_support import HEADERS, resident_row, roster_file, sheet_rows
from test_upload_limits import import_request, import_view, peak_memory

from registry.models import Division, RosterImport, User
from registry.rosters import uploads
from registry.rosters.formats import CHUNK_BYTES
from registry.staff import roles
from subsidies.models import PayerLevel, PaymentBatch

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
COLUMNS = "ABCDEFGHIJKLMN"
ROSTER = tuple(HEADERS["residents"])
BANK = ("item", "amount", "status", "reason")
# What a refusal may take, with tracemalloc on (it slows Python down two to three times).
SECONDS = 2.0
PEAK = 4 * MB


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- the files ------------------------------------------------------------------------------


def workbook(sheet: bytes, strings: bytes | None = None, *, level: int = 6) -> bytes:
    """An .xlsx of one sheet (and a shared strings part), as small as a hostile one is."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/{SHEET}" ContentType="{TYPES}.worksheet+xml"/>'
            f'<Override PartName="/{STRINGS}" ContentType="{TYPES}.sharedStrings+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>' if strings else "")
            + "</Relationships>"
        ).encode(),
        SHEET: sheet,
    }
    if strings is not None:
        parts[STRINGS] = strings
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    return buffer.getvalue()


def row(number: int, texts: tuple[str, ...] | list[str], *, first: str = "") -> str:
    """A row of inline strings; ``first`` (a cell) in place of the first."""
    cells = "".join(
        f'<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
        for column, text in zip(COLUMNS, texts, strict=False)
    )
    if first:
        cells = first + cells[cells.index("</c>") + 4 :]
    return f'<row r="{number}">{cells}</row>'


def sheet(rows: str, *, dimension: str = "") -> bytes:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{declared}<sheetData>{rows}</sheetData></worksheet>'.encode()


def a_row_of(header: tuple[str, ...]) -> tuple[str, ...]:
    return ("1", "10.00", "paid", "") if header == BANK else tuple(resident_row(1, "52150203MJ0000001X").values())


@functools.cache
def declared_dimension(header: tuple[str, ...]) -> bytes:
    """The review's bank file: a header and a row, in a sheet declaring 16,384 x 1,048,576 cells."""
    return workbook(sheet(row(1, header) + row(2, a_row_of(header)), dimension="A1:XFD1048576"))


@functools.cache
def shared_strings(header: tuple[str, ...], *, count: int = 1_000_000, refer_to: int | None = None) -> bytes:
    """``count`` different shared strings (23 MB) in a zip of 3 MB, under the ratio limit,
    and a sheet of two rows whose second refers to string ``refer_to`` (the last by default)."""
    items = b"".join(b"<si><t>%07d</t></si>" % n for n in range(count))
    strings = f'<sst xmlns="{MAIN}">'.encode() + items + b"</sst>"
    index = count - 1 if refer_to is None else refer_to
    second = row(2, a_row_of(header), first=f'<c r="A2" t="s"><v>{index}</v></c>')
    return workbook(sheet(row(1, header) + second), strings, level=1)


@functools.cache
def high_ratio(header: tuple[str, ...]) -> bytes:
    """The review's roster, scaled down: 2 million shared strings (34 MB) in a zip of 80 KB."""
    strings = f'<sst xmlns="{MAIN}">'.encode() + b"<si><t>a</t></si>" * 2_000_000 + b"</sst>"
    return workbook(sheet(row(1, header) + row(2, a_row_of(header))), strings, level=9)


AMPLIFICATIONS = [
    pytest.param(declared_dimension, "The sheet says it spans 1,048,576 rows", id="declared dimension"),
    pytest.param(shared_strings, "far more shared texts than its first sheet uses", id="a million shared strings"),
    pytest.param(high_ratio, "A part of the workbook expands more than 100 times", id="high-ratio member"),
]


def test_the_files_are_what_the_review_sent():
    assert len(declared_dimension(BANK)) < 5_000
    many = zipfile.ZipFile(io.BytesIO(shared_strings(ROSTER)))
    assert many.getinfo(STRINGS).file_size > 20 * MB and len(shared_strings(ROSTER)) < 4 * MB
    assert many.getinfo(STRINGS).file_size < 100 * many.getinfo(STRINGS).compress_size  # not refused by its ratio
    assert len(high_ratio(ROSTER)) < 100_000


def timed(view: Callable[[], object]) -> tuple[object, float, int]:
    """(the response, seconds, peak bytes) of calling the view."""
    with peak_memory() as peak:
        start = time.perf_counter()
        response = view()
        seconds = time.perf_counter() - start
    return response, seconds, peak[0]


# --- through the roster import ------------------------------------------------------------------


@pytest.fixture
def uploads_on_disk(settings, tmp_path):
    """Every upload waits in a temporary file (as those above 5 MB do) and is stored on disk:
    what is measured is what reading it holds, not the upload itself."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def roster_view(divisions, clerk, uploads_on_disk):
    """``roster_view(data, filename)``: the residents import view, warmed up (its templates and
    translations loaded) so that only the reading is measured."""
    import_view(import_request(clerk, b"", "empty.csv"))
    return lambda data, filename="名册.xlsx": import_view(import_request(clerk, data, filename))


@pytest.mark.parametrize(("build", "message"), AMPLIFICATIONS)
def test_an_amplifying_roster_is_refused_at_once_in_little_memory(roster_view, clerk, build, message):
    data = build(ROSTER)
    request = import_request(clerk, data, "名册.xlsx")

    response, seconds, peak = timed(lambda: import_view(request))

    assert response.status_code == 200
    [error] = response.context_data["form"].errors["roster"]
    assert message in error
    assert error in response.render().content.decode()
    assert not RosterImport.objects.exists()
    assert seconds < SECONDS, f"{seconds:.1f} s to refuse it"
    assert peak < PEAK, f"{peak / MB:.1f} MB held to refuse it"


def test_shared_strings_no_cell_refers_to_are_never_read(roster_view, clerk):
    """A million strings, of which the sheet uses the first: the upload is checked as the same
    file with ten strings is, in the same time and memory."""
    _response, _seconds, usual = timed(lambda: roster_view(shared_strings(ROSTER, count=10, refer_to=0)))
    request = import_request(clerk, shared_strings(ROSTER, refer_to=0), "名册.xlsx")

    response, seconds, peak = timed(lambda: import_view(request))

    assert response.status_code == 302
    upload = RosterImport.objects.latest("pk")
    assert (upload.rows_total, upload.status) == (1, RosterImport.Status.REJECTED)  # the row is no resident
    assert seconds < SECONDS and peak < usual + MB, f"{seconds:.1f} s, {peak / MB:.1f} MB ({usual / MB:.1f} MB)"


@pytest.fixture
def member_reads(monkeypatch) -> Counter[str]:
    """Bytes read from each zip member, as it expands (every read, whoever reads)."""
    reads: Counter[str] = Counter()
    read = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = read(self, n)
        reads[self.name] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    return reads


def test_a_small_roster_is_read_once_in_its_request(roster_view, member_reads):
    provider = ProviderFactory()
    data, filename = roster_file("residents", [resident_row(n, provider.uscc) for n in range(1, 4)], fmt="xlsx")
    sheet_size = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size

    response = roster_view(data, filename)

    assert response.status_code == 302
    assert RosterImport.objects.get().counts == {"new": 3, "changed": 0, "unchanged": 0}
    assert member_reads[SHEET] == sheet_size  # counted and checked from one reading


def large_roster(rows: int) -> bytes:
    """A residents roster of ``rows`` rows (about 450 bytes of XML each)."""
    texts = ("1502031940{n:08d}", "王老人{n}", "52150203MJ0000001X", "B{n}", "2025-03-01", "", "自理", "高龄")
    body = "".join(row(n, [text.format(n=n) for text in texts]) for n in range(2, rows + 2))
    return workbook(sheet(row(1, ROSTER) + body), level=1)


def test_a_large_roster_is_read_only_in_part_in_its_request_and_checked_in_the_background(
    roster_view, clerk, member_reads, django_capture_on_commit_callbacks
):
    data = large_roster(30_000)
    sheet_size = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size
    assert sheet_size > 5 * uploads.REQUEST_READ_BYTES
    first, second = import_request(clerk, data, "名册.xlsx"), import_request(clerk, data, "名册2.xlsx")
    member_reads.clear()

    with django_capture_on_commit_callbacks() as callbacks:
        start = time.perf_counter()
        response = import_view(first)
        seconds = time.perf_counter() - start  # without tracemalloc, which slows this reading down
        _response, _seconds, peak = timed(lambda: import_view(second))

    assert response.status_code == 302
    upload = RosterImport.objects.earliest("pk")
    assert upload.status == RosterImport.Status.VALIDATING and len(callbacks) == 2  # the tasks, on commit
    assert member_reads[SHEET] <= 2 * (uploads.REQUEST_READ_BYTES + CHUNK_BYTES)  # of 14 MB, twice
    assert abs(upload.rows_total - 30_000) < 30_000 / 10  # estimated from the part read
    assert seconds < SECONDS and peak < PEAK, f"{seconds:.1f} s, {peak / MB:.1f} MB"


def test_a_file_found_unreadable_in_the_background_is_rejected_with_its_reason(
    divisions, clerk, client_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The request read too little of it to see; the task checks it all and records why not."""
    settings.ROSTER_BACKGROUND_ROWS = 2
    monkeypatch.setattr(uploads, "REQUEST_READ_BYTES", 0)  # every file is "large"
    provider = ProviderFactory()
    rows = "".join(row(n + 1, tuple(resident_row(n, provider.uscc).values())) for n in range(1, 4))
    unreadable = " " * 100_000 + '<row r="9"><c r="A9" t="b"><v>yes</v></c></row>'  # after the first 64 KB
    data = workbook(sheet(row(1, ROSTER) + rows + unreadable))
    client = client_for(clerk)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:registry_resident_import"), {"roster": SimpleUploadedFile("名册.xlsx", data)}
        )

    upload = RosterImport.objects.get()
    assert response.status_code == 302
    assert (upload.status, upload.errors, upload.error_count) == (
        RosterImport.Status.REJECTED,
        [[0, "", "This .xlsx file cannot be read."]],
        1,
    )
    page = client.get(response["Location"])
    assert "<td></td><td></td><td>This .xlsx file cannot be read.</td>" in page.content.decode()
    errors = client.get(reverse("admin:registry_resident_import_errors", args=[upload.pk]))
    assert errors.status_code == 200
    header, *_rows = sheet_rows(errors.content)
    assert header[-1] == "Errors；This .xlsx file cannot be read."


# --- through the bank-result reconciliation ------------------------------------------------------


@pytest.fixture
def reconcile_view(make_staff, uploads_on_disk):
    """``reconcile_view(data, filename)``: the payment batch's reconciliation view, as finance
    of Kundulun, for an exported batch (warmed up)."""
    finance = make_staff(roles.FINANCE, KUNDULUN)
    User.objects.filter(pk=finance.pk).update(password_changed_at=timezone.now())
    finance.refresh_from_db()
    batch = PaymentBatch.objects.create(
        name="11月",
        division=Division.objects.get(code=KUNDULUN),
        payer_level=PayerLevel.LEAGUE_CITY,
        prepared_by=finance,
    )
    PaymentBatch.objects.filter(pk=batch.pk).update(state=PaymentBatch.State.EXPORTED)
    url = reverse("admin:subsidies_paymentbatch_reconcile", args=[batch.pk])

    def request(data: bytes, filename: str) -> Callable[[], object]:
        """The view's call, with the request (and its upload) made before anything is measured."""
        built = RequestFactory().post(url, {"result_file": SimpleUploadedFile(filename, data)})
        built.user = finance
        built._dont_enforce_csrf_checks = True
        return lambda: admin.site._registry[PaymentBatch].reconcile_view(built, str(batch.pk))

    request(b"", "empty.csv")()
    return request


@pytest.mark.parametrize(("build", "message"), AMPLIFICATIONS)
def test_an_amplifying_bank_result_file_is_refused_at_once_in_little_memory(reconcile_view, build, message):
    view = reconcile_view(build(BANK), "result.xlsx")

    response, seconds, peak = timed(view)

    assert response.status_code == 200
    [error] = response.context_data["errors"]
    assert message in error
    assert error in response.render().content.decode()
    assert PaymentBatch.objects.get().state == PaymentBatch.State.EXPORTED
    assert seconds < SECONDS, f"{seconds:.1f} s to refuse it"
    assert peak < PEAK, f"{peak / MB:.1f} MB held to refuse it"


def test_a_bank_result_file_whose_strings_no_cell_refers_to_is_read_as_any_other(reconcile_view):
    _response, _seconds, usual = timed(reconcile_view(shared_strings(BANK, count=10, refer_to=0), "result.xlsx"))
    view = reconcile_view(shared_strings(BANK, refer_to=0), "result.xlsx")

    response, seconds, peak = timed(view)

    assert response.context_data["errors"] == ["row 2: unknown item 0000000"]  # the batch has no such item
    assert seconds < SECONDS and peak < usual + MB, f"{seconds:.1f} s, {peak / MB:.1f} MB ({usual / MB:.1f} MB)"


def test_a_bank_result_file_with_far_more_rows_than_items_is_refused_as_it_is_read(reconcile_view):
    """One row per pending item and 1,000 more are read and reported; the rest is not read."""
    lines: Iterator[str] = (f"{n},1.00,paid,\r\n" for n in range(1, 50_000))
    view = reconcile_view(("item,amount,status,reason\r\n" + "".join(lines)).encode(), "result.csv")

    response, seconds, peak = timed(view)

    assert response.context_data["errors"] == ["The file has more than 1,000 rows."]  # the batch has no items
    assert seconds < SECONDS and peak < PEAK, f"{seconds:.1f} s, {peak / MB:.1f} MB"


# --- in Chinese -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("build", "message"), AMPLIFICATIONS)
def test_the_refusals_are_in_chinese(roster_view, build, message):
    with translation.override("zh-hans"):
        response = roster_view(build(ROSTER))

    [error] = response.context_data["form"].errors["roster"]
    assert message not in error
    assert any("\u4e00" <= character <= "\u9fff" for character in error), error
