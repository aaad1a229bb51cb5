"""Operating awards "以奖代补" (DOMAIN §7).

- Baotou (004:80): "各地区根据社区日间照料中心、养老服务站的运营情况，采取以奖代补的形式每年
  给予 1—5 万元的运营补贴": day-care centres and service stations, 10,000-50,000 yuan a
  year, by how they ran (scheme BT-DAYCARE-AWARD).
- Region (000:1034-1040): community home-care facilities run by grassroots organisations
  and social forces are funded "按照‘以奖代补’的办法" (scheme IM-COMMUNITY-AWARD). The text
  gives no figure: the range is whatever the bureau enters in the scheme's rate table.

An award is set from an operation evaluation (year, date, score 0-100, evaluator): the
clerk enters the evaluation and an amount inside the scheme's range in force on the
evaluation date (its "award" rate: ``amount`` is the minimum, ``max_amount`` the maximum);
someone else approves it (maker_checker.py); a payment batch then pays it once
(payments.py, constraint ``pay_award_once``). One award per provider, scheme and year.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Provider, ProviderStatus, User
from registry.scoping import user_can_see_provider
from safeguards.audit import audit_record

from .maker_checker import add_preparer, refuse_preparer
from .models import Award, OperationEvaluation, Rate, SchemeKind, SubsidyScheme
from .money import FEN, finite_number
from .rates import RateNotFound, rate_for, scheme_by_code, who_may_receive

AWARD_RATE_KEY = "award"  # the rate row holding a scheme's award range
CLOSED = (ProviderStatus.CLOSED, ProviderStatus.REVOKED)
SCORE_MAX = Decimal(100)


def award_scheme(scheme_code: str) -> SubsidyScheme:
    """The award scheme called ``scheme_code``; any other scheme is refused, naming the field."""
    scheme = scheme_by_code(scheme_code)
    if scheme.kind != SchemeKind.AWARD:
        raise ValidationError({"scheme_code": _("%(code)s is not an operating award scheme.") % {"code": scheme.code}})
    return scheme


def award_range(scheme: SubsidyScheme, on: datetime.date) -> Rate:
    """The scheme's award range in force on ``on`` (the evaluation date): the rate row
    ``award``, from ``amount`` to ``max_amount`` (no maximum: exactly ``amount``)."""
    try:
        return rate_for(scheme, AWARD_RATE_KEY, on)
    except RateNotFound:
        raise ValidationError(
            {
                "amount": _(
                    "%(code)s has no award range in force on %(date)s: the bureau enters it in the scheme's rates."
                )
                % {"code": scheme.code, "date": on.isoformat()}
            }
        ) from None


def range_bounds(rate: Rate) -> tuple[Decimal, Decimal]:
    return rate.amount, rate.max_amount if rate.max_amount is not None else rate.amount


def award_refusals(scheme: SubsidyScheme, provider: Provider, rate: Rate | None = None) -> list[str]:
    """Why ``provider`` may not receive an award of ``scheme`` (empty: it may): the scheme's
    rule as data (``who_may_receive``: day-care centres and service stations for Baotou,
    community home-care facilities for the region), and closed providers never receive
    new money. Checked when the award is prepared and again when it is approved."""
    refusals = who_may_receive(scheme, provider, rate=rate)
    if provider.status in CLOSED:
        refusals.append(
            _("%(provider)s is %(status)s: it receives no new money.")
            % {"provider": provider, "status": provider.get_status_display()}
        )
    return refusals


def check_evaluation(
    *, scheme: SubsidyScheme, year: object, evaluated_on: object, score: object, evaluator: str, today: datetime.date
) -> tuple[int, datetime.date, Decimal]:
    """The evaluation's year, date and score, checked: the year is a whole year of the
    scheme, not after the evaluation date's; the evaluation date is not in the future; the
    score lies within 0-100; an evaluator is named. Raises a ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    if not isinstance(evaluated_on, datetime.date) or isinstance(evaluated_on, datetime.datetime):
        errors["evaluated_on"] = _("Enter the date of the evaluation.")
    elif evaluated_on > today:
        errors["evaluated_on"] = _("The evaluation date %(date)s is in the future.") % {
            "date": evaluated_on.isoformat()
        }
    if isinstance(year, bool) or not isinstance(year, int):
        errors["year"] = _("The year evaluated must be a whole year, e.g. 2025.")
    elif year < scheme.effective_from.year or (scheme.effective_to is not None and year > scheme.effective_to.year):
        errors["year"] = _("%(code)s was not in force in %(year)d.") % {"code": scheme.code, "year": year}
    elif isinstance(evaluated_on, datetime.date) and year > evaluated_on.year:
        errors["year"] = _("A year is evaluated once it has begun: %(year)d is after the evaluation date.") % {
            "year": year
        }
    number = Decimal(0)
    try:
        number = finite_number(score, "score", _("Score"))
        if not Decimal(0) <= number <= SCORE_MAX:
            errors["score"] = _("The score must lie between 0 and 100.")
        elif number != number.quantize(FEN):
            errors["score"] = _("The score has at most two decimal places.")
    except ValidationError as error:
        errors.update({name: " ".join(messages) for name, messages in error.message_dict.items()})
    if not (evaluator or "").strip():
        errors["evaluator"] = _("Name the evaluator.")
    if errors:
        raise ValidationError(errors)
    return cast(int, year), cast(datetime.date, evaluated_on), number


