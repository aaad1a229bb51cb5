"""Open data (CSV and JSON), the per-IP rate limit and the query counts of the directory."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from downloads import file_bytes
from factories import FeeItemFactory, ProviderFactory
from public_support import RARE_EARTH_ZONE, api_results, expected_providers, listed, query_of

from childcare.models import Child
from registry.models import Attendance, ChildcarePlaces, FeeItem, Provider, ProviderStatus, Resident
from registry.public import OPEN_DATA_FIELDS
from registry.views import API_PAGE_SIZE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]

FILTER_COMBINATIONS: list[dict[str, Any]] = [
    {},
    {"q": "养老"},
    {"county": "150203", "vacancies": "on"},
    {"league": "150200", "min_grade": "2", "sort": "-vacancies"},
    {"kind": "elderly_institution", "legal_form": "non_profit", "operation_mode": "private", "nursing": "on"},
    {"medical": "on", "fee_min": "1000", "fee_max": "9000", "sort": "beds"},
    {"q": "区 托育", "county": RARE_EARTH_ZONE, "sort": "-name", "modified_after": "2000-01-01T00:00:00+08:00"},
]


def read_csv(client: Client, params: dict[str, Any] | None = None) -> tuple[bytes, list[dict[str, str]]]:
    response = client.get("/providers.csv", params or {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "charset=utf-8" in response["Content-Type"]
    assert response["Content-Disposition"] == 'attachment; filename="providers.csv"'
    body = file_bytes(response)
    return body, list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------- CSV


def test_csv_is_utf8_with_bom_and_the_allowlisted_header(client: Client) -> None:
    body, rows = read_csv(client)

    assert body.startswith(b"\xef\xbb\xbf")
    assert not body[3:].startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header == list(OPEN_DATA_FIELDS)
    assert {row["uscc"] for row in rows} == set(expected_providers())
    assert len(rows) == 41


def test_csv_values_match_the_database(client: Client) -> None:
    _, rows = read_csv(client)
    expected = expected_providers()

    for row in rows:
        provider = Provider.objects.select_related("division").get(uscc=row["uscc"])
        want = expected[row["uscc"]]
        assert row["name"] == provider.name
        assert row["phone"] == provider.contact_phone
        assert row["division_code"] == provider.division.code
        assert row["county"] == provider.division.name
        assert row["league_city"] == "包头市"
        assert int(row["beds"]) == want.beds
        assert int(row["nursing_beds"]) == want.nursing_beds
        assert (int(row["vacancies"]) if row["vacancies"] else None) == want.vacancies
        assert int(row["grade"]) == want.grade
        assert row["monthly_fee"] == ("" if want.monthly_fee is None else f"{want.monthly_fee:.2f}")
        assert row["has_medical_unit"] == str(want.has_medical_unit)


def test_csv_is_formula_safe(client: Client) -> None:
    ProviderFactory(status=ProviderStatus.CERTIFIED, name="=1+1养老院", address="@SUM(A1:A9) 大街1号")
    ProviderFactory(status=ProviderStatus.CERTIFIED, name="+86 托育园", address="-2+3 路")
    ProviderFactory(status=ProviderStatus.CERTIFIED, name='=HYPERLINK("http://x.invalid","点我")')

    _, rows = read_csv(client)
    by_name = {row["name"]: row for row in rows}

    assert "'=1+1养老院" in by_name
    assert by_name["'=1+1养老院"]["address"] == "'@SUM(A1:A9) 大街1号"
    assert by_name["'+86 托育园"]["address"] == "'-2+3 路"
    assert '\'=HYPERLINK("http://x.invalid","点我")' in by_name
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.lstrip("-").replace(".", "").isdigit(), value


@pytest.mark.parametrize("params", FILTER_COMBINATIONS)
def test_csv_takes_the_same_filters_as_the_list(client: Client, params: dict[str, Any]) -> None:
    _, rows = read_csv(client, params)
    shown = listed(client, params)

    assert [row["uscc"] for row in rows] == shown


def test_csv_with_an_invalid_filter_is_400(client: Client) -> None:
    assert client.get("/providers.csv", {"min_grade": "9"}).status_code == 400
    assert client.get("/providers.csv", {"modified_after": "yesterday"}).status_code == 400


# --------------------------------------------------------------------------- JSON


def test_json_is_paged_with_count_next_previous_results(client: Client) -> None:
    ProviderFactory.create_batch(170, status=ProviderStatus.CERTIFIED)  # 211 certified: 3 pages of 100
    first = client.get("/api/providers/")
    data = first.json()

    assert first["Content-Type"] == "application/json"
    assert set(data) == {"count", "next", "previous", "results", "data_as_of"}
    assert data["count"] == 211
    assert len(data["results"]) == API_PAGE_SIZE
    assert data["previous"] is None
    assert query_of(data["next"])["page"] == ["2"]
    second = client.get(data["next"]).json()
    assert query_of(second["previous"])["page"] == ["1"]
    third = client.get(second["next"]).json()
    assert third["next"] is None and len(third["results"]) == 11
    usccs = [r["uscc"] for page in (data, second, third) for r in page["results"]]
    assert len(usccs) == len(set(usccs)) == 211


def test_json_results_have_exactly_the_allowlisted_fields(client: Client) -> None:
    results = api_results(client)
    expected = expected_providers()

    assert len(results) == 41
    for row in results:
        assert list(row) == list(OPEN_DATA_FIELDS)
        want = expected[row["uscc"]]
        assert (row["name"], row["beds"], row["vacancies"], row["grade"]) == (
            want.name,
            want.beds,
            want.vacancies,
            want.grade,
        )
        assert row["monthly_fee"] == (None if want.monthly_fee is None else f"{want.monthly_fee:.2f}")
        assert datetime.datetime.fromisoformat(row["updated_at"]) == want.updated_at


def test_json_keeps_chinese_text_readable(client: Client) -> None:
    body = client.get("/api/providers/", {"county": RARE_EARTH_ZONE}).content.decode()

    assert "稀土高新区" in body and "\\u" not in body


@pytest.mark.parametrize("params", FILTER_COMBINATIONS)
def test_json_takes_the_same_filters_as_the_list(client: Client, params: dict[str, Any]) -> None:
    assert [row["uscc"] for row in api_results(client, params)] == listed(client, params)


def test_next_link_keeps_the_filters(client: Client) -> None:
    ProviderFactory.create_batch(120, status=ProviderStatus.CERTIFIED, nursing_beds=10)
    data = client.get("/api/providers/", {"nursing": "on", "sort": "-beds"}).json()

    assert {k: v[0] for k, v in query_of(data["next"]).items()} == {"nursing": "on", "sort": "-beds", "page": "2"}


def test_modified_after_returns_only_providers_changed_since(client: Client) -> None:
    tz8 = datetime.timezone(datetime.timedelta(hours=8))
    cutoff = datetime.datetime(2026, 11, 1, 0, 0, 0, tzinfo=tz8)
    certified = Provider.objects.filter(status=ProviderStatus.CERTIFIED)
    certified.update(updated_at=cutoff - datetime.timedelta(days=30))
    # Fee and roster changes count too (their history rows): none since the cutoff here.
    FeeItem.history.update(history_date=cutoff - datetime.timedelta(days=30))
    Resident.history.update(history_date=cutoff - datetime.timedelta(days=30))
    # So do children, childcare places and attendance (vacancies by kind).
    for history in (Child.history, ChildcarePlaces.history, Attendance.history):
        history.update(history_date=cutoff - datetime.timedelta(days=30))
    exactly, after, much_later = certified.order_by("uscc")[:3]
    Provider.objects.filter(pk=exactly.pk).update(updated_at=cutoff)
    Provider.objects.filter(pk=after.pk).update(updated_at=cutoff + datetime.timedelta(seconds=1))
    Provider.objects.filter(pk=much_later.pk).update(updated_at=cutoff + datetime.timedelta(days=10))

    for value in ("2026-11-01T00:00:00+08:00", "2026-10-31T16:00:00Z", "2026-10-31T16:00:00+00:00"):
        found = {row["uscc"] for row in api_results(client, {"modified_after": value})}
        assert found == {after.uscc, much_later.uscc}, value
    _, rows = read_csv(client, {"modified_after": "2026-11-05T00:00:00+08:00"})
    assert [row["uscc"] for row in rows] == [much_later.uscc]
    assert len(api_results(client, {"modified_after": "2026-01-01T00:00:00+08:00"})) == 41
    assert api_results(client, {"modified_after": "2030-01-01T00:00:00+08:00"}) == []


def test_modified_after_sees_a_new_fee_item(client: Client) -> None:
    provider = Provider.objects.get(name="东河区仁爱养老院")
    Provider.objects.filter(status=ProviderStatus.CERTIFIED).update(
        updated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    since = timezone.now()
    FeeItemFactory(provider=provider, kind=FeeItem.Kind.MEAL, name="加餐费", amount=Decimal("100.00"))

    changed = api_results(client, {"modified_after": since.isoformat()})

    assert [row["uscc"] for row in changed] == [provider.uscc]


@pytest.mark.parametrize(
    "params",
    [
        {"modified_after": "yesterday"},
        {"modified_after": "2026-13-45T00:00:00+08:00"},
        {"min_grade": "9"},
        {"kind": "casino"},
        {"legal_form": "x"},
        {"operation_mode": "x"},
        {"county": "999999"},
        {"fee_min": "abc"},
        {"sort": "bank_account_number"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "99"},
    ],
)
def test_bad_parameters_are_400_with_the_error(client: Client, params: dict[str, str]) -> None:
    response = client.get("/api/providers/", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["errors"]) == [next(iter(params))]


# --------------------------------------------------------------------------- rate limit


@override_settings(PUBLIC_RATE_LIMIT=3, PUBLIC_RATE_WINDOW=60)
@pytest.mark.parametrize("url", ["/api/providers/", "/providers.csv", "/en/api/providers/"])
def test_fourth_request_in_the_window_is_429_with_retry_after(client: Client, url: str) -> None:
    statuses = [client.get(url, REMOTE_ADDR="203.0.113.5").status_code for _ in range(3)]
    limited = client.get(url, REMOTE_ADDR="203.0.113.5")

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert client.get(url, REMOTE_ADDR="203.0.113.6").status_code == 200  # another address


@override_settings(PUBLIC_RATE_LIMIT=3, PUBLIC_RATE_WINDOW=60)
def test_csv_and_json_share_the_limit_and_pages_are_not_limited(client: Client) -> None:
    ip = {"REMOTE_ADDR": "203.0.113.7"}
    assert [client.get(u, **ip).status_code for u in ("/api/providers/", "/providers.csv", "/api/providers/")] == [
        200,
        200,
        200,
    ]
    assert client.get("/providers.csv", **ip).status_code == 429
    assert all(client.get("/providers/", **ip).status_code == 200 for _ in range(5))


@override_settings(PUBLIC_RATE_LIMIT=3, PUBLIC_RATE_WINDOW=60, NUM_PROXIES=0)
def test_x_forwarded_for_is_ignored_without_proxies(client: Client) -> None:
    statuses = [
        client.get("/api/providers/", REMOTE_ADDR="203.0.113.8", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


@override_settings(PUBLIC_RATE_LIMIT=3, PUBLIC_RATE_WINDOW=60, NUM_PROXIES=1)
def test_behind_one_proxy_the_address_it_appended_counts(client: Client) -> None:
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    # Different clients behind the same proxy each have their own budget …
    assert all(
        client.get("/api/providers/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **proxy).status_code == 200
        for n in range(6)
    )
    # … and a client cannot choose its address by sending the header itself.
    spoofed = [
        client.get("/api/providers/", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.50", **proxy).status_code
        for n in range(4)
    ]
    assert spoofed == [200, 200, 200, 429]


# --------------------------------------------------------------------------- query counts


def count_queries(client: Client, url: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("url", ["/providers/", "/en/providers/", "/mn/providers/"])
def test_list_page_queries_are_few_and_constant(client: Client, url: str) -> None:
    ProviderFactory.create_batch(120, status=ProviderStatus.CERTIFIED)
    counts = {
        (size, index): count_queries(client, url, {**params, "size": size, "page": 2 if size == 20 else 1})
        for size in (20, 50, 100)
        for index, params in enumerate(FILTER_COMBINATIONS)
    }

    assert max(counts.values()) <= 6, counts
    assert len(set(counts.values())) == 1, counts


def test_api_queries_are_few_and_constant(client: Client) -> None:
    ProviderFactory.create_batch(120, status=ProviderStatus.CERTIFIED)
    combinations = [*FILTER_COMBINATIONS, {"page": 2}]
    counts = [count_queries(client, "/api/providers/", params) for params in combinations]

    assert max(counts) <= 6, counts
    # The change feed (modified_after) reads the removals since, in one more query.
    assert len({n - ("modified_after" in params) for n, params in zip(counts, combinations, strict=True)}) == 1


def test_csv_queries_do_not_grow_with_the_rows(client: Client) -> None:
    few = count_queries(client, "/providers.csv", {"county": RARE_EARTH_ZONE})
    ProviderFactory.create_batch(120, status=ProviderStatus.CERTIFIED)

    assert count_queries(client, "/providers.csv", {}) == few <= 6


@override_settings(PUBLIC_RATE_LIMIT=3, PUBLIC_RATE_WINDOW=60)
def test_a_counter_left_without_a_time_limit_gets_one_again(client: Client) -> None:
    """Redis' INCR recreates a key that expired between the check and the increment with no
    time limit; the first request of a window must set one, or the address stays blocked."""
    import hashlib

    from django.core.cache import cache

    key = "ratelimit:open-data:" + hashlib.sha256(b"203.0.113.30").hexdigest()[:32]
    cache.delete(key)
    cache.delete(f"{key}:start")
    cache.set(key, 0, timeout=None)  # as INCR leaves it

    client.get("/api/providers/", REMOTE_ADDR="203.0.113.30")

    assert cache._expire_info[cache.make_key(key)] is not None  # LocMemCache: a time limit again
