"""Operating awards "以奖代补" (issue 13, DOMAIN §7), written from the seed lines:

- 004:80 "各地区根据社区日间照料中心、养老服务站的运营情况，采取以奖代补的形式每年给予 1—5 万元的
  运营补贴": day-care centres and service stations, 10,000-50,000 yuan a year, set from an
  evaluation of how they ran;
- 000:1034-1040: the region funds community home-care facilities "按照‘以奖代补’的办法",
  with no figure in the text (the bureau enters the range).

An award is prepared by one person and approved by another, and paid once through a batch.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from factories import BAOTOU, KUNDULUN, ProviderHoldFactory, division

from registry.holds import hold_close
from registry.models import ProviderKind, ProviderStatusChange, User
from subsidies.models import Award, OperationEvaluation, PayerLevel, PaymentItem, Rate, SubsidyScheme
from subsidies.services import award_approve, award_prepare, award_withdraw, batch_create

pytestmark = pytest.mark.django_db

Action = ProviderStatusChange.Action
BT_AWARD = "BT-DAYCARE-AWARD"
REGION_AWARD = "IM-COMMUNITY-AWARD"


def today() -> datetime.date:
    return timezone.localdate()


LAST_YEAR = today().year - 1


@pytest.fixture
def day_care(make_provider):
    return make_provider(kind=ProviderKind.DAY_CARE_CENTRE, name="昆都仑区阳光社区日间照料中心", beds=0, nursing_beds=0)


@pytest.fixture
def award_approver(make_approver):
    return make_approver("approve_award")


@pytest.fixture
def prepare(clerk):
    """``prepare(provider, amount=…)``: the Kundulun clerk records last year's evaluation and award."""

    def make(provider, *, scheme_code=BT_AWARD, year=LAST_YEAR, amount="30000", score="86.5", user=None, **extra):
        values = {"evaluated_on": today(), "evaluator": "包头市民政局评估组", **extra}
        return award_prepare(
            provider=provider,
            scheme_code=scheme_code,
            year=year,
            score=score,
            amount=amount,
            user=user or clerk,
            **values,
        )

    return make


def with_permission(user, codename):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="subsidies", codename=codename))
    return User.objects.get(pk=user.pk)


def refused_field(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def new_batch(user, payer_level=PayerLevel.LEAGUE_CITY, division_code=KUNDULUN):
    return batch_create(name="年度奖补", division=division(division_code), payer_level=payer_level, prepared_by=user)


# --------------------------------------------------------------------------- the range


@pytest.mark.parametrize("amount", ["10000", "10000.00", "50000", "27500.50"])
def test_an_amount_from_10000_to_50000_is_awarded_as_a_draft(day_care, prepare, amount):
    award = prepare(day_care, amount=amount)

    assert award.status == Award.Status.DRAFT
    assert award.amount == Decimal(amount)
    assert (award.range_min, award.range_max) == (Decimal("10000.00"), Decimal("50000.00"))
    assert award.evaluation.score == Decimal("86.5") and award.evaluation.year == LAST_YEAR


@pytest.mark.parametrize("amount", ["9999.99", "50000.01", "0", "-20000", "100000"])
def test_an_amount_outside_10000_to_50000_is_refused_naming_the_amount(day_care, prepare, amount):
    errors = refused_field(lambda: prepare(day_care, amount=amount))

    assert list(errors) == ["amount"]
    assert "10000.00" in errors["amount"][0] and "50000.00" in errors["amount"][0]
    assert not Award.objects.exists() and not OperationEvaluation.objects.exists()


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "三万", "", None, "30000.005"])
def test_an_amount_that_is_not_yuan_and_fen_is_refused_naming_the_amount(day_care, prepare, amount):
    assert list(refused_field(lambda: prepare(day_care, amount=amount))) == ["amount"]


def test_the_range_in_force_on_the_evaluation_date_applies(day_care, prepare):
    # The bureau raises the range from 1 March this year; an evaluation made before keeps the old one.
    rate = Rate.objects.get(scheme__code=BT_AWARD, key="award")
    rate.effective_to = datetime.date(today().year, 2, 28)
    rate.save()
    Rate.objects.create(
        scheme=rate.scheme,
        key="award",
        amount=Decimal("20000"),
        max_amount=Decimal("80000"),
        effective_from=datetime.date(today().year, 3, 1),
        source="demo change",
    )
    evaluated_before = datetime.date(today().year - 1, 12, 20)

    assert list(refused_field(lambda: prepare(day_care, amount="60000", evaluated_on=evaluated_before))) == ["amount"]
    award = prepare(day_care, amount="15000", evaluated_on=evaluated_before)
    assert (award.range_min, award.range_max) == (Decimal("10000.00"), Decimal("50000.00"))


