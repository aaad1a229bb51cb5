"""Money paid changes the public subsidies page: reconciling a payment batch bumps the
public cache's data version (``PaymentItem`` and the runs registered from the subsidies
app's ``ready()``), so the cached page lists the payment on the next request."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from factories import ResidentFactory
from public_cache_support import cache_state, commit_public_changes

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)


def test_a_batch_paid_shows_on_the_cached_subsidies_page(make_provider, approved_run, batch_through) -> None:
    provider = make_provider(
        bank_name="中国银行包头分行", bank_account_name="幸福养老院", bank_account_number="6222021234567890123"
    )
    ResidentFactory.create_batch(3, provider=provider)
    approved_run("BT-OPERATING", NOV)
    assert commit_public_changes()  # approved: listed as awaiting payment
    before = Client().get("/subsidies/")
    assert cache_state(Client().get("/subsidies/")) == "HIT"
    assert [row["provider__uscc"] for row in before.context["awaiting"]] == [provider.uscc]

    batch_through("closed")  # every item paid
    assert commit_public_changes()

    after = Client().get("/subsidies/")
    assert cache_state(after) == "MISS"
    assert [(row["provider__uscc"], row["total"]) for row in after.context["page"].object_list] == [
        (provider.uscc, before.context["awaiting"][0]["total"])
    ]
    assert list(after.context["awaiting"]) == []
