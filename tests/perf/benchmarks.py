"""Measurements of the region-scale benchmark (issue 8), shared by ``tests/perf/bench.py``
(``make bench``) and the query-count regression test ``tests/test_bench_quick.py``.

Every function measures one thing on whatever database Django is connected to, and
returns plain values (seconds, numbers of queries, rows); nothing here asserts. Times
come from ``time.perf_counter``; numbers of queries from Django's cursor wrapper, so
``COPY`` through the raw psycopg cursor is not counted (the limits say so).
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
import io
import json
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, reset_queries, transaction
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from demo.kinds import RESIDENTIAL_KINDS
from demo.scale import STAFF_PREFIX
from demo.scale_people import IdNumbers
from registry.bulk import copy_rows
from registry.models import CareLevel, Provider, ProviderStatus, Resident, ResidentCategory, User
from registry.rosters.cells import chinese_label
from registry.rosters.engine import import_roster, validate_roster
from registry.rosters.formats import stream_table
from registry.rosters.kinds import RESIDENTS
from safeguards.crypto import encrypt_text, id_number_hash
from safeguards.identifiers import mask_id_number

BENCH_URLCONF = "perf.bench_urls"


# ------------------------------------------------------------------ measuring


class QueryCounter:
    """Counts the statements Django sends (``with QueryCounter() as q: …; q.count``)."""

    def __init__(self) -> None:
        self.count = 0
        self._stack = contextlib.ExitStack()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        connection.ensure_connection()
        self._stack.enter_context(connection.execute_wrapper(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


@dataclass
class Timed:
    seconds: float
    queries: int
    result: Any = None


def timed(fn: Callable[[], Any]) -> Timed:
    with QueryCounter() as counter:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return Timed(seconds, counter.count, result)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _status_mb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> float:
    """Resident set size of this process now (Linux), in MB."""
    return _status_mb("VmRSS")


def reset_peak_rss() -> None:
    """Forget the peak RSS so far (Linux ≥ 4.0: ``clear_refs`` 5 resets ``VmHWM``), so that
    the peak measured next is the case's own, not Django's start-up."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")


def peak_rss_mb() -> float:
    """The peak resident set size since the last ``reset_peak_rss`` (``VmHWM``), in MB."""
    return _status_mb("VmHWM")


# ----------------------------------------------------------- public directory

# Ten filter combinations of the public list (values that exist in the scale data).
DIRECTORY_CASES: list[tuple[str, dict[str, str]]] = [
    ("no filter", {}),
    ("kind", {"kind": "elderly_institution"}),
    ("league (Baotou)", {"league": "150200"}),
    ("county (Kundulun), page 2", {"county": "150203", "page": "2"}),
    ("minimum grade 3", {"min_grade": "3"}),
    ("nursing beds + vacancies", {"nursing": "on", "vacancies": "on"}),
    ("medical unit + non-profit", {"medical": "on", "legal_form": "non_profit"}),
    ("monthly fee 1000-5000", {"fee_min": "1000", "fee_max": "5000"}),
    ("keyword", {"q": "阳光"}),
    ("private, by vacancies desc, page 3", {"operation_mode": "private", "sort": "-vacancies", "page": "3"}),
]
DIRECTORY_PAGE_SIZES = (20, 100)
USCC_LINK = re.compile(r"/providers/([0-9A-Z]{18})/")


@dataclass
class Sample:
    case: str
    size: int
    seconds: float
    queries: int
    rows: list[str] = field(default_factory=list)
    slowest_sql: tuple[float, str] = (0.0, "")


def _get(client: Client, url: str, params: dict[str, str]) -> tuple[Any, CaptureQueriesContext, float]:
    # Django keeps the last 9,000 queries only: once that log is full, a capture counts 0.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, params)
        seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise AssertionError(f"{url} {params}: HTTP {response.status_code}")
    return response, captured, seconds


def _slowest(captured: CaptureQueriesContext) -> tuple[float, str]:
    if not captured.captured_queries:
        return 0.0, ""
    query = max(captured.captured_queries, key=lambda q: float(q["time"]))
    return float(query["time"]), query["sql"]