# --------------------------------------------------------------------------- the evaluation


@pytest.mark.parametrize("score", ["-1", "100.01", "120", "NaN", "good", "88.888"])
def test_a_score_outside_0_to_100_is_refused_naming_the_score(day_care, prepare, score):
    assert list(refused_field(lambda: prepare(day_care, score=score))) == ["score"]


@pytest.mark.parametrize("score", ["0", "100", "59.5"])
def test_scores_0_to_100_are_accepted(day_care, prepare, score):
    assert prepare(day_care, score=score).evaluation.score == Decimal(score)


def test_an_evaluation_dated_in_the_future_is_refused(day_care, prepare):
    errors = refused_field(lambda: prepare(day_care, evaluated_on=today() + datetime.timedelta(days=1)))

    assert list(errors) == ["evaluated_on"]


def test_a_year_not_yet_begun_on_the_evaluation_date_is_refused(day_care, prepare):
    errors = refused_field(lambda: prepare(day_care, year=today().year + 1))

    assert list(errors) == ["year"]


def test_a_year_before_the_policy_is_refused(day_care, prepare):
    # BT-DAYCARE-AWARD is in force from 2019-12-13 (004:3-12).
    assert list(refused_field(lambda: prepare(day_care, year=2018))) == ["year"]


def test_an_evaluation_without_an_evaluator_is_refused(day_care, prepare):
    assert list(refused_field(lambda: prepare(day_care, evaluator="  "))) == ["evaluator"]


def test_an_unknown_or_non_award_scheme_is_refused_naming_the_scheme(day_care, prepare):
    assert list(refused_field(lambda: prepare(day_care, scheme_code="BT-NOPE"))) == ["scheme_code"]
    assert list(refused_field(lambda: prepare(day_care, scheme_code="BT-OPERATING"))) == ["scheme_code"]


# --------------------------------------------------------------------------- who may receive it


@pytest.mark.parametrize("kind", [ProviderKind.HAPPINESS_HOME, ProviderKind.ELDERLY_INSTITUTION, ProviderKind.NURSERY])
def test_only_day_care_centres_and_service_stations_receive_the_baotou_award(make_provider, prepare, kind):
    provider = make_provider(kind=kind, beds=0, nursing_beds=0)

    errors = refused_field(lambda: prepare(provider))

    assert list(errors) == ["provider"]
    assert BT_AWARD in errors["provider"][0]


def test_a_service_station_receives_the_baotou_award(make_provider, prepare):
    station = make_provider(kind=ProviderKind.SERVICE_STATION, beds=0, nursing_beds=0)

    assert prepare(station, amount="10000").amount == Decimal("10000.00")


def test_a_provider_not_yet_filed_or_closed_is_refused(make_provider, prepare, lifecycle):
    draft = make_provider(kind=ProviderKind.DAY_CARE_CENTRE, status="draft")
    closed = make_provider(kind=ProviderKind.DAY_CARE_CENTRE)
    lifecycle(closed, Action.CLOSE)
    closed.refresh_from_db()

    assert list(refused_field(lambda: prepare(draft))) == ["provider"]
    assert list(refused_field(lambda: prepare(closed))) == ["provider"]


def test_a_clerk_cannot_award_a_provider_outside_their_jurisdiction(make_provider, make_staff, prepare):
    from registry.staff import roles

    donghe_clerk = make_staff(roles.DISTRICT_CLERK, "150202")
    day_care = make_provider(kind=ProviderKind.DAY_CARE_CENTRE)  # in Kundulun

    assert list(refused_field(lambda: prepare(day_care, user=donghe_clerk))) == ["provider"]


# --------------------------------------------------------------------------- once a year


def test_a_second_award_for_the_same_year_is_refused_with_a_message(day_care, prepare):
    prepare(day_care, amount="30000")

    errors = refused_field(lambda: prepare(day_care, amount="20000"))

    assert list(errors) == ["year"]
    assert str(LAST_YEAR) in errors["year"][0]
    assert Award.objects.count() == 1
    # Another year is another award.
    assert prepare(day_care, year=LAST_YEAR - 1, amount="20000").evaluation.year == LAST_YEAR - 1


def test_the_database_refuses_a_second_evaluation_of_the_same_year(day_care, prepare):
    award = prepare(day_care)

    with pytest.raises(IntegrityError), transaction.atomic():
        OperationEvaluation.objects.create(
            provider=day_care,
            scheme=award.evaluation.scheme,
            year=LAST_YEAR,
            evaluated_on=today(),
            score=Decimal(90),
            evaluator="x",
        )


# --------------------------------------------------------------------------- maker-checker


