"""Fees through the portal (000:525-531, issue 18): a provider announces a new price with its
first day; accepted, the public page shows it from that day and the earlier price until
the day before; returned with a reason, the provider corrects it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import FeeItemFactory, ProviderFactory
from portal_support import accept, form_errors, latest, portal_client, provider_user, return_to_provider, send, text_of

from portal.models import Submission
from registry.models import FeeItem, ProviderKind, ProviderStatus, User
from safeguards.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("divisions")]


@pytest.fixture(autouse=True)
def _english() -> None:
    translation.activate("en")


@pytest.fixture
def home() -> Any:
    return ProviderFactory(name="测试颐养院", status=ProviderStatus.CERTIFIED)


def fees_shown(provider: Any) -> str:
    page = Client().get(f"/en/providers/{provider.uscc}/").content.decode()
    return text_of(page.split('id="fees"', 1)[1].split("</section>", 1)[0])


def fee(day: datetime.date, amount: str = "1500.00", **fields: Any) -> dict[str, Any]:
    return {
        "kind": "bed",
        "name": "双人间床位费",
        "amount": amount,
        "unit": "month",
        "effective_from": day.isoformat(),
        **fields,
    }


def test_a_new_price_is_published_from_its_first_day_and_ends_the_old_one(
    home: Any, clerk: User, client_for: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    old = FeeItemFactory(
        provider=home, name="双人间床位费", amount=Decimal("1200.00"), effective_from=today.replace(year=today.year - 1)
    )
    portal = portal_client(provider_user(home))
    staff = client_for(clerk)
    next_month = today + datetime.timedelta(days=20)

    send(portal, home, "fee", fee(next_month))
    announced = latest(home, "fee")
    accept(staff, announced)
    old.refresh_from_db()
    assert old.effective_to == next_month - datetime.timedelta(days=1)
    shown = fees_shown(home)
    assert "双人间床位费 1200.00 per month" in shown and "1500.00" not in shown  # announced, not yet in force

    send(portal, home, "fee", fee(today, "1300.00", name="单人间床位费"))
    accept(staff, latest(home, "fee"))
    assert "单人间床位费 1300.00 per month" in fees_shown(home)  # in force from today
    assert FeeItem.objects.get(name="双人间床位费", amount=Decimal("1500.00")).effective_from == next_month
    assert AuditEntry.objects.filter(action="fee_item.publish", actor=clerk).count() == 2
    announced.refresh_from_db()
    assert announced.status == Submission.Status.ACCEPTED and "1500.00" in announced.result


def test_a_price_is_refused_before_it_is_sent(home: Any) -> None:
    today = timezone.localdate()
    FeeItemFactory(provider=home, name="双人间床位费", effective_from=today + datetime.timedelta(days=10))
    portal = portal_client(provider_user(home))
    before_next = send(portal, home, "fee", fee(today))
    assert "already has a price from" in form_errors(before_next)  # two prices for the same days
    negative = send(portal, home, "fee", fee(today, "-5", name="护理费", kind="nursing"))
    assert "amount" in negative.context["form"].errors
    long_ago = send(portal, home, "fee", fee(today - datetime.timedelta(days=60), name="伙食费", kind="meal"))
    assert "effective_from" in long_ago.context["form"].errors
    assert not Submission.objects.exists()


def test_a_childcare_fee_names_its_service_mode(clerk: User, client_for: Callable[[User], Client]) -> None:
    nursery = ProviderFactory(
        kind=ProviderKind.NURSERY, status=ProviderStatus.CERTIFIED, beds=0, nursing_beds=0, childcare_places=30
    )
    portal = portal_client(provider_user(nursery))
    page = portal.get(reverse("portal:submission_new", args=[nursery.pk, "fee"])).content.decode()
    assert 'value="childcare"' in page and 'value="bed"' not in page  # a nursery charges no bed fee
    today = timezone.localdate()
    no_mode = send(portal, nursery, "fee", fee(today, "2800.00", kind="childcare", name="保育费"))
    assert "care_mode" in no_mode.context["form"].errors
    send(portal, nursery, "fee", fee(today, "2800.00", kind="childcare", name="保育费", care_mode="full_day"))
    accept(client_for(clerk), latest(nursery, "fee"))
    assert "保育费 (Full-day care) 2800.00 per month" in fees_shown(nursery)


def test_returned_with_a_reason_then_corrected(home: Any, clerk: User, client_for: Callable[[User], Client]) -> None:
    today = timezone.localdate()
    portal = portal_client(provider_user(home))
    send(portal, home, "fee", fee(today, "15000.00"))
    submission = latest(home, "fee")
    staff = client_for(clerk)
    return_to_provider(staff, submission, "金额多了一个零？")
    assert "金额多了一个零？" in text_of(portal.get(reverse("portal:provider", args=[home.pk])).content.decode())
    assert not FeeItem.objects.filter(provider=home).exists()
    portal.post(
        reverse("portal:submission_edit", args=[home.pk, submission.pk]), {**fee(today, "1500.00"), "submit": "1"}
    )
    accept(staff, submission)
    assert "双人间床位费 1500.00 per month" in fees_shown(home)
