"""A changelist paginator for tables of hundreds of thousands of rows."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``), so a
    region-wide list of residents does not count half a million rows on every page.

    Past the cap the list says "more than 10,000" (``capped``) and pages as far as the
    cap; a search or a filter narrows the list to what a clerk can page through.
    """

    object_list: QuerySet[Any]  # the changelists it pages are querysets
    capped = False

    @cached_property
    def count(self) -> int:
        # Without the ordering: PostgreSQL stops after cap + 1 rows instead of sorting all.
        counted = self.object_list.order_by()[: COUNT_CAP + 1].count()
        self.capped = counted > COUNT_CAP
        return min(counted, COUNT_CAP)
