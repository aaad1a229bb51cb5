"""Fuzzing the public pages and open data with arbitrary parameters (issue 7, "bad input").

Whatever a citizen (or a robot) puts in the query string or the path, the directory,
provider pages, inspections and subsidies pages answer without a server error, in both
languages; the open data (CSV and JSON) answers 200 or 400 with the errors as JSON; and
no answer carries personal data from the database. Hypothesis generates the values:
valid choices, near misses, numbers too large for the database, dates at the ends of
the calendar, control characters, any Unicode text, and parameters nobody expects.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from public_support import ID_NUMBER_ANYWHERE, Page

from inspections.models import Regime
from registry.filters import GRADE_CHOICES, ProviderFilter
from registry.models import (
    AgeBand,
    Caregiver,
    CareMode,
    Division,
    FeeItem,
    LegalForm,
    OperationMode,
    Provider,
    ProviderKind,
    ProviderStatus,
    Resident,
)
from subsidies.models import SubsidyScheme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_demo", "fresh_cache")]

# A few dozen examples per test keep the suite fast; search deeper with, for example,
# FUZZ_EXAMPLES=2000 pytest tests/registry/test_fuzz_public.py
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    database=None,  # no example database to replay from: a failure prints its example (and @example keeps it)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LANGUAGES = st.sampled_from(["", "/en", "/mn"])  # Chinese unprefixed, English under /en/, Mongolian /mn/

# --------------------------------------------------------------------------- values

# Any text, control characters (NUL included) and all of Unicode but surrogates.
ANY_TEXT = st.text(max_size=30)
ODD_NUMBERS = st.sampled_from(
    [
        "1e1000000",
        "-1e1000000",
        "1E+999999999",
        "1e-1000000",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "9" * 40,
        "0." + "0" * 40 + "1",
        "1_000",
        "0x10",
        "١٢٣",  # Arabic-Indic digits: int() reads them
        "²",  # a digit for str.isdigit(), not for int()
        "２０２６",
        " 5 ",
        "-0",
        "",
    ]
)
NUMBERS = st.one_of(
    ODD_NUMBERS,
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    ANY_TEXT,
)
TIMEZONES = st.sampled_from(
    [
        None,
        datetime.UTC,
        datetime.timezone(datetime.timedelta(hours=14)),
        datetime.timezone(datetime.timedelta(hours=-12)),
        datetime.timezone(datetime.timedelta(hours=23, minutes=59)),
        datetime.timezone(-datetime.timedelta(hours=23, minutes=59)),
    ]
)
DATETIMES = st.one_of(
    st.datetimes(timezones=TIMEZONES).map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "0001-01-01T00:00:00",
            "0001-01-01",
            "9999-12-31T23:59:59.999999-12:00",
            "9999-12-31T23:59:59.999999",
            "9999-12-31",
            "2026-02-30T00:00:00",
            "2026-11-23T24:00:00",
            "2026-11-23T10:00:00Z",
            "2026-11-23 10:00:00+08:00",
            "2026-11-23T10:00:00+25:00",
            "20261123T100000",
            "yesterday",
        ]
    ),
    ANY_TEXT,
)
BOOLEANS = st.one_of(st.sampled_from(["on", "off", "true", "false", "True", "1", "0", "yes", "no", ""]), ANY_TEXT)


def choices_or_text(values: Iterable[str]) -> st.SearchStrategy[str]:
    values = list(values)
    return st.one_of(st.sampled_from(values), st.sampled_from(values).map(str.upper), ANY_TEXT)


# Division codes of the demo (Inner Mongolia, Baotou and its counties) and near misses.
DIVISIONS = choices_or_text(["150000", "150200", "150203", "150202", "150271", "150100", "1502", "15020300"])
SORTS = choices_or_text(["name", "-name", "grade", "-grade", "vacancies", "-vacancies", "beds", "-beds", "pk", "-pk"])

FILTER_VALUES: dict[str, st.SearchStrategy[str]] = {
    "q": st.one_of(ANY_TEXT, st.sampled_from(["养老", "区 托育", "%", "_", "\\", "'", "' OR 1=1 --"])),
    "league": DIVISIONS,
    "county": DIVISIONS,
    "kind": choices_or_text(ProviderKind.values),
    "legal_form": choices_or_text(LegalForm.values),
    "operation_mode": choices_or_text(OperationMode.values),
    "min_grade": choices_or_text([code for code, _label in GRADE_CHOICES] + ["0", "6", "-1"]),
    "nursing": BOOLEANS,
    "vacancies": BOOLEANS,
    "medical": BOOLEANS,
    "age_band": choices_or_text(AgeBand.values),
    "care_mode": choices_or_text(CareMode.values),
    "inclusive": BOOLEANS,
    "demonstration": BOOLEANS,
    "fee_min": NUMBERS,
    "fee_max": NUMBERS,
    "modified_after": DATETIMES,
    "sort": SORTS,
    "page": NUMBERS,
    "size": NUMBERS,
}
assert set(ProviderFilter.base_filters) <= set(FILTER_VALUES), "fuzz every filter of the directory"


def one_or_several(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | list[str]]:
    """A parameter given once, or repeated (?sort=name&sort=-beds)."""
    return st.one_of(values, st.lists(values, min_size=2, max_size=3))


def query(values: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the known parameters with fuzzed values, plus parameters nobody expects."""
    known = st.fixed_dictionaries({}, optional={name: one_or_several(v) for name, v in values.items()})
    unknown = st.dictionaries(ANY_TEXT, one_or_several(ANY_TEXT), max_size=2)
    return st.builds(lambda k, u: {**u, **k}, known, unknown)


