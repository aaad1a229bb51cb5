"""The yearly instalment review reads its facts in a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import ProviderHoldFactory

from subsidies.instalments import instalments_review

pytestmark = pytest.mark.django_db


def review_queries(year: int) -> int:
    instalments_review(year=year)  # decide everything once …
    with CaptureQueriesContext(connection) as queries:
        instalments_review(year=year)  # … then count a review that changes nothing
    return len(queries)


def test_review_queries_do_not_grow_with_the_number_of_grants(make_provider, approved_grant):
    def grants(count: int) -> None:
        for index in range(count):
            provider = make_provider()
            approved_grant(provider)
            if index % 2:
                ProviderHoldFactory(provider=provider)  # some withheld, some released

    grants(2)
    with_two = review_queries(2100)
    grants(8)
    with_ten = review_queries(2100)

    assert with_two == with_ten