def check_amount_in_range(amount: object, rate: Rate) -> Decimal:
    """``amount`` as yuan and fen, inside the range of ``rate``; otherwise a ValidationError naming it."""
    value = finite_number(amount, "amount", _("Amount"))
    low, high = range_bounds(rate)
    if value != value.quantize(FEN):
        raise ValidationError({"amount": _("The amount is in yuan and fen: at most two decimal places.")})
    if not low <= value <= high or value <= 0:
        raise ValidationError(
            {
                "amount": _("The award of %(code)s must lie between %(low)s and %(high)s yuan (%(source)s).")
                % {"code": rate.scheme.code, "low": low, "high": high, "source": rate.source or rate.scheme.source}
            }
        )
    return value


def _duplicate(provider: Provider, scheme: SubsidyScheme, year: int) -> ValidationError:
    return ValidationError(
        {
            "year": _("%(provider)s already has an award of %(code)s for %(year)d.")
            % {"provider": provider, "code": scheme.code, "year": year}
        }
    )


def award_check(
    *,
    provider: Provider,
    scheme_code: str,
    year: object,
    evaluated_on: object,
    score: object,
    evaluator: str,
    amount: object,
    user: User | None = None,
) -> dict[str, Any]:
    """Every rule of an award, without saving: the cleaned values, or a ValidationError
    naming each field refused (what the admin's form shows before it calls ``award_prepare``)."""
    scheme = award_scheme(scheme_code)
    year, evaluated_on, score = check_evaluation(
        scheme=scheme,
        year=year,
        evaluated_on=evaluated_on,
        score=score,
        evaluator=evaluator,
        today=timezone.localdate(),
    )
    rate = award_range(scheme, evaluated_on)
    errors: dict[str, Any] = {}
    refusals = award_refusals(scheme, provider, rate)
    if user is not None and not user_can_see_provider(user, provider):
        refusals.append(_("%(provider)s is outside your jurisdiction.") % {"provider": provider})
    if refusals:
        errors["provider"] = refusals
    try:
        amount = check_amount_in_range(amount, rate)
    except ValidationError as error:
        errors.update(error.message_dict)
    if OperationEvaluation.objects.filter(provider=provider, scheme=scheme, year=year).exists():
        errors.update(_duplicate(provider, scheme, year).message_dict)
    if errors:
        raise ValidationError(errors)
    return {
        "scheme": scheme,
        "year": year,
        "evaluated_on": evaluated_on,
        "score": score,
        "amount": amount,
        "rate": rate,
    }