# --------------------------------------------------------------------------- checks


class Personal:
    def __init__(self, values: list[str], usccs: set[str]) -> None:
        self.values = values  # ID numbers and names of residents, caregivers and contact persons
        self.usccs = usccs  # providers' codes: public, and shaped like ID numbers

    def __repr__(self) -> str:  # short, in Hypothesis' report of a failing example
        return f"Personal({len(self.values)} values)"


@pytest.fixture(scope="module")
def personal_data(public_demo: None, django_db_blocker: Any) -> Personal:
    """What must never be public: ID numbers and names of residents, caregivers and
    contact persons.

    Names that also occur in text the directory shows (乌兰 in 乌兰察布市) are left out, as
    in ``test_public_allowlist``: they cannot be told apart from it."""
    with django_db_blocker.unblock():
        public = [
            *Provider.objects.values_list("name", "address", "services", "facilities"),
            *Division.objects.values_list("name"),
            *FeeItem.objects.values_list("name"),
            *SubsidyScheme.objects.values_list("name_zh", "name_en"),
            *Regime.objects.values_list("name_zh", "name_en"),
        ]
        allowed = "\n".join(text for row in public for text in row)
        allowed += (Path(django_settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po").read_text("utf-8")
        names = {
            *Resident.objects.values_list("name", flat=True),
            *Caregiver.objects.values_list("name", flat=True),
            *Provider.objects.exclude(contact_person="").values_list("contact_person", flat=True),
        }
        numbers = {
            *Resident.objects.values_list("id_number", flat=True),
            *Caregiver.objects.values_list("id_number", flat=True),
        }
        usccs = set(Provider.objects.values_list("uscc", flat=True))
    personal = sorted(numbers | {name for name in names if name not in allowed})
    assert len(personal) > 500
    return Personal(personal, usccs)


def body_of(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig", errors="replace")


def assert_no_personal_data(body: str, sent: Any, personal: Personal) -> None:
    """Nothing personal from the database, nor anything shaped like an ID number but the
    providers' codes — unless we sent it ourselves (forms show what was typed)."""
    sent_text = json.dumps(sent, ensure_ascii=False, default=str)
    leaked = [value for value in personal.values if value in body and value not in sent_text]
    assert not leaked, leaked[:3]
    numbers = [n for n in ID_NUMBER_ANYWHERE.findall(body) if n.upper() not in personal.usccs and n not in sent_text]
    assert not numbers, numbers[:3]


def get(client: Client, path: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
    # In a savepoint: a database error in one example must not spoil the next ones.
    with transaction.atomic():
        response = client.get(path, params or {}, **extra)
    assert response.status_code < 500, (path, params, response.status_code)
    return response


@pytest.fixture
def no_rate_limit(settings: Any) -> None:
    settings.PUBLIC_RATE_LIMIT = 1_000_000


# --------------------------------------------------------------------------- pages


@FUZZ
@given(prefix=LANGUAGES, params=query(FILTER_VALUES))
@example(prefix="", params={"q": "\x00"})
@example(prefix="/en", params={"fee_min": "1e1000000", "fee_max": "-1E+999999999"})
@example(prefix="", params={"modified_after": "0001-01-01T00:00:00+14:00", "page": "9999999999"})
@example(prefix="", params={"modified_after": "9999-12-31T23:59:59.999999-12:00", "size": "²"})
@example(prefix="/en", params={"modified_after": "2000-01-01T00:00:00+23:59"})  # PostgreSQL: ±15:59 at most
def test_the_directory_answers_any_parameters(
    client: Client, personal_data: Personal, prefix: str, params: dict[str, Any]
) -> None:
    response = get(client, f"{prefix}/providers/", params)

    # Invalid values are shown next to their field and skipped: the page is still there.
    assert response.status_code == 200
    assert_no_personal_data(body_of(response), params, personal_data)


@FUZZ
@given(prefix=LANGUAGES, text=st.one_of(ANY_TEXT, st.text(min_size=1, max_size=300)))
@example(prefix="", text="\x00")
@example(prefix="/en", text="15020319400101123x")
@example(prefix="", text="ß" * 9)
@example(prefix="", text="[")
def test_a_provider_page_answers_any_path(client: Client, personal_data: Personal, prefix: str, text: str) -> None:
    response = get(client, f"{prefix}/providers/{quote(text, safe='')}/")

    assert response.status_code in (200, 404)
    assert_no_personal_data(body_of(response), text, personal_data)


def test_a_provider_page_is_found_by_its_code_in_either_case_and_nul_is_no_code(client: Client) -> None:
    uscc = Provider.objects.filter(status=ProviderStatus.CERTIFIED).values_list("uscc", flat=True).first()
    assert uscc is not None

    assert get(client, f"/providers/{uscc.lower()}/").status_code == 200
    assert get(client, f"/en/providers/{uscc}/").status_code == 200
    # PostgreSQL refuses NUL in a query parameter: this was a 500.
    assert get(client, f"/providers/{uscc[:-1]}%00/").status_code == 404
    assert get(client, f"/providers/{uscc}%00/").status_code == 404


@FUZZ
@given(prefix=LANGUAGES, text=st.one_of(ANY_TEXT, st.text(alphabet="/[]:@?#%.", max_size=8)))
@example(prefix="", text="/[")  # "//[": an unclosed IPv6 host for urlsplit
@example(prefix="/en", text="/[x]/")
@example(prefix="", text="/example.com/providers/")
@example(prefix="", text="///evil.example")  # "////evil.example"
@example(prefix="", text="admin")  # a redirect to "/admin/": no page, so no language links
def test_any_path_is_a_page_or_a_404(client: Client, prefix: str, text: str) -> None:
    # The 404 page links to itself in the other language: any path must survive that.
    # PATH_INFO is set as a server would (the client itself cannot send "//["): the
    # decoded path's UTF-8 bytes, read as Latin-1 (PEP 3333).
    path = f"{prefix}/{text}".encode().decode("iso-8859-1")
    with transaction.atomic():
        response = client.get("/", PATH_INFO=path)

    assert response.status_code < 500
    if response.status_code in (301, 302):
        # A redirect (a missing slash, the sign-in page) has no body; it stays on this host.
        assert not response["Location"].startswith("//"), response["Location"]
    elif response["Content-Type"].startswith("text/html"):
        page = Page(body_of(response))
        own = [attrs["href"] for tag, attrs in page.tags if tag in ("a", "link") and attrs.get("hreflang")]
        assert own, "links to the page in both languages"
        # Never a link to another host ("//evil.example/…"), whatever the path was.
        assert all(href.startswith("/") and not href.startswith("//") for href in own), own


@FUZZ
@given(
    prefix=LANGUAGES,
    params=query({"year": st.one_of(NUMBERS, st.integers(0, 10_000).map(str)), "scheme": ANY_TEXT, "page": NUMBERS}),
)
@example(prefix="", params={"year": "0"})
@example(prefix="", params={"year": "10000"})
@example(prefix="/en", params={"year": "²"})
@example(prefix="", params={"scheme": "\x00"})
def test_the_subsidies_page_answers_any_parameters(
    client: Client, personal_data: Personal, prefix: str, params: dict[str, Any]
) -> None:
    response = get(client, f"{prefix}/subsidies/", params)

    assert response.status_code == 200
    assert_no_personal_data(body_of(response), params, personal_data)


@FUZZ
@given(prefix=LANGUAGES, params=query({"page": NUMBERS}))
def test_the_inspections_page_answers_any_parameters(
    client: Client, personal_data: Personal, prefix: str, params: dict[str, Any]
) -> None:
    response = get(client, f"{prefix}/inspections/", params)

    assert response.status_code == 200
    assert_no_personal_data(body_of(response), params, personal_data)


# --------------------------------------------------------------------------- open data

OPEN_DATA = st.sampled_from(["/api/providers/", "/providers.csv"])


@FUZZ
@given(prefix=LANGUAGES, path=OPEN_DATA, params=query(FILTER_VALUES))
@example(prefix="", path="/api/providers/", params={"q": "\x00"})
@example(prefix="", path="/providers.csv", params={"fee_min": "1e1000000"})
@example(prefix="/en", path="/api/providers/", params={"fee_max": "-1E+999999999"})
@example(prefix="", path="/api/providers/", params={"modified_after": "0001-01-01T00:00:00+14:00"})
@example(prefix="", path="/providers.csv", params={"modified_after": "9999-12-31T23:59:59.999999-12:00"})
@example(prefix="", path="/api/providers/", params={"page": "²"})
def test_open_data_answers_200_or_400_with_errors(
    client: Client,
    no_rate_limit: None,
    personal_data: Personal,
    prefix: str,
    path: str,
    params: dict[str, Any],
) -> None:
    response = get(client, prefix + path, params)

    assert response.status_code in (200, 400), response.status_code
    body = body_of(response)
    if response.status_code == 400:
        assert response["Content-Type"].startswith("application/json")
        errors = json.loads(body)["errors"]
        assert errors and all(isinstance(messages, list) and messages for messages in errors.values())
    elif path.endswith("/"):
        assert set(json.loads(body)) - {"removed"} == {"count", "next", "previous", "results", "data_as_of"}
    else:
        assert response["Content-Type"].startswith("text/csv")
    assert_no_personal_data(body, params, personal_data)


BAD_PARAMETERS = [
    ({"modified_after": "yesterday"}, "modified_after"),
    ({"modified_after": "0001-01-01T00:00:00+14:00"}, "modified_after"),  # year 0 in UTC
    ({"fee_min": "cheap"}, "fee_min"),
    ({"fee_min": "1e1000000"}, "fee_min"),  # PostgreSQL's numeric overflows: was a 500
    ({"fee_max": "1e-1000000"}, "fee_max"),
    ({"kind": "castle"}, "kind"),
    ({"sort": "password"}, "sort"),
    ({"q": "养老\x00"}, "q"),
]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        *[("/providers.csv", params, field) for params, field in BAD_PARAMETERS],
        *[("/api/providers/", params, field) for params, field in BAD_PARAMETERS],
        ("/api/providers/", {"page": "0"}, "page"),
    ],
)
def test_a_bad_open_data_parameter_is_a_400_naming_it(
    client: Client, no_rate_limit: None, path: str, params: dict[str, str], field: str
) -> None:
    response = get(client, path, params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_an_offset_postgresql_cannot_read_is_the_same_instant_in_utc(client: Client, no_rate_limit: None) -> None:
    # ISO 8601 allows offsets up to ±23:59, PostgreSQL ±15:59: this was a 500.
    far_east = get(client, "/api/providers/", {"modified_after": "2026-01-01T23:59:00+23:59"})
    utc = get(client, "/api/providers/", {"modified_after": "2026-01-01T00:00:00Z"})

    assert far_east.status_code == utc.status_code == 200
    assert far_east.json()["results"] == utc.json()["results"]


def test_a_database_error_is_no_bad_page(client: Client, no_rate_limit: None, monkeypatch: Any) -> None:
    # The API's page check caught every exception: fee_max=1e1000000 overflowed PostgreSQL's
    # numeric while counting, and was answered 400 {"page": ["invalid page"]}.
    def page(self: Paginator, number: int) -> Any:
        raise DatabaseError("value overflows numeric format")

    monkeypatch.setattr(Paginator, "page", page)

    with pytest.raises(DatabaseError):
        client.get("/api/providers/")


ADDRESSES = st.one_of(
    st.ip_addresses().map(str), ANY_TEXT, st.text(min_size=200, max_size=400), st.sampled_from(["", " ", "unknown"])
)


@FUZZ
@given(
    proxies=st.integers(0, 3),
    remote_addr=ADDRESSES,
    forwarded=st.one_of(st.none(), st.lists(ADDRESSES, max_size=4).map(", ".join), ANY_TEXT),
    path=OPEN_DATA,
)
def test_the_rate_limit_holds_for_any_client_address(
    client: Client, settings: Any, proxies: int, remote_addr: str, forwarded: str | None, path: str
) -> None:
    settings.NUM_PROXIES = proxies
    settings.PUBLIC_RATE_LIMIT = 2
    cache.clear()
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded

    statuses = [get(client, path, {"kind": ProviderKind.ELDERLY_INSTITUTION}, **extra).status_code for _ in range(3)]

    # Whatever the address looks like, it is counted (the limit fails open only when the
    # cache itself is down).
    assert statuses == [200, 200, 429]