def test_the_preparer_cannot_approve_even_with_the_permission(day_care, prepare, clerk):
    award = prepare(day_care)
    clerk_who_may_approve = with_permission(clerk, "approve_award")

    with translation.override("en"), pytest.raises(PermissionDenied, match="someone else"):
        award_approve(award=award, approver=clerk_who_may_approve)
    award.refresh_from_db()
    assert award.status == Award.Status.DRAFT and award.approved_by is None


def test_the_city_reviewer_approves_and_finance_cannot(day_care, prepare, reviewer, finance):
    award = prepare(day_care)

    with pytest.raises(PermissionDenied):
        award_approve(award=award, approver=finance)
    approved = award_approve(award=award, approver=reviewer)  # the role holds approve_award

    assert approved.status == Award.Status.APPROVED
    assert approved.approved_by == reviewer and approved.approved_at is not None
    assert list(refused_field(lambda: award_approve(award=award, approver=reviewer))) == ["status"]


def test_someone_without_the_clerks_role_cannot_prepare(day_care, prepare, finance):
    with pytest.raises(PermissionDenied):
        prepare(day_care, user=finance)


def test_approval_checks_the_provider_again(day_care, prepare, award_approver, lifecycle):
    award = prepare(day_care)
    lifecycle(day_care, Action.CLOSE)

    assert list(refused_field(lambda: award_approve(award=award, approver=award_approver))) == ["provider"]
    award.refresh_from_db()
    assert award.status == Award.Status.DRAFT


def test_a_wrong_draft_is_withdrawn_and_the_year_awarded_again(day_care, prepare, clerk, outsider, award_approver):
    wrong = prepare(day_care, amount="50000")

    with pytest.raises(PermissionDenied):
        award_withdraw(award=wrong, user=outsider)  # a clerk of another district
    award_withdraw(award=wrong, user=clerk)

    assert not Award.objects.exists() and not OperationEvaluation.objects.exists()
    again = award_approve(award=prepare(day_care, amount="25000"), approver=award_approver)
    assert list(refused_field(lambda: award_withdraw(award=again, user=clerk))) == ["status"]
    assert Award.objects.get().amount == Decimal("25000.00")


# --------------------------------------------------------------------------- paid through batches


def test_an_approved_award_is_paid_once_and_never_twice(day_care, prepare, award_approver, finance, batch_through):
    award = award_approve(award=prepare(day_care, amount="32000"), approver=award_approver)

    first = new_batch(finance)
    items = list(first.items.all())
    assert [(i.award_id, i.provider_id, i.amount, i.period) for i in items] == [
        (award.pk, day_care.pk, Decimal("32000.00"), datetime.date(LAST_YEAR, 1, 1))
    ]
    assert new_batch(finance, division_code=BAOTOU).items.count() == 0  # pending in the first batch
    # Even forced, the database refuses a second pending item for the award.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentItem.objects.create(
            batch=first, provider=day_care, scheme=award.evaluation.scheme, award=award, amount=award.amount, payee="x"
        )


def test_an_award_of_a_provider_on_hold_waits_for_the_hold_to_end(day_care, prepare, award_approver, finance):
    # DOMAIN §7: while a hold is open no line of that provider, of any scheme, enters a batch.
    award = award_approve(award=prepare(day_care, amount="32000"), approver=award_approver)
    ProviderHoldFactory(provider=day_care, source="finding:1")

    assert new_batch(finance).items.count() == 0

    hold_close(provider=day_care, source="finding:1")
    assert [item.award_id for item in new_batch(finance).items.all()] == [award.pk]


def test_a_paid_award_is_not_collected_again(day_care, prepare, award_approver, batch_through):
    award = award_approve(award=prepare(day_care, amount="32000"), approver=award_approver)

    paid = batch_through("closed")

    assert [item.award_id for item in paid.items.all()] == [award.pk]
    assert paid.items.get().state == PaymentItem.State.PAID
    assert batch_through("draft", name="again").items.count() == 0


def test_a_failed_payment_frees_the_award_for_a_later_batch(day_care, prepare, award_approver, finance):
    award = award_approve(award=prepare(day_care), approver=award_approver)
    first = new_batch(finance)
    first.items.update(state=PaymentItem.State.FAILED)

    assert [item.award_id for item in new_batch(finance).items.all()] == [award.pk]


def test_a_draft_award_is_never_in_a_batch(day_care, prepare, finance):
    prepare(day_care)

    assert new_batch(finance).items.count() == 0


def test_an_award_is_paid_by_its_schemes_payer_level_only(day_care, prepare, award_approver, finance):
    award_approve(award=prepare(day_care), approver=award_approver)

    assert new_batch(finance, payer_level=PayerLevel.REGION).items.count() == 0
    assert new_batch(finance, payer_level=PayerLevel.LEAGUE_CITY).items.count() == 1


