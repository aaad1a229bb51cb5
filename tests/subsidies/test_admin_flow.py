"""The subsidies back-office walked the way staff walk it, on the demo Baotou.

Everything happens through admin URLs: add forms, change pages, changelist actions
(``action=<name>`` with ``_selected_action=<pk>``) and the custom reconcile and repay
views. Pages are requested under ``/en/`` so that messages can be read in English.

The demo is seeded once for the module inside a transaction that is rolled back at the
end; every test runs in its own savepoint on top of it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from downloads import file_bytes

from demo.baotou import DEMO_USERS
from registry.holds import providers_on_hold
from registry.models import Division, Provider, Resident, User
from registry.staff import roles
from subsidies.models import (
    ConstructionGrant,
    GrantLine,
    GrantRun,
    Instalment,
    PaymentBatch,
    PaymentItem,
    Rate,
    Recovery,
    SubsidyScheme,
)
from subsidies.money import to_fen
from subsidies.occupancy import Stay, days_present
from subsidies.operating_grants import stays_within
from subsidies.withholding import withheld_lines

BAOTOU, DONGHE, KUNDULUN = "150200", "150202", "150203"
# The demo as seeded on this day (its history ends the day before; its own runs pay
# September and October 2026, November waits): fixed, so the walk's figures do not move
# with the day the tests run. The walk runs July 2026, then August: months the demo has
# not run.
DEMO_DAY = "2026-12-04"
RUN_MONTH = datetime.date(2026, 7, 1)
NEXT_MONTH = datetime.date(2026, 8, 1)
MIN_DAYS = 15

# Demo providers the walk-through relies on (demo/baotou.py CATALOGUE).
SUNSHINE = "昆都仑区阳光颐养院"  # Kundulun, non-profit elderly institution, certified
KANGHE = "昆都仑区康和医养中心"  # Kundulun, for-profit medical-elderly, certified
LUCHENG = "包头市鹿城福寿养老院"  # Kundulun, for-profit elderly institution
RENAI = "东河区仁爱养老院"  # Donghe, non-profit, certified
SHAERQIN = "东河区沙尔沁镇敬老院"  # Donghe township home, certified
SONGHE = "青山区松鹤老年公寓"  # Qingshan, suspended since 2024: held
FUSHOUKANG = "昆都仑区福寿康老年公寓"  # Kundulun, suspended since 2025: held
JINSE = "东河区金色年华老年公寓"  # Donghe, operating in July 2026, suspended and revoked since

NOT_FILED = "Not filed or certified during the month."


# --------------------------------------------------------------------------- setup


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Reference data and the demo Baotou, once for the module, rolled back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_reference_data", stdout=io.StringIO())
            call_command("seed_demo", f"--date={DEMO_DAY}", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _demo_in_savepoint(demo: None, db: None) -> None:
    """Each test works on top of the demo and leaves it as it found it."""


def url(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(f"admin:{name}", args=args)


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def city_clerk() -> Client:
    """A clerk working for the whole city: the district-clerk role with Baotou as jurisdiction.

    The demo has none (see ``test_a_demo_user_can_create_the_city_wide_run``): only such a
    user can create the city-wide run through the add form.
    """
    user, created = User.objects.get_or_create(
        username="clerk_baotou", defaults={"is_staff": True, "jurisdiction": Division.objects.get(code=BAOTOU)}
    )
    if created:
        user.groups.add(Group.objects.get(name=roles.DISTRICT_CLERK))
    client = Client()
    client.force_login(user)
    return client


def provider(name: str) -> Provider:
    return Provider.objects.select_related("division").get(name=name)


def messages_in(response: Any) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


def act(client: Client, model: str, action: str, *objects: Any) -> Any:
    """Run a changelist action on ``objects``, confirmed (the review actions first show a
    confirmation page: tests/subsidies/test_review_flow.py); follow the redirect back to the list."""
    return client.post(
        url(f"subsidies_{model}_changelist"),
        {"action": action, "_selected_action": [str(obj.pk) for obj in objects], "confirm": "yes"},
        follow=True,
    )


def offered_actions(client: Client, model: str) -> set[str]:
    """The actions the changelist offers this user."""
    form = client.get(url(f"subsidies_{model}_changelist")).context["action_form"]
    return {value for value, _label in form.fields["action"].choices if value} if form else set()


def add(client: Client, admin_form_data: Callable[[Any], dict[str, Any]], model: str, /, **values: object) -> Any:
    """Fill in the add form of ``model`` (e.g. ``subsidies_grantrun``) as the page offers it."""
    page = client.get(url(f"{model}_add"))
    assert page.status_code == 200
    data = {**admin_form_data(page), **{key: str(value) for key, value in values.items()}}
    return client.post(url(f"{model}_add"), data)


def text(response: Any) -> str:
    """The visible text of the page's main content, whitespace collapsed."""
    html = response.content.decode()
    main = html[html.index('<div id="content-main"') :] if '<div id="content-main"' in html else html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&quot;", '"')


