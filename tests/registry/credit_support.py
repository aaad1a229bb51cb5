"""Sample grade and credit records for the admin page tests (issue 19), kept here so
``test_admin_pages`` stays short (import as ``credit_support``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from registry.disclosure import disclosure_save, objection_record
from registry.grades import grade_record
from registry.models import CreditDisclosure


def credit_samples(provider, clerk) -> list:
    """A grade record, a penalty published (双公示) and an objection to it (issue 19)."""
    grade = grade_record(
        provider=provider,
        grade=3,
        assessor="包头市民政局",
        assessed_on=datetime.date(2025, 6, 1),
        valid_from=datetime.date(2025, 7, 1),
        actor=clerk,
    )
    penalty = disclosure_save(
        disclosure=CreditDisclosure(
            provider=provider,
            kind=CreditDisclosure.Kind.PENALTY,
            decision_number="包昆消行罚决字〔2026〕第0001号",
            decided_on=datetime.date(2026, 3, 1),
            authority="包头市昆都仑区消防救援大队",
            content="消防设施未保持完好有效，罚款人民币伍仟元。",
            legal_basis="《中华人民共和国消防法》第六十条",
            penalty_type=CreditDisclosure.PenaltyType.FINE,
            fine_yuan=Decimal("5000.00"),
        ),
        actor=clerk,
    )
    objection = objection_record(
        entry=penalty, received_on=datetime.date(2026, 3, 20), raised_by="机构负责人", grounds="金额有误", actor=clerk
    )
    return [grade, penalty, objection]