def directory_samples(*, repeats: int = 1, bare: bool = False, warm_up: bool = True) -> list[Sample]:
    """Every filter combination at every page size, ``repeats`` times, through the test
    client: the real list page, or (``bare``) the bench's bare view of the same rows. The
    public cache is off: these figures are what the database costs a page (the load test
    measures the site with and without the cache)."""
    client = Client()
    samples = []
    with override_settings(ROOT_URLCONF=BENCH_URLCONF, PUBLIC_CACHE_SECONDS=0), translation.override("zh-hans"):
        url = "/bench/bare-providers/" if bare else "/providers/"
        for case, params in DIRECTORY_CASES:
            for size in DIRECTORY_PAGE_SIZES:
                query = {**params, "size": str(size)}
                if warm_up:
                    _get(client, url, query)
                for _repeat in range(repeats):
                    response, captured, seconds = _get(client, url, query)
                    if bare:
                        rows = [row[0] for row in json.loads(response.content)["rows"]]
                    else:
                        rows = list(dict.fromkeys(USCC_LINK.findall(response.content.decode())))
                    samples.append(Sample(case, size, seconds, len(captured), rows, _slowest(captured)))
    return samples


# ------------------------------------------------------------ admin changelists

ADMIN_LISTS = {"providers": "/admin/registry/provider/", "residents": "/admin/registry/resident/"}
ADMIN_USERS = {
    "district clerk (Kundulun 150203)": f"{STAFF_PREFIX}clerk_150203",
    "city reviewer (Baotou 150200)": f"{STAFF_PREFIX}reviewer_150200",
    "region reviewer (150000)": f"{STAFF_PREFIX}reviewer_150000",
}


def admin_samples(*, repeats: int = 1, users: dict[str, str] | None = None) -> list[Sample]:
    """The provider and resident changelists, logged in as each user."""
    samples = []
    for label, username in (users or ADMIN_USERS).items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name, url in ADMIN_LISTS.items():
            _get(client, url, {})  # warm up (session, caches)
            for _repeat in range(repeats):
                _response, captured, seconds = _get(client, url, {})
                samples.append(Sample(f"{name} · {label}", 0, seconds, len(captured), [], _slowest(captured)))
    return samples


# The first screen after login (issue 16), for a user of each role that has one at scale.
WORKBENCH_PAGES = {"workbench": "/admin/", "indicator dashboard": "/admin/dashboard/"}
INDICATOR_MONTHS = 24  # the dashboard's trend
WORKBENCH_USERS = {
    "district clerk (Kundulun 150203)": f"{STAFF_PREFIX}clerk_150203",
    "inspector (Kundulun 150203)": f"{STAFF_PREFIX}inspector_150203",
    "city reviewer (Baotou 150200)": f"{STAFF_PREFIX}reviewer_150200",
    "finance (Baotou 150200)": f"{STAFF_PREFIX}finance_150200",
    "region reviewer (150000)": f"{STAFF_PREFIX}reviewer_150000",
    "security admin (150000)": f"{STAFF_PREFIX}security_150000",
}
WORKBENCH_REQUESTS = 50  # per page and user: a p95 from at least 50 requests


def workbench_samples(*, repeats: int = WORKBENCH_REQUESTS) -> list[Sample]:
    """The workbench (and the pages registered beside it), logged in as each user."""
    samples = []
    for label, username in WORKBENCH_USERS.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name, url in WORKBENCH_PAGES.items():
            _get(client, url, {})  # warm up (session, caches)
            for _repeat in range(repeats):
                response, captured, seconds = _get(client, url, {})
                assert response.status_code == 200, (url, username, response.status_code)
                samples.append(Sample(f"{name} · {label}", 0, seconds, len(captured), [], _slowest(captured)))
    return samples


def take_indicator_snapshots(*, recompute: bool = False) -> Timed:
    """The indicators' snapshots of the last 24 closed months (the dashboard reads them)."""
    from indicators.snapshots import last_closed_month, take_months

    return timed(lambda: take_months(last=last_closed_month(), months=INDICATOR_MONTHS, recompute=recompute))


# ------------------------------------------------------------ planning, reminders


def reminder_day(anchor: datetime.date) -> datetime.date:
    """The 20th of the first June or December from ``anchor`` on: monthly, quarterly and
    half-yearly tasks are all due ten days later, so every regime has reminders."""
    day = anchor.replace(day=20)
    while day.month not in {6, 12} or day < anchor:
        day = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=20)
    return day


def measure_planning(on: datetime.date) -> Timed:
    from inspections.models import InspectionTask
    from inspections.planning import plan_inspections

    InspectionTask.objects.all().delete()  # a first planning of the period, every time
    return timed(lambda: plan_inspections(on=on))


