"""Payment batches: what goes in, maker ≠ checker, the state machine, the payment file
(CSV with BOM, xlsx, formula-safe), reconciliation (all or nothing, row numbers), the
database constraints against paying twice, and the provider ledger."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from factories import BAOTOU, DONGHE, KUNDULUN, ProviderHoldFactory, ResidentFactory, division, noon
from openpyxl import load_workbook

from registry.models import ProviderStatusChange, User
from subsidies import payments
from subsidies.models import GrantLine, Instalment, PayerLevel, PaymentBatch, PaymentItem
from subsidies.services import (
    batch_approve,
    batch_create,
    batch_export,
    batch_reconcile,
    batch_submit,
    instalments_review,
    provider_ledger,
    run_refresh,
)

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
D = datetime.date
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
# The payment file's columns as a bank clerk reads them (issue 21: words, not codes).
HEADER = ["明细编号", "收款人", "统一社会信用代码", "开户银行", "银行账号", "金额", "摘要"]


def today():
    return timezone.localdate()


def residents(provider, n):
    return [ResidentFactory(provider=provider) for _ in range(n)]


def new_batch(user, *, division_code=KUNDULUN, payer_level=PayerLevel.LEAGUE_CITY, name="11月"):
    return batch_create(name=name, division=division(division_code), payer_level=payer_level, prepared_by=user)


def sources(batch):
    """What the batch pays: ("line", provider, period) or ("instalment", provider, number)."""
    return sorted(
        ("line", item.provider_id, item.grant_line.period)
        if item.grant_line_id
        else ("instalment", item.provider_id, item.instalment.number)
        for item in batch.items.select_related("grant_line", "instalment")
    )


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def operating(make_provider):
    """Kundulun provider, three residents, with a bank account: Baotou pays it 300.00 for November."""
    provider = make_provider(
        bank_name="中国银行包头分行", bank_account_name="幸福养老院", bank_account_number="6222021234567890123"
    )
    residents(provider, 3)
    return provider


@pytest.fixture
def builder(make_provider):
    """Kundulun provider with an approved BT-CONSTRUCT-BED grant (50,000.00 for 10 beds)."""
    return make_provider()


@pytest.fixture
def payable(operating, builder, approved_run, released_instalment):
    """An approved November run (line 300.00) and a released first instalment (15,000.00)."""
    run = approved_run("BT-OPERATING", NOV)
    instalment = released_instalment(builder)
    assert instalment.status == Instalment.Status.RELEASED
    return {"line": run.lines.get(provider=operating), "instalment": instalment}


# --- what goes into a batch ---------------------------------------------------------------


def test_a_batch_collects_payable_approved_lines_and_released_instalments(payable, operating, builder, finance):
    batch = new_batch(finance)

    assert batch.state == PaymentBatch.State.DRAFT
    assert sources(batch) == sorted([("line", operating.pk, NOV), ("instalment", builder.pk, 1)])
    line_item = batch.items.get(grant_line=payable["line"])
    assert (line_item.amount, line_item.offset, line_item.net_amount) == (
        Decimal("300.00"),
        Decimal("0.00"),
        Decimal("300.00"),
    )
    assert (line_item.payee, line_item.bank_account_number) == ("幸福养老院", "6222021234567890123")
    assert line_item.memo == "BT-OPERATING 2026-11"
    assert line_item.line_kind == GrantLine.Kind.REGULAR
    instalment_item = batch.items.get(instalment=payable["instalment"])
    assert instalment_item.amount == Decimal("15000.00")
    assert instalment_item.payee == builder.name  # no account name: the provider's name
    assert instalment_item.period == D(today().year, 1, 1)


def test_a_batch_leaves_out_what_is_not_its_to_pay(
    operating, builder, make_provider, approved_run, released_instalment, finance
):
    held = make_provider()
    residents(held, 2)
    ProviderHoldFactory(provider=held, source="finding:1", reason="重大隐患", started_at=noon(D(2026, 11, 10)))
    empty = make_provider()  # a zero line
    elsewhere = make_provider(division=division(DONGHE))
    residents(elsewhere, 2)
    graded = make_provider(grade=3)
    residents(graded, 1)
    run = approved_run("BT-OPERATING", NOV)
    approved_run("IM-OPERATING", NOV)  # paid by the region, not the city
    run_refresh(scheme_code="BT-OPERATING", period=OCT)  # a draft: not approved
    released_instalment(builder)
    assert run.lines.get(provider=held).amount == Decimal("200.00")  # computed, but held

    batch = new_batch(finance)

    assert sources(batch) == sorted(
        [("line", operating.pk, NOV), ("line", graded.pk, NOV), ("instalment", builder.pk, 1)]
    )
    assert not batch.items.filter(scheme__code="IM-OPERATING").exists()
    assert {held.pk, empty.pk, elsewhere.pk}.isdisjoint(batch.items.values_list("provider_id", flat=True))


def test_a_region_batch_pays_region_lines(payable, make_provider, approved_run, finance):
    graded = make_provider(grade=3)
    residents(graded, 1)
    approved_run("IM-OPERATING", NOV)

    batch = new_batch(finance, division_code=BAOTOU, payer_level=PayerLevel.REGION)

    assert list(batch.items.values_list("provider_id", "scheme__code", "amount")) == [
        (graded.pk, "IM-OPERATING", Decimal("200.00"))
    ]


def test_a_city_batch_covers_its_districts(payable, make_provider, approved_run, finance):
    elsewhere = make_provider(division=division(DONGHE))
    residents(elsewhere, 1)
    approved_run("BT-OPERATING", NOV, division_code=DONGHE)

    batch = new_batch(finance, division_code=BAOTOU)

    assert batch.items.count() == 3


def test_a_second_batch_never_includes_what_is_pending_or_paid(payable, finance, batch_through):
    first = new_batch(finance)
    assert first.items.count() == 2

    assert new_batch(finance, name="again").items.count() == 0

    batch_submit(batch=first, user=finance)
    assert new_batch(finance, name="while submitted").items.count() == 0


def test_nothing_paid_is_collected_again(payable, batch_through, finance):
    batch_through("closed")

    assert new_batch(finance, name="after").items.count() == 0


# --- maker ≠ checker and the state machine ------------------------------------------------


def test_whoever_prepared_a_batch_cannot_approve_it(payable, finance, make_approver):
    from django.contrib.auth.models import Permission

    batch = batch_submit(batch=new_batch(finance), user=finance)
    finance.user_permissions.add(Permission.objects.get(codename="approve_paymentbatch"))
    finance = type(finance).objects.get(pk=finance.pk)
    assert finance.has_perm("subsidies.approve_paymentbatch")

    with pytest.raises(PermissionDenied):
        batch_approve(batch=batch, approver=finance)
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.SUBMITTED


def test_an_approver_needs_the_permission(payable, finance, make_staff):
    batch = batch_submit(batch=new_batch(finance), user=finance)

    with pytest.raises(PermissionDenied):
        batch_approve(batch=batch, approver=make_staff(None, BAOTOU))
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.SUBMITTED


def test_the_database_refuses_a_batch_approved_by_its_preparer(payable, finance):
    batch = new_batch(finance)

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=batch.pk).update(approved_by=finance)


def test_a_batch_goes_draft_submitted_approved_exported_closed(payable, batch_through, batch_approver):
    batch = batch_through("closed")

    assert batch.state == PaymentBatch.State.CLOSED
    assert batch.approved_by == batch_approver
    assert batch.submitted_at and batch.approved_at and batch.exported_at


def test_an_empty_batch_cannot_be_submitted(divisions, finance):
    batch = new_batch(finance)

    with pytest.raises(ValidationError):
        batch_submit(batch=batch, user=finance)


@pytest.mark.parametrize(
    "state, action",
    [
        ("draft", "approve"),
        ("draft", "export"),
        ("draft", "reconcile"),
        ("submitted", "submit"),
        ("submitted", "export"),
        ("approved", "submit"),
        ("approved", "approve"),
        ("approved", "reconcile"),
        ("exported", "approve"),
        ("closed", "submit"),
        ("closed", "approve"),
        ("closed", "export"),
        ("closed", "reconcile"),
    ],
)
def test_steps_out_of_order_are_refused(payable, batch_through, finance, make_approver, bank_result, state, action):
    batch = batch_through(state)
    other = make_approver("approve_paymentbatch")
    steps = {
        "submit": lambda: batch_submit(batch=batch, user=finance),
        "approve": lambda: batch_approve(batch=batch, approver=other),
        "export": lambda: batch_export(batch=batch),
        "reconcile": lambda: batch_reconcile(batch=batch, data=bank_result([]), filename="r.csv", user=finance),
    }

    with pytest.raises(ValidationError):
        steps[action]()
    assert PaymentBatch.objects.get(pk=batch.pk).state == state


# --- payment file -------------------------------------------------------------------------


def test_the_payment_file_is_csv_with_bom_and_net_amounts(payable, batch_through, operating, builder):
    batch = batch_through("approved")

    rows = csv_rows(batch_export(batch=batch))

    assert rows[0] == HEADER
    line_item = batch.items.get(grant_line=payable["line"])
    instalment_item = batch.items.get(instalment=payable["instalment"])
    assert sorted(rows[1:]) == sorted(
        [
            [
                str(line_item.pk),
                "幸福养老院",
                operating.uscc,
                "中国银行包头分行",
                "6222021234567890123",
                "300.00",
                "BT-OPERATING 2026-11",
            ],
            [
                str(instalment_item.pk),
                builder.name,
                builder.uscc,
                "",
                "",
                "15000.00",
                f"BT-CONSTRUCT-BED #1/{today().year}",
            ],
        ]
    )
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.EXPORTED


def test_exporting_again_gives_the_same_file(payable, batch_through):
    batch = batch_through("approved")
    first = batch_export(batch=batch)

    assert batch_export(batch=batch) == first


def test_a_payee_that_looks_like_a_formula_is_written_as_text(make_provider, approved_run, batch_through):
    provider = make_provider(bank_account_name='=HYPERLINK("http://evil.example","点我")')
    residents(provider, 1)
    approved_run("BT-OPERATING", NOV)
    batch = batch_through("approved")

    csv_payees = [row[1] for row in csv_rows(batch_export(batch=batch))[1:]]
    sheet = load_workbook(io.BytesIO(batch_export(batch=batch, file_format="xlsx"))).active
    xlsx_payees = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]

    assert csv_payees == ['\'=HYPERLINK("http://evil.example","点我")']
    assert xlsx_payees == csv_payees


def test_the_xlsx_payment_file_opens_with_the_same_rows(payable, batch_through):
    batch = batch_through("approved")
    csv_file = csv_rows(batch_export(batch=batch))

    sheet = load_workbook(io.BytesIO(batch_export(batch=batch, file_format="xlsx"))).active
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]

    assert rows[0] == HEADER
    assert sorted(rows[1:]) == sorted(csv_file[1:])
    # A 19-digit account number stays text (a number would lose its last digits in Excel).
    accounts = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True) if row[4]]
    assert accounts == ["6222021234567890123"]


# --- reconciliation -----------------------------------------------------------------------


def test_reconciling_every_row_paid_closes_the_batch_and_pays_the_instalment(
    payable, batch_through, bank_result, finance
):
    batch = batch_through("exported")
    rows = [(item.pk, f"{item.net_amount}", "paid", "") for item in batch.items.all()]

    errors = batch_reconcile(batch=batch, data=bank_result(rows), filename="result.csv", user=finance)

    assert errors == []
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED
    assert set(batch.items.values_list("state", flat=True)) == {PaymentItem.State.PAID}
    assert all(item.settled_at for item in batch.items.all())
    assert Instalment.objects.get(pk=payable["instalment"].pk).status == Instalment.Status.PAID


def test_reconciling_part_of_a_batch_leaves_it_open_for_the_rest(payable, batch_through, bank_result, finance):
    batch = batch_through("exported")
    first, second = batch.items.order_by("pk")

    assert (
        batch_reconcile(
            batch=batch, data=bank_result([(first.pk, first.amount, "paid", "")]), filename="a.csv", user=finance
        )
        == []
    )
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.EXPORTED
    assert (
        batch_reconcile(
            batch=batch, data=bank_result([(second.pk, second.amount, "PAID", "")]), filename="b.csv", user=finance
        )
        == []
    )
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED


def test_a_reconciliation_xlsx_file_is_read_too(payable, batch_through, finance):
    from openpyxl import Workbook

    batch = batch_through("exported")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["item", "amount", "status", "reason"])
    for item in batch.items.all():
        sheet.append([item.pk, float(item.net_amount), "paid", None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert batch_reconcile(batch=batch, data=buffer.getvalue(), filename="result.xlsx", user=finance) == []
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED


def _reconcile_page(client_for, finance, batch, upload):
    User.objects.filter(pk=finance.pk).update(password_changed_at=timezone.now())  # not expired
    with translation.override("en"):
        url = reverse("admin:subsidies_paymentbatch_reconcile", args=[batch.pk])
        return client_for(finance).post(url, {"result_file": upload})


def test_a_bank_result_file_above_the_upload_limit_is_refused_unread(
    payable, batch_through, bank_result, finance, client_for, settings, monkeypatch
):
    """Refused by the size Django counted as it received the file, before it is read (issue 22)."""
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024 * 1024
    batch = batch_through("exported")
    rows = [(item.pk, f"{item.net_amount}", "paid", "") for item in batch.items.all()]
    data = bank_result(rows) + b"\r\n" * (1024 * 1024)  # blank lines past the limit

    def never(**kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(payments, "batch_reconcile", never)
    response = _reconcile_page(client_for, finance, batch, SimpleUploadedFile("result.csv", data))

    assert response.status_code == 200
    assert "The file is larger than 1 MB." in response.content.decode()
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.EXPORTED


def test_a_bank_result_file_is_read_as_safely_as_a_roster(
    payable, batch_through, bank_result, finance, client_for, settings
):
    """The roster reader: a zip bomb is refused with a message, not parsed (nor a server error)."""
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    batch = batch_through("exported")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))

    response = _reconcile_page(client_for, finance, batch, SimpleUploadedFile("result.xlsx", buffer.getvalue()))

    assert response.status_code == 200
    assert "The workbook expands to more than the allowed size." in response.content.decode()
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.EXPORTED
    # An ordinary file in the same form still reconciles.
    rows = [(item.pk, f"{item.net_amount}", "paid", "") for item in batch.items.all()]
    done = _reconcile_page(client_for, finance, batch, SimpleUploadedFile("result.csv", bank_result(rows)))
    assert done.status_code == 302
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED


def test_bad_rows_are_reported_by_row_number_and_nothing_changes(payable, batch_through, bank_result, finance):
    batch = batch_through("exported")
    line_item = batch.items.get(grant_line=payable["line"])
    instalment_item = batch.items.get(instalment=payable["instalment"])
    rows = [
        (instalment_item.pk, "15000.00", "paid", ""),  # row 2: good
        (999999, "1.00", "paid", ""),  # row 3: unknown
        (line_item.pk, "299.99", "paid", ""),  # row 4: wrong amount
        (instalment_item.pk, "15000.00", "paid", ""),  # row 5: duplicate of row 2
        ("abc", "1.00", "paid", ""),  # row 6: not a number
        (line_item.pk, "300.00", "maybe", ""),  # row 7: bad status
    ]

    with translation.override("en"):
        errors = batch_reconcile(batch=batch, data=bank_result(rows), filename="result.csv", user=finance)

    assert errors == [
        "row 3: unknown item 999999",
        "row 4: amount 299.99 does not match 300.00",
        f"row 5: item {instalment_item.pk} appears twice",
        "row 6: item is not a number",
        "row 7: status must be paid or failed",
    ]
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.EXPORTED
    assert set(batch.items.values_list("state", flat=True)) == {PaymentItem.State.PENDING}
    assert Instalment.objects.get(pk=payable["instalment"].pk).status == Instalment.Status.RELEASED


def test_a_row_for_an_item_of_another_batch_is_unknown(payable, batch_through, bank_result, finance, make_provider):
    batch = batch_through("exported")
    item = batch.items.first()
    other = PaymentBatch.objects.create(
        name="x", division=division(KUNDULUN), payer_level="league_city", prepared_by=finance
    )
    PaymentBatch.objects.filter(pk=other.pk).update(state=PaymentBatch.State.EXPORTED)

    with translation.override("en"):
        errors = batch_reconcile(
            batch=other, data=bank_result([(item.pk, item.amount, "paid", "")]), filename="r.csv", user=finance
        )

    assert errors == [f"row 2: unknown item {item.pk}"]
    assert PaymentItem.objects.get(pk=item.pk).state == PaymentItem.State.PENDING


def test_a_failed_item_can_be_paid_in_a_later_batch(payable, batch_through, bank_result, finance):
    batch = batch_through("exported")
    line_item = batch.items.get(grant_line=payable["line"])
    instalment_item = batch.items.get(instalment=payable["instalment"])
    rows = [(line_item.pk, "300.00", "failed", "账户已销户"), (instalment_item.pk, "15000.00", "failed", "户名不符")]

    assert batch_reconcile(batch=batch, data=bank_result(rows), filename="r.csv", user=finance) == []

    line_item.refresh_from_db()
    assert (line_item.state, line_item.failure_reason) == (PaymentItem.State.FAILED, "账户已销户")
    assert PaymentBatch.objects.get(pk=batch.pk).state == PaymentBatch.State.CLOSED
    assert Instalment.objects.get(pk=payable["instalment"].pk).status == Instalment.Status.RELEASED
    retry = new_batch(finance, name="重付")
    assert sorted(retry.items.values_list("amount", flat=True)) == [Decimal("300.00"), Decimal("15000.00")]


# --- database constraints -----------------------------------------------------------------


def _copy(item: PaymentItem, batch: PaymentBatch) -> PaymentItem:
    return PaymentItem(
        batch=batch,
        provider=item.provider,
        scheme=item.scheme,
        period=item.period,
        grant_line=item.grant_line,
        instalment=item.instalment,
        line_kind=item.line_kind,
        subject=item.subject,
        amount=item.amount,
        payee=item.payee,
    )


@pytest.mark.parametrize("source", ["line", "instalment"])
def test_the_database_refuses_a_second_pending_item_for_one_source(payable, finance, source):
    first = new_batch(finance)
    item = first.items.get(
        **{"grant_line": payable["line"]} if source == "line" else {"instalment": payable["instalment"]}
    )
    second = PaymentBatch.objects.create(
        name="二", division=first.division, payer_level=first.payer_level, prepared_by=finance
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(item, second).save()

    PaymentItem.objects.filter(pk=item.pk).update(state=PaymentItem.State.PAID)
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(item, second).save()

    PaymentItem.objects.filter(pk=item.pk).update(state=PaymentItem.State.FAILED)
    _copy(item, second).save()  # a failed payment frees its source
    assert second.items.count() == 1


def test_the_database_refuses_an_offset_larger_than_the_amount(payable, finance):
    item = new_batch(finance).items.get(grant_line=payable["line"])

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentItem.objects.filter(pk=item.pk).update(offset=Decimal("300.01"))


# --- ledger -------------------------------------------------------------------------------


def test_provider_ledger(operating, builder, payable, batch_through, finance, lifecycle, approved_run):
    zero = Decimal("0.00")
    assert provider_ledger(builder) == {
        "paid": zero,
        "pending": zero,
        "withheld": zero,
        "recovered": zero,
        "owed": zero,
    }

    batch_through("closed")  # pays November (300.00) and instalment 1 (15,000.00)
    lifecycle(builder, Action.SUSPEND, today())
    Instalment.objects.filter(grant__provider=builder, number=2).update(year=today().year)  # a year on
    instalments_review(year=today().year, on=today())  # instalment 2 withheld
    approved_run("BT-OPERATING", OCT)
    new_batch(finance, name="10月")  # October pending for the operating provider

    assert provider_ledger(builder) == {
        "paid": Decimal("15000.00"),
        "pending": zero,
        "withheld": Decimal("15000.00"),
        "recovered": zero,
        "owed": zero,
    }
    assert provider_ledger(operating) == {
        "paid": Decimal("300.00"),
        "pending": Decimal("300.00"),
        "withheld": zero,
        "recovered": zero,
        "owed": zero,
    }


def test_a_released_instalment_of_a_provider_closed_since_is_not_paid(builder, released_instalment, lifecycle, finance):
    instalment = released_instalment(builder)
    lifecycle(builder, Action.CLOSE, today())

    batch = new_batch(finance)

    assert not batch.items.filter(instalment=instalment).exists()
