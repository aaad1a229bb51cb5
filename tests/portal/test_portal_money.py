"""The provider's money in the portal (issue 18): the statement of account shows what the
bureau decided (approved runs, released instalments, payments of approved batches,
recoveries), not its working papers; a construction-grant application with its premises
documents becomes a prepared grant in the clerk's name, which the reviewer approves."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from factories import ProviderFactory

from portal.access import access_grant
from portal.models import Submission
from portal.submissions import submission_accept
from registry.models import OperationMode, Provider, ProviderStatus, User
from subsidies.models import ConstructionGrant, GrantLine, GrantRun, PaymentBatch, PaymentItem

pytestmark = [pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    from demo_snapshot import seeded_demo

    with django_db_blocker.unblock(), transaction.atomic():
        seeded_demo("2025-12-01")
        yield
        transaction.set_rollback(True)


def member_of(provider: Provider) -> Client:
    user = User.objects.create_user(username=f"member{provider.pk}", password="x")
    access_grant(user=user, provider=provider, actor=None)
    client = Client()
    client.force_login(user)
    return client


def pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.usefixtures("demo")
def test_the_statement_shows_decided_money_only() -> None:
    paid = (
        PaymentItem.objects.filter(state=PaymentItem.State.PAID)
        .values("provider")
        .annotate(total=Sum("amount"))
        .order_by("-total")
        .first()
    )
    assert paid is not None
    provider = Provider.objects.get(pk=paid["provider"])
    page = member_of(provider).get(reverse("portal:money", args=[provider.pk]))
    assert page.status_code == 200
    statement = page.context["statement"]

    assert statement.totals["paid"] == paid["total"] > 0
    approved = GrantLine.objects.filter(provider=provider, run__status=GrantRun.Status.APPROVED)
    assert len(statement.lines) == min(approved.count(), 60) > 0
    decided = {(line.period, line.amount) for line in approved}
    assert {(line["period"], line["amount"]) for line in statement.lines} <= decided
    draft_months = set(
        GrantLine.objects.filter(provider=provider, run__status=GrantRun.Status.DRAFT).values_list("period", flat=True)
    )
    assert not draft_months & {line["period"] for line in statement.lines} - {p for p, _a in decided}
    working = {PaymentBatch.State.DRAFT, PaymentBatch.State.SUBMITTED}
    assert all(item.batch.state not in working for item in statement.payments)
    assert str(paid["total"]) in page.content.decode()


@pytest.mark.usefixtures("demo")
def test_another_providers_statement_is_not_found() -> None:
    mine, theirs = Provider.objects.filter(status=ProviderStatus.CERTIFIED).order_by("pk")[:2]
    client = member_of(mine)
    assert client.get(reverse("portal:money", args=[theirs.pk])).status_code == 404


@pytest.mark.usefixtures("divisions")
def test_a_construction_application_becomes_a_prepared_grant(clerk: User) -> None:
    home = ProviderFactory(
        status=ProviderStatus.CERTIFIED, operation_mode=OperationMode.PRIVATE, beds=80, nursing_beds=0
    )
    client = member_of(home)
    form = client.get(reverse("portal:submission_new", args=[home.pk, "construction_application"])).context["form"]
    options = dict(form.fields["grant"].choices)
    assert "BT-CONSTRUCT-BED|new_build" in options  # Baotou's per-bed grant, for a social-run home
    assert not any(code.startswith("BT-CONSTRUCT-FIXED") for code in options)  # facilities' grant: not a home's

    sent = client.post(
        reverse("portal:submission_new", args=[home.pk, "construction_application"]),
        {
            "grant": "BT-CONSTRUCT-BED|new_build",
            "beds_claimed": "80",
            "floor_area_m2": "1800",
            "lease_end": "",
            "note": "不动产权证书、消防验收意见书",
            "files": SimpleUploadedFile("产权证书.pdf", pdf()),
            "submit": "1",
        },
    )
    assert sent.status_code == 302, sent.context["form"].errors if sent.context else sent
    submission = Submission.objects.get(kind="construction_application")
    assert submission.uploads.count() == 1

    submission_accept(submission=submission, actor=clerk)
    grant = ConstructionGrant.objects.get(provider=home)
    assert grant.status == ConstructionGrant.Status.DRAFT and grant.prepared_by == clerk
    assert grant.eligible_beds == 60  # 1,800 m² at 30 m² a bed
    assert grant.total == Decimal("300000.00")  # 60 × 5,000
    submission.refresh_from_db()
    assert str(grant.pk) in submission.result