def measure_reminders(on: datetime.date) -> Timed:
    from inspections.models import Notification
    from inspections.reminders import create_reminders

    Notification.objects.all().delete()
    return timed(lambda: create_reminders(on=on))


def measure_digests() -> Timed:
    from inspections.reminders import send_digests

    return timed(send_digests)


# ------------------------------------------------------------------ grant run


def operating_period(anchor: datetime.date) -> datetime.date:
    """The last whole month of the scale data (the month before the anchor)."""
    return (anchor.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def measure_grant_run(scheme_code: str, period: datetime.date, *, fresh: bool = True) -> Timed:
    """``run_refresh`` of a monthly operating scheme for the whole scheme jurisdiction."""
    from subsidies.models import GrantLine, GrantRun
    from subsidies.runs import run_refresh

    if fresh:
        runs = GrantRun.objects.filter(scheme__code=scheme_code, period=period)
        GrantLine.objects.filter(run__in=runs).delete()
        runs.delete()
    return timed(lambda: run_refresh(scheme_code=scheme_code, period=period))


GRANT_SQL = """
WITH scheme_prov AS (
    -- The scheme's providers region-wide (``eligible_providers_q``): where a person who
    -- moved between two of them may be counted.
    SELECT p.id, p.beds, p.grade, p.filed_on, p.status, p.status_changed_on
    FROM registry_provider p JOIN registry_division d ON d.id = p.division_id
    WHERE d.path LIKE %(path)s AND ({kinds}) AND ({eligibility})
),
prov AS (
    -- The grade in force on the month's last day, from the grade records (issue 19).
    SELECT p.id, p.beds,
           COALESCE((SELECT g.grade FROM registry_providergrade g
                     WHERE g.provider_id = p.id AND g.valid_from <= %(last)s
                       AND (g.valid_until IS NULL OR g.valid_until >= %(last)s)
                     LIMIT 1), 0) AS grade
    FROM scheme_prov p
    WHERE p.filed_on IS NOT NULL AND p.filed_on <= %(last)s
      AND NOT (p.status IN ('closed', 'revoked') AND p.status_changed_on < %(first)s)
      AND NOT EXISTS (
          SELECT 1 FROM subsidies_grantline g
          WHERE g.provider_id = p.id AND g.scheme_id = %(scheme)s AND g.period = %(first)s
            AND g.kind = 'regular' AND g.run_id <> %(run)s)
),
stays AS MATERIALIZED (
    SELECT r.provider_id, r.id_number_hash AS person, r.admitted_on, r.discharged_on
    FROM registry_resident r
    WHERE r.admitted_on <= %(last)s AND (r.discharged_on IS NULL OR r.discharged_on >= %(first)s)
),
multi AS (
    -- People with stays at two providers in the month, region-wide (MIN <> MAX hashes).
    SELECT person FROM stays GROUP BY person HAVING MIN(provider_id) < MAX(provider_id)
),
mstays AS MATERIALIZED (
    -- Read again through the person index, as the run does: the planner then knows they are few.
    SELECT r.id, r.provider_id, r.id_number_hash AS person,
           daterange(GREATEST(r.admitted_on, %(first)s), LEAST(COALESCE(r.discharged_on, %(last)s), %(last)s), '[]')
               AS month_days
    FROM registry_resident r JOIN multi ON multi.person = r.id_number_hash
    WHERE r.admitted_on <= %(last)s AND (r.discharged_on IS NULL OR r.discharged_on >= %(first)s)
),
decided AS MATERIALIZED (
    -- Their days after the clerks' decisions: a stay set aside loses the days of the stay
    -- kept (its days in the month); a stay set aside on all its days keeps no day.
    SELECT m.id, m.provider_id, m.person,
           datemultirange(m.month_days) - COALESCE(kept.days, '{{}}'::datemultirange) AS days
    FROM mstays m LEFT JOIN (
        SELECT od.set_aside_id, range_agg(k.month_days) AS days
        FROM registry_overlapdecision od JOIN mstays k ON k.id = od.kept_id
        GROUP BY od.set_aside_id) kept ON kept.set_aside_id = m.id
),
pairs AS (
    -- Stays at two providers that share a day: a conflict, at both.
    SELECT a.person, a.provider_id AS one, b.provider_id AS other
    FROM decided a JOIN decided b ON b.person = a.person AND a.provider_id < b.provider_id AND a.days && b.days
),
conflict AS (
    SELECT person, provider_id, array_agg(provider_id) OVER (PARTITION BY person) AS providers
    FROM (SELECT person, one AS provider_id FROM pairs UNION SELECT person, other FROM pairs) c
),
steps AS (
    -- The lifecycle log in the run's order: effective_on, recorded_at, then id (the order
    -- the changes were made in). A change before the month takes effect on its first day.
    SELECT c.provider_id, GREATEST(c.effective_on, %(first)s) AS day,
           c.to_status IN ('filed', 'certified') AS good,
           row_number() OVER (PARTITION BY c.provider_id
                              ORDER BY c.effective_on, c.recorded_at, c.id) AS n
    FROM registry_providerstatuschange c
    WHERE c.effective_on <= %(last)s
      AND (c.provider_id IN (SELECT id FROM prov)
           OR c.provider_id IN (SELECT d.provider_id FROM decided d JOIN scheme_prov sp ON sp.id = d.provider_id))
),
edges AS (
    -- Gaps and islands: the changes into (good) or out of good standing; they alternate.
    SELECT provider_id, day, good, n FROM (
        SELECT provider_id, day, good, n,
               good IS DISTINCT FROM lag(good, 1, false) OVER (PARTITION BY provider_id ORDER BY n) AS edge
        FROM steps) s
    WHERE edge
),
spans AS MATERIALIZED (
    -- A span runs from an edge into good standing to the day before the next edge (none:
    -- the month's last day); one that ends before it starts (same-day changes) is no span.
    SELECT provider_id, day AS start_on, COALESCE(next_day - 1, %(last)s) AS end_on
    FROM (SELECT provider_id, day, good, lead(day) OVER (PARTITION BY provider_id ORDER BY n) AS next_day
          FROM edges) e
    WHERE good AND (next_day IS NULL OR next_day > day)
),
eligible AS (
    SELECT provider_id, jsonb_agg(jsonb_build_array(start_on, end_on) ORDER BY start_on) AS days
    FROM spans GROUP BY provider_id
),
parts AS (
    -- The stays a line counts: everyone's stays as registered, except that the days of
    -- people at two providers are their days after the decisions.
    SELECT s.provider_id, s.person, s.admitted_on AS first_day, s.discharged_on AS last_day
    FROM stays s WHERE NOT EXISTS (SELECT 1 FROM multi WHERE multi.person = s.person)
    UNION ALL
    SELECT d.provider_id, d.person, lower(r), upper(r) - 1 FROM decided d, unnest(d.days) r
),
present AS (
    -- Each person's days on the provider's eligible days: every part of every stay, summed.
    SELECT s.provider_id, s.person,
           SUM(LEAST(COALESCE(s.last_day, sp.end_on), sp.end_on) - GREATEST(s.first_day, sp.start_on) + 1) AS days
    FROM parts s JOIN spans sp ON sp.provider_id = s.provider_id
    WHERE GREATEST(s.first_day, sp.start_on) <= LEAST(COALESCE(s.last_day, sp.end_on), sp.end_on)
    GROUP BY s.provider_id, s.person
),
candidates AS (
    -- Where each person who moved (no shared day) could be counted: a provider of the
    -- scheme, not in conflict, with N eligible days; the day their days there begin.
    SELECT d.provider_id, d.person, COALESCE(MAX(present.days), 0) AS days, MIN(lower(r)) AS start
    FROM decided d JOIN scheme_prov sp ON sp.id = d.provider_id
         CROSS JOIN LATERAL unnest(d.days) r
         LEFT JOIN present ON present.provider_id = d.provider_id AND present.person = d.person
    WHERE NOT EXISTS (SELECT 1 FROM conflict c WHERE c.person = d.person AND c.provider_id = d.provider_id)
    GROUP BY d.provider_id, d.person
),
winner AS (
    -- Counted once per scheme and month: the most days; a tie goes to the later stay.
    SELECT DISTINCT ON (person) person, provider_id
    FROM candidates WHERE days >= %(min_days)s
    ORDER BY person, days DESC, start DESC, provider_id
),
elsewhere AS (
    SELECT d.provider_id, COUNT(DISTINCT d.person) AS n
    FROM decided d JOIN winner w ON w.person = d.person AND w.provider_id <> d.provider_id
    WHERE NOT EXISTS (SELECT 1 FROM conflict c WHERE c.person = d.person AND c.provider_id = d.provider_id)
    GROUP BY d.provider_id
),
counted AS (
    SELECT present.provider_id, COUNT(*) AS n
    FROM present
    WHERE present.days >= %(min_days)s
      AND NOT EXISTS (SELECT 1 FROM conflict c WHERE c.person = present.person AND c.provider_id = present.provider_id)
      AND NOT EXISTS (SELECT 1 FROM winner w WHERE w.person = present.person AND w.provider_id <> present.provider_id)
    GROUP BY present.provider_id
),
flagged AS (
    -- Flags name every person whose stays here share days with another provider's.
    SELECT c.provider_id, COUNT(*) AS n_dup,
           jsonb_agg(jsonb_build_object('code', 'duplicate_resident', 'person', c.person,
                                        'providers', (SELECT to_jsonb(array_agg(x ORDER BY x))
                                                      FROM unnest(c.providers) x))) AS flags
    FROM conflict c JOIN prov ON prov.id = c.provider_id
    GROUP BY c.provider_id
),
rates AS (
    SELECT DISTINCT ON (key) key, id, amount FROM subsidies_rate
    WHERE scheme_id = %(scheme)s AND effective_from <= %(last)s AND (effective_to IS NULL OR effective_to >= %(last)s)
    ORDER BY key, effective_from DESC
),
line AS (
    SELECT prov.id AS provider_id, prov.beds, prov.grade, eligible.days AS eligible_days,
           COALESCE(counted.n, 0) AS n, COALESCE(flagged.n_dup, 0) AS n_dup, COALESCE(elsewhere.n, 0) AS n_else,
           COALESCE(flagged.flags, '[]'::jsonb) AS flags,
           CASE WHEN EXISTS (SELECT 1 FROM rates WHERE key = 'any') THEN 'any' ELSE prov.grade::text END AS rate_key
    FROM prov LEFT JOIN eligible ON eligible.provider_id = prov.id
         LEFT JOIN counted ON counted.provider_id = prov.id LEFT JOIN flagged ON flagged.provider_id = prov.id
         LEFT JOIN elsewhere ON elsewhere.provider_id = prov.id
)
INSERT INTO subsidies_grantline
    (run_id, scheme_id, provider_id, period, kind, subject, adjusts_id, payer_level,
     quantity, rate, amount, basis, holds, flags)
SELECT %(run)s, %(scheme)s, line.provider_id, %(first)s, 'regular', '', NULL, '',
       LEAST(line.n, line.beds),
       COALESCE(rates.amount, 0),
       round(COALESCE(rates.amount, 0) * LEAST(line.n, line.beds), 2),
       jsonb_build_object(
           'rule', %(rule)s::text, 'min_days', %(min_days)s::int, 'census_day', %(census_day)s::int,
           'eligible_days', COALESCE(line.eligible_days, '[]'::jsonb),
           'residents_counted', line.n::text, 'residents_excluded_as_duplicates', line.n_dup,
           'cap_beds', line.beds, 'capped', line.n > line.beds, 'grade', line.grade,
           'rate_key', line.rate_key, 'rate_id', rates.id)
       || (CASE WHEN line.n_else > 0
                THEN jsonb_build_object('residents_counted_at_another_provider', line.n_else)
                ELSE '{{}}'::jsonb END),
       (CASE WHEN line.eligible_days IS NULL
             THEN jsonb_build_array(jsonb_build_object('code', 'not_filed', 'reason', %(not_filed)s::text))
             ELSE '[]'::jsonb END)
       || (CASE WHEN rates.id IS NULL
             THEN jsonb_build_array(jsonb_build_object(
                      'code', 'no_rate', 'reason', replace(%(no_rate)s::text, '{{grade}}', line.grade::text)))
             ELSE '[]'::jsonb END),
       line.flags
FROM line LEFT JOIN rates ON rates.key = line.rate_key
"""


def grant_sql_refresh(scheme_code: str, period: datetime.date) -> Timed:
    """The limit: the run's regular lines from one SQL aggregate + INSERT … SELECT into the
    same (existing) run, then one UPDATE that puts the masked ID numbers into the flags of
    the few lines with a person whose stays at two providers share days (Fernet cannot be
    opened in SQL). Only the ``min_days`` rule that the operating schemes use, with every
    care-level weight 1.00 (the reference data's), is written here.

    As the run does (DOMAIN §7), only the days the provider was filed or certified count:
    its eligible spans come from the lifecycle log (gaps and islands, in the order
    ``eligible_spans`` reads it), each person's days are the sum of their stay's parts in
    the spans, and a provider with no span is held as ``not_filed`` (payment holds do not
    change lines: the payment batch pauses them). Same person, two providers
    (``subsidies/stay_conflicts.py``): a clerk's ``OverlapDecision`` takes the kept stay's
    days off the stay set aside (multirange difference); stays that still share a day are a
    conflict, flagged on both lines and counted on neither; a person who moved is counted
    once, at the scheme's provider (not in conflict, N eligible days) with the most eligible
    days, a tie going to the later stay, and the other lines say
    ``residents_counted_at_another_provider``.
    ``tests/perf/grant_sql_check.py`` compares both on small data."""
    from registry.periods import month_bounds
    from subsidies.care_weights import is_weighted, weights_in_force
    from subsidies.models import GrantLine, GrantRun, OccupancyRule
    from subsidies.rates import scheme_by_code

    def run() -> int:
        with transaction.atomic():
            scheme = scheme_by_code(scheme_code)
            if scheme.occupancy_rule != OccupancyRule.MIN_DAYS:
                raise ValueError(f"{scheme_code}: the SQL limit is written for the min_days rule only")
            if is_weighted(weights_in_force(scheme, month_bounds(period)[1])):
                raise ValueError(f"{scheme_code}: the SQL limit counts heads; a care-level weight is not 1.00")
            grant_run = GrantRun.objects.select_for_update().get(
                scheme=scheme, period=period, division=scheme.jurisdiction
            )
            with connection.cursor() as cursor:  # one statement, not the ORM's delete collector
                cursor.execute(f"DELETE FROM {GrantLine._meta.db_table} WHERE run_id = %s", [grant_run.pk])  # noqa: S608
            first = period.replace(day=1)
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
            params: dict[str, Any] = {
                "path": scheme.jurisdiction.path + "%",
                "first": first,
                "last": last,
                "scheme": scheme.pk,
                "run": grant_run.pk,
                "min_days": scheme.occupancy_min_days,
                "census_day": scheme.census_day,
                "rule": scheme.occupancy_rule,
                "not_filed": _("Not filed or certified during the month."),
                "no_rate": _("No rate for grade %(grade)s.") % {"grade": "{grade}"},
            }
            kinds = "p.kind = ANY(%(kinds)s)" if scheme.provider_kinds else "TRUE"
            params["kinds"] = list(scheme.provider_kinds)
            alternatives = []
            for n, alternative in enumerate(scheme.eligibility or []):
                parts = []
                for attribute, allowed in alternative.items():
                    column = connection.ops.quote_name(Provider._meta.get_field(attribute).column)
                    parts.append(f"p.{column}::text = ANY(%(e{n}_{attribute})s)")
                    params[f"e{n}_{attribute}"] = [str(v) for v in allowed]
                alternatives.append("(" + " AND ".join(parts) + ")")
            eligibility = " OR ".join(alternatives) or "TRUE"
            with connection.cursor() as cursor:
                cursor.execute(GRANT_SQL.format(kinds=kinds, eligibility=eligibility), params)
                inserted = cursor.rowcount
            _mask_flags(grant_run.pk)
            return inserted

    return timed(run)


def _mask_flags(run_id: int) -> None:
    """Replace the keyed hash in the SQL flags with the masked ID number, as the run does."""
    from subsidies.models import GrantLine

    lines = list(GrantLine.objects.filter(run_id=run_id).exclude(flags=[]).values_list("pk", "flags"))
    people = {flag["person"] for _pk, flags in lines for flag in flags}
    numbers = dict(Resident.objects.filter(id_number_hash__in=people).values_list("id_number_hash", "id_number"))
    masked = {person: mask_id_number(number) for person, number in numbers.items()}
    updates = []
    for pk, flags in lines:
        rebuilt = [
            {"code": f["code"], "resident": masked.get(f["person"], ""), "providers": f["providers"]} for f in flags
        ]
        updates.append({"id": pk, "flags": sorted(rebuilt, key=lambda f: f["resident"])})
    if updates:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE subsidies_grantline g SET flags = v.flags "
                "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, flags jsonb) WHERE g.id = v.id",
                [json.dumps(updates, ensure_ascii=False)],
            )