def award_prepare(
    *,
    provider: Provider,
    scheme_code: str,
    year: int,
    evaluated_on: datetime.date,
    score: Decimal,
    evaluator: str,
    amount: Decimal,
    user: User,
    evaluator_organisation: str = "",
    notes: str = "",
) -> Award:
    """Record the operation evaluation of ``provider`` for ``year`` and a draft award of
    ``amount`` from it; ``user`` is its first preparer, so may not approve it."""
    if not user.has_perm("subsidies.add_award"):
        raise PermissionDenied(_("You do not have permission to prepare operating awards."))
    checked = award_check(
        provider=provider,
        scheme_code=scheme_code,
        year=year,
        evaluated_on=evaluated_on,
        score=score,
        evaluator=evaluator,
        amount=amount,
        user=user,
    )
    scheme, rate = checked["scheme"], checked["rate"]
    low, high = range_bounds(rate)
    try:
        with transaction.atomic():
            evaluation = OperationEvaluation.objects.create(
                provider=provider,
                scheme=scheme,
                year=checked["year"],
                evaluated_on=checked["evaluated_on"],
                score=checked["score"],
                evaluator=evaluator.strip(),
                evaluator_organisation=evaluator_organisation.strip(),
                notes=notes,
            )
            award = Award.objects.create(
                evaluation=evaluation,
                amount=checked["amount"],
                range_min=low,
                range_max=high,
                range_source=rate.source or scheme.source,
                prepared_by=user,
            )
            add_preparer(award, user)
            audit_record(
                "award.prepare",
                actor=user,
                obj=award,
                after={
                    "provider": provider.pk,
                    "scheme": scheme.code,
                    "year": evaluation.year,
                    "score": str(evaluation.score),
                    "amount": str(award.amount),
                    "range": [str(low), str(high)],
                },
            )
    except IntegrityError:
        # Two clerks preparing the same year's award at once: the constraint refuses the second.
        if OperationEvaluation.objects.filter(provider=provider, scheme=scheme, year=checked["year"]).exists():
            raise _duplicate(provider, scheme, checked["year"]) from None
        raise
    return award


@transaction.atomic
def award_approve(*, award: Award, approver: User) -> Award:
    """Approve a draft award (by none of its preparers): it is then paid by the next
    payment batch of its scheme's payer level. The provider's eligibility is checked again."""
    locked = Award.objects.select_for_update().get(pk=award.pk)
    evaluation = OperationEvaluation.objects.select_related("provider__division", "scheme__jurisdiction").get(
        pk=locked.evaluation_id
    )
    refuse_preparer(locked, approver)
    if not approver.has_perm("subsidies.approve_award"):
        raise PermissionDenied(_("You do not have permission to approve operating awards."))
    if locked.status != Award.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft award can be approved.")})
    refusals = award_refusals(evaluation.scheme, evaluation.provider)
    if refusals:
        raise ValidationError({"provider": refusals})
    locked.status = Award.Status.APPROVED
    locked.approved_by = approver
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        "award.approve",
        actor=approver,
        obj=locked,
        before={"status": Award.Status.DRAFT},
        after={"status": Award.Status.APPROVED, "amount": str(locked.amount)},
    )
    return locked


@transaction.atomic
def award_withdraw(*, award: Award, user: User) -> None:
    """Withdraw a draft award and its evaluation (entered wrongly, or the evaluation is to be
    done again), so that the year can be awarded afresh. An approved award is never
    withdrawn. The history tables keep both rows; audited ``award.withdraw``."""
    locked = Award.objects.select_for_update().get(pk=award.pk)
    evaluation = OperationEvaluation.objects.select_related("provider__division", "scheme").get(pk=locked.evaluation_id)
    if not user.has_perm("subsidies.add_award") or not user_can_see_provider(user, evaluation.provider):
        raise PermissionDenied(_("You do not have permission to withdraw this award."))
    if locked.status != Award.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft award can be withdrawn.")})
    audit_record(
        "award.withdraw",
        actor=user,
        obj=locked,
        before={
            "provider": evaluation.provider_id,
            "scheme": evaluation.scheme.code,
            "year": evaluation.year,
            "score": str(evaluation.score),
            "amount": str(locked.amount),
        },
    )
    locked.preparers.clear()
    locked.delete()
    evaluation.delete()
