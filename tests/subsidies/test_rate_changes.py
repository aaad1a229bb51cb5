"""Changing the rate tables: each addition, change and removal of a rate writes one audit
entry with what changed, whether from the rate list or from the scheme's inline rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from safeguards.models import AuditEntry
from subsidies.models import Rate, SubsidyScheme
from subsidies.rate_changes import rate_delete, rate_save

pytestmark = pytest.mark.django_db


def audit(action):
    return list(AuditEntry.objects.filter(action=action))


@pytest.fixture
def rate(divisions):
    return Rate.objects.get(scheme__code="BT-OPERATING", key="any")


def test_a_changed_rate_writes_one_entry_with_the_fields_before_and_after(rate, clerk):
    old = rate.amount
    rate.amount = Decimal("120.00")

    rate_save(rate=rate, user=clerk)

    [entry] = audit("rate.change")
    assert (entry.object_type, entry.object_id, entry.actor) == ("subsidies.Rate", str(rate.pk), clerk)
    assert (entry.before, entry.after) == ({"amount": str(old)}, {"amount": "120.00"})
    rate.refresh_from_db()
    assert rate.amount == Decimal("120.00")


def test_saving_an_unchanged_rate_writes_no_entry(rate, clerk):
    rate_save(rate=rate, user=clerk)

    assert audit("rate.change") == []


def test_a_new_rate_and_a_removed_one_write_one_entry_each(rate, clerk):
    added = Rate(scheme=rate.scheme, key="new-key", amount=Decimal("80.00"), effective_from=rate.effective_from)
    rate_save(rate=added, user=clerk)
    rate_delete(rate=added, user=clerk)

    [add] = audit("rate.add")
    [delete] = audit("rate.delete")
    assert (add.object_id, add.after["key"], add.after["amount"]) == (str(added.pk), "new-key", "80.00")
    assert (delete.object_id, delete.before["amount"]) == (add.object_id, "80.00")
    assert not Rate.objects.filter(key="new-key").exists()


def test_the_rate_page_writes_one_entry_by_the_user(rate, superuser, client_for, admin_form_data):
    client = client_for(superuser)
    url = reverse("admin:subsidies_rate_change", args=[rate.pk])

    response = client.post(url, {**admin_form_data(client.get(url)), "amount": "130.00"})

    assert response.status_code == 302
    [entry] = audit("rate.change")
    assert (entry.actor, entry.after) == (superuser, {"amount": "130.00"})


def test_the_schemes_inline_rates_are_audited_too(rate, superuser, client_for, admin_form_data):
    client = client_for(superuser)
    url = reverse("admin:subsidies_subsidyscheme_change", args=[rate.scheme_id])
    data = admin_form_data(client.get(url))
    [prefix] = {k.rsplit("-", 1)[0] for k, v in data.items() if k.endswith("-id") and str(v) == str(rate.pk)}
    data[f"{prefix}-amount"] = "140.00"

    response = client.post(url, data)

    assert response.status_code == 302
    [entry] = audit("rate.change")
    assert (entry.object_id, entry.actor, entry.after) == (str(rate.pk), superuser, {"amount": "140.00"})
    assert SubsidyScheme.objects.get(pk=rate.scheme_id).rates.get(pk=rate.pk).amount == Decimal("140.00")