def grant_lines_snapshot(scheme_code: str, period: datetime.date) -> dict[int, dict[str, Any]]:
    """The run's lines by provider, in a form two runs can be compared in."""
    from subsidies.models import GrantLine

    snapshot = {}
    for line in GrantLine.objects.filter(run__scheme__code=scheme_code, run__period=period).order_by("provider_id"):
        snapshot[line.provider_id] = {
            "kind": line.kind,
            "quantity": Decimal(line.quantity).normalize(),
            "rate": line.rate,
            "amount": line.amount,
            "basis": line.basis,
            "holds": line.holds,
            # Persons whose masked numbers are equal sort in either order: compare as sets.
            "flags": sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in line.flags),
        }
    return snapshot


def compare_lines(orm: dict[int, dict[str, Any]], sql: dict[int, dict[str, Any]]) -> list[str]:
    """Every difference between two snapshots, in words (empty: the same lines)."""
    problems = []
    for provider in sorted(orm.keys() - sql.keys()):
        problems.append(f"provider {provider}: a line from the run only")
    for provider in sorted(sql.keys() - orm.keys()):
        problems.append(f"provider {provider}: a line from SQL only")
    for provider in sorted(orm.keys() & sql.keys()):
        for key, value in orm[provider].items():
            if sql[provider][key] != value:
                problems.append(f"provider {provider} {key}: run {value!r} ≠ SQL {sql[provider][key]!r}")
    return problems