def result_csv(rows: list[tuple[object, ...]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["item", "amount", "status", "reason"])
    writer.writerows(rows)
    return SimpleUploadedFile("bank-result.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def reconcile(client: Client, batch: PaymentBatch, rows: list[tuple[object, ...]]) -> Any:
    return client.post(url("subsidies_paymentbatch_reconcile", batch.pk), {"result_file": result_csv(rows)})


# ----------------------------------------------------------------- the walk-through


def duplicate_renai_resident_at_sunshine(admin_form_data: Callable[[Any], dict[str, Any]]) -> Resident:
    """clerk_kundulun registers at 阳光颐养院 a person still living at 仁爱养老院 in Donghe
    (a move nobody discharged): the July run flags both lines."""
    elsewhere = (
        Resident.objects.filter(provider__name=RENAI, admitted_on__lt=RUN_MONTH, discharged_on__isnull=True)
        .order_by("pk")
        .first()
    )
    assert elsewhere is not None
    response = add(
        login("clerk_kundulun"),
        admin_form_data,
        "registry_resident",
        provider=provider(SUNSHINE).pk,
        name=elsewhere.name,
        id_number=elsewhere.id_number,
        bed_number="9-01",
        admitted_on=RUN_MONTH.isoformat(),
        care_level=elsewhere.care_level,
    )
    assert response.status_code == 302, text(response)
    return elsewhere


def create_month_run(admin_form_data: Callable[[Any], dict[str, Any]], client: Client | None = None) -> GrantRun:
    """The city clerk creates the Baotou BT-OPERATING run for July 2026 in the add form."""
    client = client or city_clerk()
    response = add(
        client,
        admin_form_data,
        "subsidies_grantrun",
        scheme=SubsidyScheme.objects.get(code="BT-OPERATING").pk,
        period="2026-07-15",  # any day of the month: the run is for the month
        division=Division.objects.get(code=BAOTOU).pk,
    )
    assert response.status_code == 302, text(response)
    return GrantRun.objects.get(scheme__code="BT-OPERATING", period=RUN_MONTH, division__code=BAOTOU)


def approve_run(run: GrantRun) -> GrantRun:
    act(city_clerk(), "grantrun", "submit_runs", run)  # the review flow: submitted first
    response = act(login("reviewer_baotou"), "grantrun", "approve_runs", run)
    assert (message_levels.SUCCESS, f"{run} approved.") in messages_in(response)
    run.refresh_from_db()
    assert run.status == GrantRun.Status.APPROVED
    return run


def payable(run: GrantRun) -> list[GrantLine]:
    return [line for line in run.lines.all() if line.amount > 0 and not line.holds]


def create_batch(name: str, admin_form_data: Callable[[Any], dict[str, Any]]) -> PaymentBatch:
    response = add(
        login("finance_baotou"),
        admin_form_data,
        "subsidies_paymentbatch",
        name=name,
        division=Division.objects.get(code=BAOTOU).pk,
        payer_level="league_city",
    )
    assert response.status_code == 302, text(response)
    return PaymentBatch.objects.get(name=name)


def batch_to_exported(batch: PaymentBatch) -> bytes:
    """finance submits, reviewer approves, finance downloads the payment file."""
    finance = login("finance_baotou")
    act(finance, "paymentbatch", "submit_batches", batch)
    act(login("reviewer_baotou"), "paymentbatch", "approve_batches", batch)
    response = act(finance, "paymentbatch", "export_csv", batch)
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.EXPORTED
    return file_bytes(response)


def test_a_monthly_run_from_rates_to_a_paid_reconciled_batch(admin_form_data: Callable[[Any], dict[str, Any]]) -> None:
    duplicate = duplicate_renai_resident_at_sunshine(admin_form_data)
    rate = Rate.objects.get(scheme__code="BT-OPERATING", key="any")
    assert rate.amount == Decimal("100.00")

    # 1. The run: created in the add form, one line per eligible provider of Baotou.
    clerk = city_clerk()
    run = create_month_run(admin_form_data, clerk)
    assert run.status == GrantRun.Status.DRAFT
    assert run.created_by.username == "clerk_baotou"
    lines = {line.provider.name: line for line in run.lines.select_related("provider")}
    assert len(lines) == 20
    assert {line.rate for line in lines.values()} == {Decimal("100.00")}

    # The change page shows the lines, their holds and the duplicate-resident flags.
    page = text(clerk.get(url("subsidies_grantrun_change", run.pk)))
    for name in lines:
        assert name in page
    assert [hold["code"] for hold in lines[SONGHE].holds] == ["not_filed"]
    assert [hold["code"] for hold in lines[FUSHOUKANG].holds] == ["not_filed"]
    assert NOT_FILED in page
    masked = duplicate.id_number[:6] + "********" + duplicate.id_number[-4:]
    for name in (SUNSHINE, RENAI):
        flagged = [flag for flag in lines[name].flags if flag["resident"] == masked]
        assert [flag["code"] for flag in flagged] == ["duplicate_resident"]
        # The demo has its own overlap between two Kundulun homes (demo/subsidies.py).
        assert lines[name].basis["residents_excluded_as_duplicates"] == len(lines[name].flags)
    assert page.count(f"Resident also in another provider {masked}") == 2  # the flag's words (issue 21)

    # 2. Maker and checker: the clerk who prepared it has no approve action; the reviewer approves.
    assert "approve_runs" not in offered_actions(clerk, "grantrun")
    act(clerk, "grantrun", "approve_runs", run)
    run.refresh_from_db()
    assert run.status == GrantRun.Status.DRAFT
    run = approve_run(run)
    assert run.approved_by.username == "reviewer_baotou"

    # 3. finance_baotou's batch holds exactly the payable lines (amount > 0, no holds), but
    # none of a provider on hold: those wait (the demo's home whose food licence lapsed).
    batch = create_batch("2026年7月床位运营补贴", admin_form_data)
    items = list(batch.items.select_related("provider", "grant_line"))
    on_hold = set(providers_on_hold().values_list("pk", flat=True))
    waiting = [line for line in payable(run) if line.provider_id in on_hold]
    expected = [line for line in payable(run) if line.provider_id not in on_hold]
    assert len(expected) + len(waiting) == 17 and waiting
    assert set(withheld_lines().filter(run=run)) == set(waiting)
    assert {item.grant_line_id for item in items} == {line.pk for line in expected}
    assert all(item.amount == item.grant_line.amount for item in items)
    total = sum((line.amount for line in expected), Decimal("0.00"))
    assert sum((item.amount for item in items), Decimal("0.00")) == total
    # 1,804 residents counted at 100.00 (the person registered above in two homes at neither).
    assert total + sum((line.amount for line in waiting), Decimal("0.00")) == Decimal("180400.00")

    # A read-only auditor cannot move the batch on.
    auditor = login("auditor")
    assert offered_actions(auditor, "paymentbatch") == set()
    act(auditor, "paymentbatch", "submit_batches", batch)
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.DRAFT

    finance = login("finance_baotou")
    response = act(finance, "paymentbatch", "submit_batches", batch)
    assert (message_levels.SUCCESS, f"{batch} submitted.") in messages_in(response)

    # Whoever prepared the batch cannot approve it: an error, the state stays.
    response = act(finance, "paymentbatch", "approve_batches", batch)
    assert (
        message_levels.ERROR,
        "You prepared, collected or submitted this batch: someone else must approve it.",
    ) in messages_in(response)
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.SUBMITTED

    response = act(login("reviewer_baotou"), "paymentbatch", "approve_batches", batch)
    assert (message_levels.SUCCESS, f"{batch} approved.") in messages_in(response)
    batch.refresh_from_db()
    assert (batch.state, batch.approved_by.username) == (PaymentBatch.State.APPROVED, "reviewer_baotou")

    # 4. The payment file: UTF-8 with a BOM, one row per item, the same total.
    response = act(finance, "paymentbatch", "export_csv", batch)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert file_bytes(response).startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(file_bytes(response).decode("utf-8-sig"))))
    # Its columns are words in the page's language (English here, as the pages are under /en/).
    assert rows[0] == ["item no.", "payee", "unified social credit code", "bank", "account number", "amount", "memo"]
    by_item = {int(row[0]): row for row in rows[1:]}
    assert set(by_item) == {item.pk for item in items}
    for item in items:
        _pk, payee, uscc, bank, account, amount, memo = by_item[item.pk]
        assert (uscc, Decimal(amount), memo) == (item.provider.uscc, item.amount, "BT-OPERATING 2026-07")
        assert payee and bank and account == item.provider.bank_account_number
    assert sum(Decimal(row[5]) for row in rows[1:]) == total
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.EXPORTED

    # 5. A bank file with an unknown item and a wrong amount: errors by row, nothing recorded.
    first = min(items, key=lambda item: item.pk)
    response = reconcile(finance, batch, [(999999999, "100.00", "paid", ""), (first.pk, "1.00", "paid", "")])
    assert response.status_code == 200
    assert response.context["errors"] == [
        "row 2: unknown item 999999999",
        f"row 3: amount 1.00 does not match {first.amount}",
    ]
    assert "Nothing was recorded" in text(response)
    assert not batch.items.exclude(state=PaymentItem.State.PENDING).exists()

    # 6. All paid but one: the batch stays open until the last item is settled.
    failing = next(item for item in items if item.provider.name == SHAERQIN)
    paid = [item for item in items if item != failing]
    response = reconcile(finance, batch, [(item.pk, f"{item.amount}", "paid", "") for item in paid])
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.EXPORTED
    response = reconcile(finance, batch, [(failing.pk, f"{failing.amount}", "failed", "账户已销户")])
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.CLOSED
    assert batch.items.filter(state=PaymentItem.State.PAID).count() == len(expected) - 1
    failing.refresh_from_db()
    assert (failing.state, failing.failure_reason) == (PaymentItem.State.FAILED, "账户已销户")

    # The failed line goes into the next batch; nothing paid is collected again.
    again = create_batch("2026年7月补发", admin_form_data)
    assert [item.grant_line_id for item in again.items.all()] == [failing.grant_line_id]

    # 7. The ledger of a provider paid above shows what it received.
    kanghe = provider(KANGHE)
    page = finance.get(url("subsidies_providerledger_change", kanghe.pk))
    assert page.status_code == 200
    # September and October were paid by the demo data; July's line comes on top.
    july = run.lines.get(provider=kanghe).amount
    october = sum(
        PaymentItem.objects.filter(provider=kanghe, state=PaymentItem.State.PAID)
        .exclude(period=RUN_MONTH)
        .values_list("amount", flat=True),
        Decimal("0.00"),
    )
    assert f"<th>paid</th><td>{october + july}</td>" in page.content.decode()
    listing = text(login("clerk_kundulun").get(url("subsidies_providerledger_changelist")))
    assert re.search(rf"{KANGHE} \S+ 昆都仑区 {october + july} 0.00", listing), listing


