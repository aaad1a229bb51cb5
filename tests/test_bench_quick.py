"""The benchmark's quick mode (issue 8): numbers of queries on small scale data, never times.

The same measurements as ``make bench`` (``tests/perf/benchmarks.py``), with N and then 2N
providers: a page, a run or a planning whose number of queries grows with the number of
providers fails here, long before it is slow in production. Counts that grow today are
marked ``xfail(strict=True)`` with the reason, so that fixing them turns these tests red
until the mark is removed.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from perf import benchmarks as b

from demo.scale import generate

PROVIDERS = 150  # then twice as many
RESIDENTS = 1_500
MONTHS = 3
IMPORT_ROWS = (1_000, 2_000)
DIRECTORY_MAX_QUERIES = 6

pytestmark = pytest.mark.django_db


def _counts(anchor: Any) -> dict[str, Any]:
    b.take_indicator_snapshots(recompute=True)  # what the dashboard reads
    on = b.reminder_day(anchor)
    period = b.operating_period(anchor)
    return {
        "directory": {(s.case, s.size): s.queries for s in b.directory_samples(repeats=1)},
        "admin": {s.case: s.queries for s in b.admin_samples(repeats=1)},
        "workbench": {s.case: s.queries for s in b.workbench_samples(repeats=1)},
        "planning": b.measure_planning(on).queries,
        "reminders": b.measure_reminders(on).queries,
        "digests": _digest_queries_beyond_one_per_digest(),
        "grant": {code: b.measure_grant_run(code, period).queries for code in ("BT-OPERATING", "IM-OPERATING")},
    }


def _import_queries(rows: int) -> int:
    marks = b.imported_marks()
    result = b.import_ours(b.build_roster_xlsx(rows, seed=rows))
    b.remove_imported(marks)
    return result.queries


def _digest_queries_beyond_one_per_digest() -> int:
    """Sending digests marks each one sent as soon as the mail server takes it (claim, send,
    mark: a crash loses or repeats at most that one digest), so a run costs one UPDATE per
    digest plus a fixed number of queries."""
    digests = b.measure_digests()
    assert digests.result > 0  # else the measure says nothing
    return digests.queries - digests.result


@pytest.fixture(scope="module")
def counts(django_db_setup: None, django_db_blocker: Any) -> dict[str, Any]:
    """Everything measured once for the module, in a transaction rolled back afterwards."""
    rolled_back = transaction.atomic()
    # Like a TestCase's own transaction, this one lets the services' durable blocks (the
    # reminder claim commits before any mail is sent) run inside it.
    rolled_back._from_testcase = True  # type: ignore[attr-defined]  # Django's TestCase marker
    with django_db_blocker.unblock(), rolled_back:
        call_command("load_reference_data", stdout=io.StringIO())
        first = generate(providers=PROVIDERS, residents=RESIDENTS, months=MONTHS, force=True)
        at_n = _counts(first.anchor)
        generate(providers=PROVIDERS, residents=RESIDENTS, months=MONTHS, force=True, seed=9)
        at_2n = _counts(first.anchor)
        imports = {rows: _import_queries(rows) for rows in IMPORT_ROWS}
        transaction.set_rollback(True)
    return {"n": at_n, "2n": at_2n, "imports": imports}


def test_directory_list_needs_at_most_six_queries_whatever_the_filters_and_page_size(counts):
    for size in ("n", "2n"):
        too_many = {case: n for case, n in counts[size]["directory"].items() if n > DIRECTORY_MAX_QUERIES}
        assert not too_many


def test_directory_list_queries_do_not_grow_with_providers(counts):
    assert counts["2n"]["directory"] == counts["n"]["directory"]


def test_admin_changelists_queries_do_not_grow_with_providers(counts):
    assert counts["2n"]["admin"] == counts["n"]["admin"]


def test_workbench_queries_do_not_grow_with_providers(counts):
    assert counts["2n"]["workbench"] == counts["n"]["workbench"]


def test_planning_queries_do_not_grow_with_providers(counts):
    assert counts["2n"]["planning"] == counts["n"]["planning"]


def test_reminder_creation_queries_do_not_grow_with_providers(counts):
    assert counts["2n"]["reminders"] == counts["n"]["reminders"]


def test_reminder_digest_queries_grow_only_by_one_per_digest(counts):
    assert counts["2n"]["digests"] == counts["n"]["digests"]


def test_grant_run_queries_do_not_grow_with_providers(counts):
    assert counts["2n"]["grant"] == counts["n"]["grant"]


def test_roster_import_queries_do_not_grow_with_rows(counts):
    small, large = (counts["imports"][rows] for rows in IMPORT_ROWS)
    # Rows are checked and written in chunks of 2,000: a query for the chunk's existing records and one
    # drawing its ids (its two COPY statements bypass Django's cursor): two more per 1,000 rows at most.
    assert large - small <= 2 * (IMPORT_ROWS[1] - IMPORT_ROWS[0]) // 1_000