# --------------------------------------------------------------------- import

ROSTER_ANCHOR_BIRTH = datetime.date(1960, 1, 1)  # born 1960-1964: nobody in the scale data


def roster_providers() -> list[str]:
    """USCCs of operating residential providers: where a residents roster comes from."""
    return list(
        Provider.objects.filter(
            kind__in=RESIDENTIAL_KINDS, status__in=[ProviderStatus.FILED, ProviderStatus.CERTIFIED]
        ).values_list("uscc", flat=True)
    )


def roster_rows(count: int, *, seed: int = 1, usccs: list[str] | None = None) -> Iterator[list[str]]:
    """Residents roster rows (the roster's Chinese headers and labels) of new people, at
    ``usccs`` (by default every operating residential provider)."""
    rng = random.Random(seed)
    usccs = usccs or roster_providers()
    numbers = IdNumbers(ROSTER_ANCHOR_BIRTH, 5, 0)
    care_levels = [chinese_label(CareLevel, c) for c in CareLevel.values]
    categories = [chinese_label(ResidentCategory, c) for c in ResidentCategory.values]
    today = timezone.localdate()
    for n in range(count):
        uscc = rng.choice(usccs)
        admitted = today - datetime.timedelta(days=rng.randint(30, 2000))
        discharged = admitted + datetime.timedelta(days=rng.randint(5, 25)) if rng.random() < 0.2 else None
        yield [
            numbers.make(uscc[2:8]),
            f"规模{n}",
            uscc,
            f"{rng.randint(1, 6)}{rng.randint(1, 10):02d}-{rng.randint(1, 2)}",
            admitted.isoformat(),
            discharged.isoformat() if discharged else "",
            rng.choice(care_levels),
            "、".join(rng.sample(categories, rng.randint(0, 2))),
        ]