def test_every_line_is_explained_by_its_basis(admin_form_data: Callable[[Any], dict[str, Any]]) -> None:
    run = approve_run(create_month_run(admin_form_data))
    reviewer = login("reviewer_baotou")
    # The run page links every line to the page that explains it.
    run_page = reviewer.get(url("subsidies_grantrun_change", run.pk)).content.decode()
    linked = {int(pk) for pk in re.findall(r'href="/en/admin/subsidies/grantline/(\d+)/change/', run_page)}
    assert linked == set(run.lines.values_list("pk", flat=True))
    first, last = RUN_MONTH, datetime.date(2026, 7, 31)
    for line in run.lines.select_related("provider"):
        basis = line.basis
        rate = Rate.objects.get(pk=basis["rate_id"])
        # The rule and its numbers, as the scheme defines them.
        assert (basis["rule"], basis["min_days"], basis["rate_key"]) == ("min_days", MIN_DAYS, "any")
        assert (rate.scheme.code, rate.key, rate.amount) == ("BT-OPERATING", "any", line.rate)
        assert basis["cap_beds"] == line.provider.beds
        # Residents counted: present at least N of the month's days on which the provider
        # was filed or certified, recounted from the roster.
        spans = [(datetime.date.fromisoformat(a), datetime.date.fromisoformat(b)) for a, b in basis["eligible_days"]]

        # People whose stays here share a day of the month with another home's are counted
        # nowhere (DOMAIN §7).
        def shares_a_day_elsewhere(resident: Resident) -> bool:
            others = Resident.objects.filter(id_number_hash=resident.id_number_hash).exclude(
                provider=resident.provider_id
            )
            return any(
                max(resident.admitted_on, other.admitted_on, first)
                <= min(resident.discharged_on or last, other.discharged_on or last, last)
                for other in others
            )

        stays = [
            Stay(r.id_number, r.admitted_on, r.discharged_on)
            for r in line.provider.residents.filter(admitted_on__lte=last).exclude(discharged_on__lt=first)
            if not shares_a_day_elsewhere(r)
        ]
        recounted = sum(
            1
            for stay in stays
            if sum(days_present(part, RUN_MONTH) for part in stays_within([stay], spans)) >= MIN_DAYS
        )
        assert Decimal(basis["residents_counted"]) == recounted
        # amount = rate × min(counted, beds), to the fen.
        counted = Decimal(basis["residents_counted"])
        assert line.quantity == min(counted, Decimal(basis["cap_beds"]))
        assert basis["capped"] == (counted > basis["cap_beds"])
        assert line.amount == to_fen(line.rate * min(counted, basis["cap_beds"]))

        page = text(reviewer.get(url("subsidies_grantline_change", line.pk)))
        # The basis as labelled words, not JSON (issue 21).
        for shown in (
            "counting rule Residents present at least N days of the month",
            f"minimum days present {MIN_DAYS}",
            f"residents counted {basis['residents_counted']}",
            f"bed cap {line.provider.beds}",
            "rate key Any grade",
            f"Rate (yuan): {line.rate}",
            f"Amount (yuan): {line.amount}",
        ):
            assert shown in page, (line.provider.name, shown)