# --------------------------------------------------------------------------- the region's awards


def test_the_region_award_waits_for_the_bureau_to_enter_a_range(day_care, prepare):
    # 000:1034-1040 gives no figure: no range ships, and an award is refused until one is entered.
    errors = refused_field(lambda: prepare(day_care, scheme_code=REGION_AWARD))

    assert list(errors) == ["amount"]
    assert REGION_AWARD in errors["amount"][0]


def test_the_region_award_is_set_within_the_range_the_bureau_entered(
    day_care, make_provider, prepare, award_approver, finance
):
    scheme = SubsidyScheme.objects.get(code=REGION_AWARD)
    Rate.objects.create(
        scheme=scheme,
        key="award",
        amount=Decimal("20000"),
        max_amount=Decimal("100000"),
        effective_from=scheme.effective_from,
        source="自治区民政厅年度奖补方案 (bureau entry)",
    )

    assert list(refused_field(lambda: prepare(day_care, scheme_code=REGION_AWARD, amount="150000"))) == ["amount"]
    award = prepare(day_care, scheme_code=REGION_AWARD, amount="80000")
    happiness = make_provider(kind=ProviderKind.HAPPINESS_HOME)
    assert list(refused_field(lambda: prepare(happiness, scheme_code=REGION_AWARD, amount="80000"))) == ["provider"]
    # The Baotou award of the same centre for the same year is a different scheme: both stand.
    prepare(day_care, amount="30000")
    award_approve(award=award, approver=award_approver)

    items = new_batch(finance, payer_level=PayerLevel.REGION).items.all()
    assert [(i.award_id, i.amount) for i in items] == [(award.pk, Decimal("80000.00"))]


# --------------------------------------------------------------------------- the back-office


def add_form(day_care, **values):
    return {
        "provider": day_care.pk,
        "scheme": SubsidyScheme.objects.get(code=BT_AWARD).pk,
        "year": LAST_YEAR,
        "evaluated_on": today().isoformat(),
        "score": "91",
        "evaluator": "包头市民政局评估组",
        "evaluator_organisation": "包头市民政局",
        "notes": "",
        "amount": "40000",
        **values,
    }


def test_the_clerk_adds_an_award_and_the_reviewer_approves_it_in_the_admin(day_care, clerk, reviewer, client_for):
    as_clerk, as_reviewer = client_for(clerk), client_for(reviewer)
    add_url = reverse("admin:subsidies_award_add")

    refused = as_clerk.post(add_url, add_form(day_care, amount="60000"))
    assert refused.status_code == 200 and "amount" in refused.context["adminform"].form.errors
    assert not Award.objects.exists()
    assert as_clerk.post(add_url, add_form(day_care)).status_code == 302
    award = Award.objects.get()
    assert (award.amount, award.prepared_by, award.evaluation.evaluator_organisation) == (
        Decimal("40000.00"),
        clerk,
        "包头市民政局",
    )
    again = as_clerk.post(add_url, add_form(day_care, amount="20000"))
    assert "year" in again.context["adminform"].form.errors

    changelist = reverse("admin:subsidies_award_changelist")
    clerk_actions = as_clerk.get(changelist).context["action_form"]
    assert clerk_actions is None or "approve_awards" not in dict(clerk_actions.fields["action"].choices)
    page = as_reviewer.get(changelist, {"status__exact": "draft", "evaluation__year": LAST_YEAR})
    assert list(page.context["cl"].result_list) == [award]
    assert as_reviewer.get(reverse("admin:subsidies_award_change", args=[award.pk])).status_code == 200
    # The review flow (tests/subsidies/test_review_flow.py): submitted, then approved, each confirmed.
    as_clerk.post(changelist, {"action": "submit_awards", "_selected_action": [award.pk], "confirm": "yes"})
    as_reviewer.post(changelist, {"action": "approve_awards", "_selected_action": [award.pk], "confirm": "yes"})
    award.refresh_from_db()
    assert (award.status, award.approved_by) == (Award.Status.APPROVED, reviewer)


def test_the_award_list_is_filtered_by_division(day_care, prepare, make_provider, reviewer, client_for):
    prepare(day_care)
    changelist = reverse("admin:subsidies_award_changelist")

    in_kundulun = client_for(reviewer).get(changelist, {"in_division": KUNDULUN})
    in_donghe = client_for(reviewer).get(changelist, {"in_division": "150202"})

    assert len(in_kundulun.context["cl"].result_list) == 1
    assert len(in_donghe.context["cl"].result_list) == 0