def build_roster_xlsx(count: int, *, seed: int = 1, usccs: list[str] | None = None) -> bytes:
    """A residents roster of ``count`` rows as an .xlsx (openpyxl write-only)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("入住老人")
    sheet.append([column.header for column in RESIDENTS.columns])
    for row in roster_rows(count, seed=seed, usccs=usccs):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportResult:
    phases: dict[str, float]
    queries: int
    rows: int
    note: str = ""
    preview: float | None = None  # our engine: the preview pass the clerk waits for first

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())


def import_ours(data: bytes, filename: str = "roster.xlsx") -> ImportResult:
    """Our engine as a clerk meets it. First the preview: read and check every row, and
    fingerprint the plan. Then the import, as the confirmed upload and ``import_roster``
    run it: read, check and write a chunk at a time in one pass, in one transaction,
    refused if the fingerprint changed. The import pass is what is compared; its phases are
    derived: *read* is a pass that only reads, *validate* the preview pass minus that,
    *commit* the import pass minus the preview pass."""
    started = time.perf_counter()
    for _row in stream_table(data, filename)[1]:
        pass
    read = time.perf_counter() - started
    started = time.perf_counter()
    plan = validate_roster(RESIDENTS, stream_table(data, filename), user=None)
    preview = time.perf_counter() - started
    if not plan.valid:
        raise AssertionError(f"the generated roster has errors: {[str(e) for e in plan.errors[:5]]}")
    with QueryCounter() as counter:
        started = time.perf_counter()
        counts = import_roster(RESIDENTS, stream_table(data, filename), user=None, expected_digest=plan.digest)
        whole = time.perf_counter() - started
    phases = {"read": read, "validate": max(preview - read, 0.0), "commit": max(whole - preview, 0.0)}
    return ImportResult(phases, counter.count, counts["new"], preview=preview)


def parse_fastest(data: bytes) -> tuple[str, list[list[Any]]]:
    """The rows of the first sheet with the fastest reader installed."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
        return "openpyxl read-only", rows
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return "python-calamine", sheet.to_python()