# --------------------------------------------------------------- construction grants


def instalment_years() -> list[int]:
    year = timezone.localdate().year
    return [year, year + 1, year + 2]


def add_grant(admin_form_data: Callable[[Any], dict[str, Any]], **values: object) -> Any:
    # The demo home has fewer approved beds than the 120 claimed: it has been approved to expand.
    Provider.objects.filter(name=SUNSHINE, beds__lt=120).update(beds=120)
    fields = {
        "provider": provider(SUNSHINE).pk,
        "scheme": SubsidyScheme.objects.get(code="BT-CONSTRUCT-BED").pk,
        "basis": "new_build",
        "beds_claimed": 120,
        "floor_area_m2": "3600",
        **values,
    }
    return add(login("clerk_kundulun"), admin_form_data, "subsidies_constructiongrant", **fields)


def test_construction_grant_through_the_admin(admin_form_data: Callable[[Any], dict[str, Any]]) -> None:
    response = add_grant(admin_form_data)
    assert response.status_code == 302, text(response)
    grant = ConstructionGrant.objects.get(provider__name=SUNSHINE)
    assert (grant.eligible_beds, grant.rate_amount, grant.total) == (120, Decimal("5000.00"), Decimal("600000.00"))
    assert grant.prepared_by.username == "clerk_kundulun"

    clerk = login("clerk_kundulun")
    page = text(clerk.get(url("subsidies_constructiongrant_change", grant.pk)))
    first, second, third = instalment_years()
    assert f"Instalments (preview): {first}: 180000.00, {second}: 180000.00, {third}: 240000.00" in page
    assert "Total (yuan): 600000.00" in page

    # The clerk who prepared it has no approve action; the draft stays a draft.
    assert "approve_grants" not in offered_actions(clerk, "constructiongrant")
    act(clerk, "constructiongrant", "approve_grants", grant)
    grant.refresh_from_db()
    assert grant.status == ConstructionGrant.Status.DRAFT and not grant.instalments.exists()

    act(clerk, "constructiongrant", "submit_grants", grant)  # the review flow: submitted first
    response = act(login("reviewer_baotou"), "constructiongrant", "approve_grants", grant)
    assert (message_levels.SUCCESS, f"{grant} approved.") in messages_in(response)
    grant.refresh_from_db()
    assert (grant.status, grant.approved_by.username) == (ConstructionGrant.Status.APPROVED, "reviewer_baotou")
    assert [(i.number, i.year, i.amount, i.status) for i in grant.instalments.all()] == [
        (1, first, Decimal("180000.00"), Instalment.Status.SCHEDULED),
        (2, second, Decimal("180000.00"), Instalment.Status.SCHEDULED),
        (3, third, Decimal("240000.00"), Instalment.Status.SCHEDULED),
    ]
    # The approved grant's page lists the instalments and is read-only.
    page = clerk.get(url("subsidies_constructiongrant_change", grant.pk))
    assert "240000.00" in text(page) and 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        pytest.param(
            {"provider": LUCHENG, "scheme": "IM-CONSTRUCT-BED"},
            "__all__",
            "IM-CONSTRUCT-BED is not paid to a provider that is For-profit and Private (000:1011-1026).",
            id="for-profit-for-the-region-scheme",
        ),
        pytest.param(
            {"scheme": "IM-CONSTRUCT-BED", "basis": "leased_5y", "lease_end": "+3y"},
            "lease_end",
            "The lease must run at least 5 years",
            id="lease-too-short",
        ),
        pytest.param(
            {"basis": "leased_5y"},
            "__all__",
            "BT-CONSTRUCT-BED has no rate for “leased_5y”.",
            id="basis-without-a-rate",
        ),
    ],
)
def test_an_ineligible_application_names_the_problem(
    admin_form_data: Callable[[Any], dict[str, Any]], values: dict[str, str], field: str, message: str
) -> None:
    fields: dict[str, object] = dict(values)
    if "provider" in fields:
        fields["provider"] = provider(str(fields["provider"])).pk
    if "scheme" in fields:
        fields["scheme"] = SubsidyScheme.objects.get(code=fields["scheme"]).pk
    if fields.get("lease_end") == "+3y":
        today = timezone.localdate()
        fields["lease_end"] = today.replace(year=today.year + 3).isoformat()
    response = add_grant(admin_form_data, **fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert message in text(response)
    assert not ConstructionGrant.objects.filter(provider__name=SUNSHINE).exists()  # the demo has grants of its own


# --------------------------------------------------------------------------- scoping


def test_a_district_clerk_sees_only_their_districts_money(admin_form_data: Callable[[Any], dict[str, Any]]) -> None:
    assert add_grant(admin_form_data).status_code == 302
    grant = ConstructionGrant.objects.get(provider__name=SUNSHINE)
    run = create_month_run(admin_form_data)
    donghe = login("clerk_donghe")

    assert donghe.get(url("subsidies_constructiongrant_change", grant.pk)).status_code == 404
    assert SUNSHINE not in text(donghe.get(url("subsidies_constructiongrant_changelist")))

    # The city-wide run: Donghe's lines and totals, nothing of Kundulun.
    page = text(donghe.get(url("subsidies_grantrun_change", run.pk)))
    kundulun_lines = run.lines.filter(provider__division__code=KUNDULUN).select_related("provider")
    assert kundulun_lines.count() == 4
    for line in kundulun_lines:
        assert line.provider.name not in page
    donghe_lines = run.lines.filter(provider__division__code=DONGHE).select_related("provider")
    assert sorted(line.provider.name for line in donghe_lines) == sorted([RENAI, SHAERQIN, JINSE])
    assert RENAI in page and SHAERQIN in page
    assert "昆都仑区" not in page
    total = sum((line.amount for line in donghe_lines if not line.holds), Decimal("0.00"))
    assert total > 0 and f"东河区 League/city finance {total}" in page
    listing = text(donghe.get(url("subsidies_grantrun_changelist")))
    # Lines and payable total of Donghe only; the run is a draft not yet submitted ("being prepared").
    assert f"包头市 Being prepared 3 {total}" in listing, listing

    # The provider ledger: Kundulun's providers are out of reach.
    sunshine = provider(SUNSHINE)
    assert donghe.get(url("subsidies_providerledger_change", sunshine.pk)).status_code == 404
    assert SUNSHINE not in text(donghe.get(url("subsidies_providerledger_changelist")))
    assert login("clerk_kundulun").get(url("subsidies_providerledger_change", sunshine.pk)).status_code == 200


def test_only_a_clerk_whose_jurisdiction_contains_the_run_refreshes_it(
    admin_form_data: Callable[[Any], dict[str, Any]],
) -> None:
    """A district clerk sees the city-wide run but may not recompute every district's lines:
    the refresh action says so in a message (no error page); the city-level clerk refreshes it."""
    run = create_month_run(admin_form_data)
    before = sorted(run.lines.values_list("pk", "amount"))
    donghe = login("clerk_donghe")
    assert "refresh_runs" in offered_actions(donghe, "grantrun")  # offered: the run is in the list

    response = act(donghe, "grantrun", "refresh_runs", run)

    assert response.status_code == 200
    assert (
        message_levels.ERROR,
        "包头市 is outside your jurisdiction: only a clerk whose jurisdiction contains it may create"
        " or refresh this run.",
    ) in messages_in(response)
    assert sorted(run.lines.values_list("pk", "amount")) == before
    assert not run.preparers.filter(username="clerk_donghe").exists()

    response = act(city_clerk(), "grantrun", "refresh_runs", run)
    assert (message_levels.SUCCESS, f"{run} refreshed.") in messages_in(response)
    assert list(run.preparers.values_list("username", flat=True)) == ["clerk_baotou"]


# ------------------------------------------------------------------------ recoveries


def test_change_of_use_after_payment_is_recovered_and_repaid(admin_form_data: Callable[[Any], dict[str, Any]]) -> None:
    """A paid first instalment, then a change of use: the claim is repaid by transfers."""
    assert add_grant(admin_form_data).status_code == 302
    grant = ConstructionGrant.objects.get(provider__name=SUNSHINE)
    reviewer = login("reviewer_baotou")
    act(login("clerk_kundulun"), "constructiongrant", "submit_grants", grant)  # the review flow
    act(reviewer, "constructiongrant", "approve_grants", grant)
    first = grant.instalments.get(number=1)
    # The yearly review releases every instalment due this year: this grant's first, and
    # the second of the demo's own grant in its second year (demo/construction.py).
    this_year = Instalment.objects.filter(status=Instalment.Status.SCHEDULED, year__lte=timezone.localdate().year)
    due = set(this_year.values_list("pk", flat=True))
    response = act(reviewer, "instalment", "review_this_year", first)
    assert first.pk in due
    message = f"Released {len(due)}, withheld 0, cancelled 0."
    assert (message_levels.INFO, message) in messages_in(response)

    batch = create_batch("2026年建设补贴第一期", admin_form_data)
    assert {item.instalment_id for item in batch.items.filter(instalment__isnull=False)} == due
    batch_to_exported(batch)
    finance = login("finance_baotou")
    paid = [(item.pk, f"{item.amount}", "paid", "") for item in batch.items.all()]
    assert reconcile(finance, batch, paid).status_code == 302
    first.refresh_from_db()
    assert first.status == Instalment.Status.PAID

    # Change of use, from the provider ledger: later instalments cancelled, the paid part claimed.
    sunshine = provider(SUNSHINE)
    response = act(reviewer, "providerledger", "change_of_use", sunshine)
    assert (message_levels.SUCCESS, f"{sunshine}: recovery opened.") in messages_in(response)
    assert list(grant.instalments.values_list("status", flat=True)) == ["paid", "cancelled", "cancelled"]
    recovery = Recovery.objects.get(grant=grant)
    assert (recovery.amount, recovery.status) == (Decimal("180000.00"), Recovery.Status.OPEN)
    page = text(finance.get(url("subsidies_recovery_change", recovery.pk)))
    assert "Record a repayment" in page and "Still owed (yuan): 180000.00" in page

    repay = url("subsidies_recovery_repay", recovery.pk)
    response = finance.post(repay, {"amount": "100000.00", "received_on": "2026-11-20", "reference": "回款1"})
    assert response.status_code == 302
    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.OPEN

    # More than is still owed: an error on the form, nothing recorded.
    response = finance.post(repay, {"amount": "80000.01", "received_on": "2026-11-21", "reference": "回款2"})
    assert response.status_code == 200
    assert "Enter an amount between 0.01 and 80000.00." in text(response)
    assert recovery.repayments.count() == 1

    response = finance.post(repay, {"amount": "80000.00", "received_on": "2026-11-21", "reference": "回款2"})
    assert response.status_code == 302
    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.SETTLED
    assert sorted(recovery.repayments.values_list("amount", flat=True)) == [Decimal("80000.00"), Decimal("100000.00")]
    ledger = finance.get(url("subsidies_providerledger_change", sunshine.pk)).content.decode()
    assert "<th>recovered</th><td>180000.00</td>" in ledger
    assert "<th>still owed</th><td>0.00</td>" in ledger


# ----------------------------------------------------------------------------- rates


def test_a_rate_change_leaves_approved_lines_alone(admin_form_data: Callable[[Any], dict[str, Any]]) -> None:
    run = approve_run(create_month_run(admin_form_data))
    before = {line.pk: (line.rate, line.amount) for line in run.lines.all()}

    reviewer = login("reviewer_baotou")
    rate = Rate.objects.get(scheme__code="BT-OPERATING", key="any")
    page = reviewer.get(url("subsidies_rate_change", rate.pk))
    response = reviewer.post(url("subsidies_rate_change", rate.pk), {**admin_form_data(page), "amount": "120.00"})
    assert response.status_code == 302, text(response)
    rate.refresh_from_db()
    assert rate.amount == Decimal("120.00")

    assert {line.pk: (line.rate, line.amount) for line in run.lines.all()} == before
    # The next month is paid at the new rate, and the change is no roster correction.
    next_month = create_next_month_run(admin_form_data)
    assert {line.rate for line in next_month.lines.all()} == {Decimal("120.00")}
    assert not next_month.lines.filter(kind=GrantLine.Kind.ADJUSTMENT).exists()


def create_next_month_run(admin_form_data: Callable[[Any], dict[str, Any]]) -> GrantRun:
    response = add(
        city_clerk(),
        admin_form_data,
        "subsidies_grantrun",
        scheme=SubsidyScheme.objects.get(code="BT-OPERATING").pk,
        period=NEXT_MONTH.isoformat(),
        division=Division.objects.get(code=BAOTOU).pk,
    )
    assert response.status_code == 302, text(response)
    return GrantRun.objects.get(scheme__code="BT-OPERATING", period=NEXT_MONTH, division__code=BAOTOU)


# ---------------------------------------------------------------------- demo users


def test_a_demo_user_can_create_the_city_wide_run(admin_form_data: Callable[[Any], dict[str, Any]]) -> None:
    scheme = SubsidyScheme.objects.get(code="BT-OPERATING")
    baotou = Division.objects.get(code=BAOTOU)
    for demo_user in DEMO_USERS:
        client = login(demo_user.username)
        if client.get(url("subsidies_grantrun_add")).status_code != 200:
            continue
        add(
            client,
            admin_form_data,
            "subsidies_grantrun",
            scheme=scheme.pk,
            period=RUN_MONTH.isoformat(),
            division=baotou.pk,
        )
    assert GrantRun.objects.filter(scheme=scheme, period=RUN_MONTH, division=baotou).exists()


# ------------------------------------------------- months not yet ended, bad quantities


def test_a_run_of_a_month_not_yet_ended_is_refused_on_the_add_form(
    admin_form_data: Callable[[Any], dict[str, Any]],
) -> None:
    # DOMAIN §7: an operating run for month M can be prepared from the last day of M.
    today = timezone.localdate()
    next_month = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    response = add(
        city_clerk(),
        admin_form_data,
        "subsidies_grantrun",
        scheme=SubsidyScheme.objects.get(code="BT-OPERATING").pk,
        period=next_month.isoformat(),
        division=Division.objects.get(code=BAOTOU).pk,
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any("months are paid after they happen" in error for error in errors.get("period", [])), errors
    assert not GrantRun.objects.filter(period=next_month).exists()


@pytest.mark.parametrize(
    "values, field, message",
    [
        pytest.param({"beds_claimed": "0"}, "beds_claimed", "Beds claimed must be at least 1.", id="zero-beds"),
        pytest.param({"floor_area_m2": "0"}, "floor_area_m2", "Floor area must be greater than 0", id="zero-area"),
        pytest.param({"beds_claimed": "+1"}, "beds_claimed", "cannot exceed the provider's", id="above-approved"),
    ],
)
def test_a_bad_quantity_is_an_error_on_its_field_and_saves_nothing(
    admin_form_data: Callable[[Any], dict[str, Any]], values: dict[str, str], field: str, message: str
) -> None:
    if values.get("beds_claimed") == "+1":
        values = {"beds_claimed": "121", "floor_area_m2": "100000"}  # add_grant: 120 approved beds
    response = add_grant(admin_form_data, **values)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert not ConstructionGrant.objects.filter(provider__name=SUNSHINE).exists()  # the demo has grants of its own


def test_a_second_grant_for_the_same_provider_and_scheme_is_refused_in_the_admin(
    admin_form_data: Callable[[Any], dict[str, Any]],
) -> None:
    assert add_grant(admin_form_data).status_code == 302
    response = add_grant(admin_form_data, beds_claimed=10, floor_area_m2="300")
    assert response.status_code == 200
    assert "already has a grant of BT-CONSTRUCT-BED" in text(response)
    assert ConstructionGrant.objects.filter(provider__name=SUNSHINE).count() == 1
