"""Caregiver accident insurance, 6:3:1 (000:1081-1083).

"按照政府、机构和护理员本人 6∶3∶1的比例给予意外伤害投保补贴，所需资金由同级财政安排": a caregivers'
accident policy's premium is shared government : institution : caregiver = 6:3:1, and the
government's part is paid by the same-level finance (decided: the provider's
banner/county, docs/subsidies.md). The bureau pays the government's part once per policy,
through a monthly run and a payment batch; the other parts are shown, not paid.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from factories import BAOTOU, KUNDULUN, CaregiverFactory, CreditRecordFactory, division

from registry.accident_policies import accident_policy_delete, accident_policy_save
from registry.models import AccidentPolicy, User
from safeguards.models import AuditEntry
from subsidies.accident_insurance import accident_shares
from subsidies.models import PayerLevel, SubsidyScheme
from subsidies.services import batch_create, run_refresh

pytestmark = pytest.mark.django_db

D = datetime.date
OCT = D(2026, 10, 1)
NOV = D(2026, 11, 1)
NOV_5 = D(2026, 11, 5)
NOV_4_NEXT_YEAR = D(2027, 11, 4)
SCHEME = "IM-ACCIDENT-631"


@pytest.fixture
def provider(make_provider):
    return make_provider()


@pytest.fixture
def carers(provider):
    return [CaregiverFactory(provider=provider), CaregiverFactory(provider=provider)]


def policy(provider, caregivers, premium="1000.00", starts_on=NOV_5, ends_on=NOV_4_NEXT_YEAR, **extra):
    fields = {"insurer": "中国人寿包头分公司", "number": f"YW{starts_on:%Y%m%d}-{provider.pk}", **extra}
    return accident_policy_save(
        provider=provider,
        starts_on=starts_on,
        ends_on=ends_on,
        premium_yuan=premium,
        caregivers=caregivers,
        user=None,
        **fields,
    )


def accident_run(period=NOV, division_code=None):
    return run_refresh(scheme_code=SCHEME, period=period, division_code=division_code)


def field_errors(excinfo):
    return excinfo.value.message_dict


# --- 6:3:1, the government's part paid by the county finance --------------------------------


def test_a_1000_premium_pays_the_county_600_and_shows_institution_300_and_caregivers_100(provider, carers):
    covered = policy(provider, carers, premium="1000.00")

    lines = list(accident_run().lines.all())

    assert [(line.subject, line.payer_level, line.amount) for line in lines] == [
        (f"accident:{covered.pk}:county", PayerLevel.COUNTY, Decimal("600.00"))
    ]
    basis = lines[0].basis
    assert basis["premium"] == "1000.00"
    assert basis["shares"] == [["government", "600.00"], ["institution", "300.00"], ["caregiver", "100.00"]]
    assert basis["government_payers"] == [["county", "600.00"]]
    assert basis["caregivers_covered"] == 2


@pytest.mark.parametrize(
    "premium, government, institution, caregiver",
    [("99.99", "59.99", "30.00", "10.00"), ("0.07", "0.04", "0.02", "0.01"), ("1234.57", "740.74", "370.37", "123.46")],
)
def test_odd_fen_premiums_split_exactly(provider, carers, premium, government, institution, caregiver):
    policy(provider, carers, premium=premium)

    line = accident_run().lines.get()

    shares = dict(line.basis["shares"])
    assert (line.amount, shares["government"], shares["institution"], shares["caregiver"]) == (
        Decimal(government),
        government,
        institution,
        caregiver,
    )
    assert sum(Decimal(part) for part in shares.values()) == Decimal(premium)


def test_a_government_share_paid_by_two_levels_sums_to_the_share(divisions):
    scheme = SubsidyScheme.objects.get(code=SCHEME)
    scheme.government_payers = [["league_city", 1], ["county", 1]]

    split = accident_shares(scheme, Decimal("100.01"))

    # 6/10 of 100.01 is 60.006: 60.01 to the fen, split 30.01 + 30.00.
    assert split["government"] == [("league_city", Decimal("30.01")), ("county", Decimal("30.00"))]
    assert dict(split["shares"])["government"] == Decimal("60.01")


def test_a_scheme_that_names_no_paying_finance_is_refused(provider, carers):
    SubsidyScheme.objects.filter(code=SCHEME).update(government_payers=[])
    policy(provider, carers)

    with pytest.raises(ValidationError) as excinfo:
        accident_run()

    assert "government_payers" in field_errors(excinfo)


def test_the_county_batch_pays_the_government_share_and_no_other_level_pays_anything(
    provider, carers, finance, approved_run
):
    policy(provider, carers, premium="1000.00")
    approved_run(SCHEME, NOV)

    def paid(level):
        batch = batch_create(name=level, division=division(KUNDULUN), payer_level=level, prepared_by=finance)
        return list(batch.items.values_list("amount", flat=True))

    assert paid("region") == []
    assert paid("league_city") == []
    assert paid("county") == [Decimal("600.00")]


# --- once per policy, in the month its cover starts ------------------------------------------


def test_a_policy_is_co_funded_in_the_month_its_cover_starts_only(provider, carers):
    policy(provider, carers, starts_on=D(2026, 10, 31), ends_on=D(2027, 10, 30))

    assert not accident_run(NOV).lines.exists()
    assert accident_run(D(2026, 10, 1)).lines.count() == 1


def test_a_policy_is_paid_once_across_runs(provider, carers, approved_run):
    covered = policy(provider, carers, starts_on=D(2026, 10, 5), ends_on=D(2027, 10, 4))
    assert approved_run(SCHEME, OCT).lines.count() == 1

    # Its start moved into November after it was co-funded: not co-funded again.
    AccidentPolicy.objects.filter(pk=covered.pk).update(starts_on=D(2026, 11, 2))
    assert not accident_run(NOV).lines.exists()
    # Nor by a run of Baotou for the month it was co-funded in.
    AccidentPolicy.objects.filter(pk=covered.pk).update(starts_on=D(2026, 10, 5))
    assert not accident_run(OCT, division_code=BAOTOU).lines.exists()


def test_refreshing_a_draft_run_keeps_its_own_policy_lines(provider, carers):
    policy(provider, carers)
    accident_run()

    assert accident_run().lines.count() == 1


def test_a_blacklisted_providers_share_waits_until_the_blacklisting_ends(provider, carers, finance, approved_run):
    blacklisting = CreditRecordFactory(provider=provider, start_on=D(2026, 11, 20))
    policy(provider, carers)
    approved_run(SCHEME, NOV)

    def county_batch():
        return batch_create(name="11月", division=division(KUNDULUN), payer_level="county", prepared_by=finance)

    assert not county_batch().items.exists()
    blacklisting.end_on = D(2026, 12, 1)
    blacklisting.save()
    assert list(county_batch().items.values_list("amount", flat=True)) == [Decimal("600.00")]


# --- bad input refused, naming the field ------------------------------------------------------


@pytest.mark.parametrize("premium", ["0", "-1.00", "NaN", "Infinity", "-Infinity", "abc", "", "12.345", None])
def test_a_premium_that_is_not_a_positive_amount_is_refused(provider, carers, premium):
    with pytest.raises(ValidationError) as excinfo:
        policy(provider, carers, premium=premium)

    assert "premium_yuan" in field_errors(excinfo)
    assert not AccidentPolicy.objects.exists()


@pytest.mark.parametrize("ends_on", [D(2026, 11, 5), D(2026, 11, 4)])
def test_cover_that_does_not_end_after_it_starts_is_refused(provider, carers, ends_on):
    with pytest.raises(ValidationError) as excinfo:
        policy(provider, carers, starts_on=D(2026, 11, 5), ends_on=ends_on)

    assert "ends_on" in field_errors(excinfo)


def test_a_caregiver_of_another_provider_is_refused(provider, carers, make_provider):
    stranger = CaregiverFactory(provider=make_provider())

    with pytest.raises(ValidationError) as excinfo:
        policy(provider, [carers[0], stranger])

    assert stranger.name in " ".join(field_errors(excinfo)["caregivers"])


def test_a_policy_covering_nobody_is_refused(provider):
    with pytest.raises(ValidationError) as excinfo:
        policy(provider, [])

    assert "caregivers" in field_errors(excinfo)


def test_a_caregiver_covered_by_two_overlapping_policies_is_refused(provider, carers):
    first = policy(provider, carers, starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31), number="A-1")

    with pytest.raises(ValidationError) as excinfo:
        policy(provider, [carers[1]], starts_on=D(2026, 12, 31), ends_on=D(2027, 12, 30), number="A-2")

    message = " ".join(field_errors(excinfo)["caregivers"])
    assert first.number in message and carers[1].name in message
    # The next year's policy, from the day after, is accepted.
    assert policy(provider, carers, starts_on=D(2027, 1, 1), ends_on=D(2027, 12, 31), number="A-3").pk


def test_the_same_policy_entered_twice_is_refused(provider, carers, make_provider):
    other = make_provider()
    policy(provider, carers, number="YW-1")

    with pytest.raises(ValidationError) as excinfo:
        policy(other, [CaregiverFactory(provider=other)], number="YW-1")

    assert "number" in field_errors(excinfo)


def test_changing_a_policy_does_not_count_it_as_overlapping_itself_and_is_audited(provider, carers):
    covered = policy(provider, carers, premium="1000.00")

    accident_policy_save(
        policy=covered,
        provider=provider,
        insurer=covered.insurer,
        number=covered.number,
        starts_on=covered.starts_on,
        ends_on=covered.ends_on,
        premium_yuan="1200.00",
        caregivers=carers,
        user=None,
    )

    entry = AuditEntry.objects.filter(action="accident_policy.change").get()
    assert (entry.before, entry.after) == ({"premium_yuan": "1000.00"}, {"premium_yuan": "1200.00"})
    accident_policy_delete(policy=covered, user=None)
    assert AuditEntry.objects.filter(action="accident_policy.delete").exists()
    assert not AccidentPolicy.objects.exists()


# --- the back-office form -----------------------------------------------------------------


def admin_url(name, *args):
    with translation.override("en"):
        return reverse(f"admin:registry_accidentpolicy_{name}", args=args)


def form_data(provider, caregivers, **changes):
    return {
        "provider": provider.pk,
        "insurer": "中国人寿包头分公司",
        "number": "YW-9",
        "starts_on": "2026-11-05",
        "ends_on": "2027-11-04",
        "premium_yuan": "1000.00",
        "caregivers": [c.pk for c in caregivers],
        **changes,
    }


def test_a_clerk_records_a_policy_and_sees_it_in_the_list(clerk: User, provider, carers):
    client = Client()
    client.force_login(clerk)

    response = client.post(admin_url("add"), form_data(provider, carers))

    assert response.status_code == 302
    saved = AccidentPolicy.objects.get()
    assert set(saved.caregivers.all()) == set(carers)
    assert AuditEntry.objects.filter(action="accident_policy.add", actor=clerk).exists()
    listing = client.get(admin_url("changelist"), {"starts_on__gte": "2026-11-01"})
    assert listing.status_code == 200 and "YW-9" in listing.content.decode()


def test_the_form_shows_an_overlap_as_an_error_on_the_caregivers(clerk: User, provider, carers):
    policy(provider, carers)
    client = Client()
    client.force_login(clerk)

    response = client.post(admin_url("add"), form_data(provider, carers[:1], premium_yuan="NaN"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "caregivers" in errors and "premium_yuan" in errors
    assert AccidentPolicy.objects.count() == 1


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_has_policies_a_november_2025_run_co_funds_once(divisions):
    call_command("seed_demo", "--date=2026-02-05", stdout=io.StringIO())  # first paid month: November 2025
    call_command("seed_demo", "--date=2026-02-05", stdout=io.StringIO())  # idempotent: no second copy

    run = accident_run(D(2025, 11, 1))

    assert AccidentPolicy.objects.count() == 2
    assert sorted((line.provider.name, line.payer_level, line.amount) for line in run.lines.all()) == [
        ("东河区仁爱养老院", "county", Decimal("500.00")),
        ("昆都仑区阳光颐养院", "county", Decimal("756.00")),
    ]
    assert [line.holds for line in run.lines.all()] == [[], []]