def import_limit(data: bytes) -> ImportResult:
    """The limit: the fastest parse of the same file, then the same rows and their
    history rows written with COPY — no validation at all. Converting the cells
    (labels → codes, dates) and encrypting/hashing the ID numbers is included: any
    loader that stores the rows must do it."""
    phases: dict[str, float] = {}
    history_model = Resident.history.model  # type: ignore[attr-defined]
    with QueryCounter() as counter:
        started = time.perf_counter()
        reader, table = parse_fastest(data)
        phases["read"] = time.perf_counter() - started
        started = time.perf_counter()
        providers = dict(Provider.objects.values_list("uscc", "pk"))
        care = {chinese_label(CareLevel, c): c for c in CareLevel.values}
        categories = {chinese_label(ResidentCategory, c): c for c in ResidentCategory.values}
        now = timezone.now()
        rows = []
        for cells in table[1:]:
            # The roster's first eight columns; the rows leave 户籍所在地 (and any later column) empty.
            number, name, uscc, bed, admitted, discharged, level, kinds = (str(c or "") for c in cells[:8])
            rows.append(
                {
                    "name": name,
                    "id_number": encrypt_text(number),
                    "id_number_hash": id_number_hash(number),
                    "provider_id": providers[uscc],
                    "bed_number": bed,
                    "admitted_on": datetime.date.fromisoformat(admitted),
                    "discharged_on": datetime.date.fromisoformat(discharged) if discharged else None,
                    "care_level": care[level],
                    "categories": sorted(categories[k] for k in kinds.split("、") if k),
                }
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Resident._meta.db_table, len(rows)],
            )
            for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                row["id"] = pk
        phases["prepare"] = time.perf_counter() - started
        started = time.perf_counter()
        with transaction.atomic():
            copy_rows(Resident, rows, with_pk=True)
            history = (
                {**row, "history_date": now, "history_type": "+", "history_change_reason": "名册导入"} for row in rows
            )
            copy_rows(history_model, history)
        phases["commit"] = time.perf_counter() - started
    return ImportResult(phases, counter.count + 2, len(rows), note=f"parsed with {reader}; 2 COPY statements")


def import_export_defaults(data: bytes) -> ImportResult:
    """django-import-export 4 at its defaults, the same file: tablib reads it, then
    ``import_data`` (not a dry run: the commit, which checks each row as it goes)."""
    import tablib

    from registry.rosters.resources import ResidentResource

    phases: dict[str, float] = {}
    with QueryCounter() as counter:
        started = time.perf_counter()
        dataset = tablib.Dataset().load(data, format="xlsx")
        phases["read"] = time.perf_counter() - started
        started = time.perf_counter()
        result = ResidentResource().import_data(dataset, dry_run=False)
        phases["import"] = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        errors = [str(e.error) for _n, row_errors in result.row_errors()[:3] for e in row_errors]
        raise AssertionError(f"django-import-export refused the roster: {errors}")
    return ImportResult(phases, counter.count, result.totals.get("new", 0))


def imported_marks() -> tuple[int, int]:
    """The highest resident id and history id now: what an import adds lies above them."""
    history_model = Resident.history.model  # type: ignore[attr-defined]
    top = Resident.objects.aggregate(top=Max("pk"))["top"] or 0
    history_top = history_model.objects.aggregate(top=Max("history_id"))["top"] or 0
    return top, history_top


def remove_imported(marks: tuple[int, int]) -> None:
    """Undo an import measured after ``marks`` (rows and their history rows)."""
    history_model = Resident.history.model  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {history_model._meta.db_table} WHERE history_id > %s", [marks[1]])  # noqa: S608
        cursor.execute(f"DELETE FROM {Resident._meta.db_table} WHERE id > %s", [marks[0]])  # noqa: S608


def summarise(samples: list[Sample]) -> dict[str, float]:
    seconds = [s.seconds for s in samples]
    return {
        "count": len(seconds),
        "p50": percentile(seconds, 0.5),
        "p95": percentile(seconds, 0.95),
        "mean": statistics.fmean(seconds),
        "max_queries": max(s.queries for s in samples),
        "min_queries": min(s.queries for s in samples),
    }
