"""The public pages and open data, cached under a data version (issue 20,
``registry/public_cache.py``): a second visitor is served from the cache, a change is seen
on the next request, nothing of one client reaches another, every download is still
recorded, every request still counted, and a dead Redis costs nothing but speed."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache, caches
from django.db import connection
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone
from downloads import file_bytes
from factories import FeeItemFactory, ProviderFactory
from public_cache_support import cache_state, commit_public_changes

from concerns.bot_checks import fill_token
from registry import public_cache
from registry.lifecycle import provider_transition
from registry.models import DataExport, Provider, ProviderStatus, ProviderStatusChange
from registry.public_cache import (
    VERSION_KEY,
    bump_public_data_version,
    cached_public_page,
    public_data_version,
    public_models,
    request_key,
)
from safeguards.models import AuditEntry

pytestmark = pytest.mark.django_db

A = ProviderStatusChange.Action
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def certified(divisions: Any, superuser: Any) -> Provider:
    """A certified home whose creation is committed, as far as the cache can tell."""
    provider = ProviderFactory(name="阳光颐养院")
    for action in (A.FILE, A.CERTIFY):
        provider_transition(
            provider=provider, action=action, reason="备案并认定", effective_on=timezone.localdate(), actor=superuser
        )
    FeeItemFactory(provider=provider, name="床位费", effective_from=timezone.localdate())
    commit_public_changes()
    return provider


# --------------------------------------------------------------------------- served from the cache


def test_a_second_visitor_gets_the_page_from_the_cache_without_a_query(certified: Provider) -> None:
    url = f"/providers/{certified.uscc}/"
    first = Client().get(url)

    with CaptureQueriesContext(connection) as queries:
        second = Client().get(url)

    assert (cache_state(first), cache_state(second)) == ("MISS", "HIT")
    assert len(queries) == 0
    assert second.content == first.content
    assert "阳光颐养院" in second.content.decode()
    # The middleware's headers are the request's own, cached page or not.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["Content-Language"] == "zh-hans"


def test_a_provider_changed_in_the_admin_shows_on_the_very_next_request(
    certified: Provider, superuser: Any, client_for: Any
) -> None:
    url = f"/providers/{certified.uscc}/"
    Client().get(url)
    assert cache_state(Client().get(url)) == "HIT"

    done = client_for(superuser).post(
        f"/admin/registry/provider/{certified.pk}/lifecycle/suspend/",
        {"reason": "消防通道堵塞", "reason_category": "safety", "effective_on": timezone.localdate().isoformat()},
    )
    assert done.status_code == 302
    assert commit_public_changes()  # the suspension scheduled a new version for its commit

    after = Client().get(url)
    assert cache_state(after) == "MISS"
    assert "已暂停" in after.content.decode()


def test_a_fee_added_through_the_service_shows_in_the_list_and_the_open_data(certified: Provider) -> None:
    before_page = Client().get("/providers/")
    before_api = Client().get(f"/api/providers/{certified.uscc}/")
    assert cache_state(Client().get("/providers/")) == "HIT"

    FeeItemFactory(provider=certified, name="护理费", amount="1200.00", effective_from=timezone.localdate())
    assert commit_public_changes()

    after_api = Client().get(f"/api/providers/{certified.uscc}/")
    assert cache_state(Client().get("/providers/")) == "MISS"
    assert cache_state(after_api) == "MISS"
    assert [fee["name"] for fee in after_api.json()["fees"]] == ["床位费", "护理费"]
    assert before_api.json()["fees"] != after_api.json()["fees"]
    assert before_page.status_code == 200


def test_a_transaction_that_changed_public_data_neither_reads_nor_fills_the_cache(certified: Provider) -> None:
    url = f"/providers/{certified.uscc}/"
    Client().get(url)
    certified.name = "阳光颐养院（新址）"
    certified.save()

    during = Client().get(url)  # the same transaction, not yet committed

    assert cache_state(during) is None
    assert "阳光颐养院（新址）" in during.content.decode()


def test_the_same_filters_in_another_order_share_a_key_and_other_requests_do_not() -> None:
    factory = RequestFactory()

    def key(url: str, **extra: Any) -> str:
        return request_key(factory.get(url, **extra), 7, "page")

    assert key("/providers/?kind=day_care_centre&q=kdl&page=2") == key("/providers/?page=2&q=kdl&kind=day_care_centre")
    assert key("/providers/?page=2&page=3") != key("/providers/?page=3&page=2")  # the last one counts
    others = {
        key("/providers/?kind=day_care_centre"),
        key("/providers/?kind=elderly_institution"),
        key("/en/providers/?kind=day_care_centre"),
        key("/providers/?kind=day_care_centre", HTTP_HOST="localhost"),
        key("/providers/?kind=day_care_centre", secure=True),
        request_key(factory.get("/providers/?kind=day_care_centre"), 8, "page"),
        request_key(factory.get("/providers/?kind=day_care_centre"), 7, "value"),
    }
    assert len(others) == 7
    assert len(key("/providers/?q=" + "养" * 5000)) == len(key("/providers/"))  # capped: a hash


def test_two_orders_of_the_same_filters_are_served_one_page(certified: Provider) -> None:
    first = Client().get("/providers/?kind=elderly_institution&sort=-beds")
    second = Client().get("/providers/?sort=-beds&kind=elderly_institution")

    assert (cache_state(first), cache_state(second)) == ("MISS", "HIT")
    assert second.content == first.content


def test_signed_in_users_are_never_served_from_the_cache_nor_fill_it(
    certified: Provider, superuser: Any, client_for: Any
) -> None:
    url = f"/providers/{certified.uscc}/"
    staff = client_for(superuser)

    signed_in = staff.get(url)
    anonymous = Client().get(url)
    signed_in_again = staff.get(url)

    assert signed_in.status_code == 200 and cache_state(signed_in) is None
    assert cache_state(anonymous) == "MISS"  # the signed-in answer was not kept
    assert cache_state(signed_in_again) is None


def test_not_found_and_refused_answers_are_not_kept(certified: Provider) -> None:
    missing = "/providers/91150203MA0000000X/"
    assert Client().get(missing).status_code == 404
    assert Client().get(missing).status_code == 404
    bad = Client().get("/api/providers/?modified_after=yesterday")
    assert bad.status_code == 400 and cache_state(bad) is None
    assert cache_state(Client().get("/api/providers/?modified_after=yesterday")) is None


def test_public_cache_seconds_0_turns_the_cache_off(certified: Provider, settings: Any) -> None:
    settings.PUBLIC_CACHE_SECONDS = 0
    url = f"/providers/{certified.uscc}/"
    Client().get(url)

    with CaptureQueriesContext(connection) as queries:
        second = Client().get(url)

    assert cache_state(second) is None
    assert len(queries) > 0


# --------------------------------------------------------------------------- one client's things


def token_page(request: HttpRequest) -> HttpResponse:
    """A page with a form, as the concern form is: the template takes a CSRF token."""
    return HttpResponse(Template("<form>{% csrf_token %}</form>").render(RequestContext(request)))


def cookie_page(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("hello")
    response.set_cookie("seen", "1")
    return response


def plain_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the same for everyone")


urlpatterns = [
    path("token/", cached_public_page(token_page)),
    path("cookie/", cached_public_page(cookie_page)),
    path("plain/", cached_public_page(plain_page)),
]


@pytest.fixture
def small_site(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


def csrf_token_of(response: Any) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


@pytest.mark.usefixtures("small_site")
def test_a_page_that_used_the_csrf_token_or_set_a_cookie_is_never_kept() -> None:
    one, other = Client(), Client()
    first, second = one.get("/token/"), other.get("/token/")

    assert cache_state(first) is None and cache_state(second) is None
    assert csrf_token_of(first) != csrf_token_of(second)
    assert one.cookies["csrftoken"].value != other.cookies["csrftoken"].value
    assert [cache_state(Client().get("/cookie/")) for _ in range(2)] == [None, None]
    assert [cache_state(Client().get("/plain/")) for _ in range(2)] == ["MISS", "HIT"]


def test_two_visitors_of_a_cached_provider_page_each_send_a_concern_with_their_own_token(
    certified: Provider, settings: Any
) -> None:
    from concerns.models import Concern

    def form_data() -> dict[str, str]:  # what a person sends a minute after the form was shown
        description = "护理员夜里不来翻身，老人背上长了褥疮。"
        return {"category": "care_quality", "description": description, "shown_at": fill_token(time.time() - 60)}

    page = f"/providers/{certified.uscc}/"
    form_url = f"/concerns/new/{certified.uscc}/"
    visitors = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    assert [cache_state(visitor.get(page)) for visitor in visitors] == ["MISS", "HIT"]
    assert f'href="{form_url}"' in visitors[1].get(page).content.decode()

    forms = [visitor.get(form_url) for visitor in visitors]
    tokens = [csrf_token_of(form) for form in forms]
    assert tokens[0] != tokens[1]
    assert all(cache_state(form) is None for form in forms)

    # Each token is valid with its own visitor's cookie, and only with it.
    stolen = visitors[1].post(form_url, {**form_data(), "csrfmiddlewaretoken": tokens[0]})
    assert stolen.status_code == 403
    sent = [
        visitor.post(form_url, {**form_data(), "csrfmiddlewaretoken": token}, REMOTE_ADDR=f"198.51.100.{n}")
        for n, (visitor, token) in enumerate(zip(visitors, tokens, strict=True), start=1)
    ]
    assert [response.status_code for response in sent] == [302, 302]
    assert Concern.objects.filter(provider=certified).count() == 2

    assert commit_public_changes()  # the concerns counted on the provider page
    after = Client().get(page)
    assert cache_state(after) == "MISS"


# --------------------------------------------------------------------------- counted and recorded


def test_every_request_counts_against_the_rate_limit_cached_or_not(certified: Provider, settings: Any) -> None:
    settings.PUBLIC_RATE_LIMIT = 3
    url = f"/api/providers/{certified.uscc}/"

    answers = [Client().get(url, REMOTE_ADDR="198.51.100.7") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [cache_state(a) for a in answers[:3]] == ["MISS", "HIT", "HIT"]


def test_each_download_is_recorded_and_audited_the_hsds_package_built_once(certified: Provider) -> None:
    exports, audits = DataExport.objects.count(), AuditEntry.objects.count()

    first = Client().get("/open-data/hsds.zip")
    with CaptureQueriesContext(connection) as queries:
        second = Client().get("/open-data/hsds.zip")
    csvs = [Client().get("/providers.csv") for _ in range(2)]
    for response in csvs:
        file_bytes(response)  # recorded before the first byte streams

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert not any("registry_provider" in q["sql"] for q in queries.captured_queries)  # not built again
    assert all(response.status_code == 200 for response in csvs)
    assert DataExport.objects.count() - exports == 4
    assert AuditEntry.objects.count() - audits == 4
    assert list(DataExport.objects.order_by("-pk").values_list("what", flat=True)[:4]) == [
        "providers",
        "providers",
        "providers-hsds",
        "providers-hsds",
    ]


def test_the_release_in_the_key_is_the_project_s_code_templates_and_translations_not_the_libraries() -> None:
    folders = public_cache._release_folders()

    assert {"registry", "inspections", "concerns", "config", "templates", "locale"} <= {f.name for f in folders}
    assert not any("site-packages" in str(folder) for folder in folders)
    assert len(public_cache.code_release()) == 16


# --------------------------------------------------------------------------- the version


def test_the_version_survives_nothing_and_never_goes_back(certified: Provider) -> None:
    version = public_data_version()
    assert version is not None
    bump_public_data_version()
    assert public_data_version() == version + 1

    cache.delete(VERSION_KEY)  # a flushed or evicted Redis

    assert (public_data_version() or 0) > version + 1


def test_a_bump_that_failed_is_made_when_the_cache_answers_again(
    certified: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public_cache, "RETRY_SECONDS", 0.0)  # try the cache again at once
    version = public_data_version()
    assert version is not None

    def refused(*args: Any, **kwargs: Any) -> int:
        raise ConnectionError("Redis restarting")

    with monkeypatch.context() as down:
        down.setattr(cache, "incr", refused)
        bump_public_data_version()
        assert cache.get(VERSION_KEY) == version  # not bumped: Redis refused

    assert public_data_version() == version + 1  # owed, and made at the next contact


# --------------------------------------------------------------------------- Redis down


@pytest.fixture
def cache_down(settings: Any) -> Iterator[None]:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    caches.close_all()
    yield
    caches.close_all()


def test_with_redis_down_every_public_page_answers_from_the_database_and_warns_once(
    certified: Provider, cache_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    urls = [
        "/",
        "/providers/",
        "/providers/?kind=elderly_institution",
        f"/providers/{certified.uscc}/",
        f"/en/providers/{certified.uscc}/",
        "/api/",
        "/api/providers/",
        f"/api/providers/{certified.uscc}/",
        "/api/openapi.json",
        "/open-data/hsds.zip",
        "/sitemap.xml",
        "/inspections/",
        "/subsidies/",
        "/concerns/statistics/",
    ]
    with caplog.at_level(logging.WARNING, logger="registry.public_cache"):
        answers = {url: Client().get(url, REMOTE_ADDR="198.51.100.30") for url in urls * 2}

    assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(urls, 200)
    assert "阳光颐养院" in answers[f"/providers/{certified.uscc}/"].content.decode()
    warnings = [r for r in caplog.records if r.name == "registry.public_cache"]
    assert len(warnings) == 1
    assert "public cache unavailable" in warnings[0].getMessage()


# --------------------------------------------------------------------------- every public model


def table_models() -> dict[str, type[Model]]:
    """Each table by the model whose rows it holds: a history table's and a many-to-many
    table's rows are the model's they belong to."""
    models: dict[str, type[Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        owner = getattr(model, "instance_type", None) or model
        if model._meta.auto_created:
            owner = model._meta.auto_created
        models.setdefault(model._meta.db_table, owner._meta.concrete_model or owner)
    return models


TABLE = re.compile(r'(?:FROM|JOIN)\s+"([a-z0-9_]+)"')
# Read by a download to write its own record (the export log and the audit trail's chain):
# what they hold is never shown.
RECORDS = {"registry_dataexport", "registry_auditentry"}


def public_urls() -> list[str]:
    """Every kind of public page and answer of the demo: a provider of each kind and status,
    the directory with each filter, the inspections, draws, subsidies and concerns."""
    from inspections.models import Draw, Inspection

    shown = Provider.objects.exclude(status=ProviderStatus.DRAFT)
    examples = {(p.kind, p.status): p.uscc for p in shown.order_by("pk")}
    filters = [
        "q=kdl",
        "league=150200",
        "county=150203",
        "kind=nursery",
        "legal_form=non_profit",
        "operation_mode=public",
        "min_grade=3",
        "nursing=on",
        "vacancies=on",
        "medical=on",
        "age_band=under_1",
        "care_mode=full_day",
        "inclusive=on",
        "demonstration=on",
        "fee_min=1000",
        "fee_max=5000",
        "sort=-vacancies",
        "page=2&size=20",
    ]
    inspections = Inspection.objects.filter(findings__isnull=False).values_list("pk", flat=True)[:3]
    draws = Draw.objects.filter(status=Draw.Status.FROZEN).values_list("pk", flat=True)[:2]
    return [
        *(f"{prefix}/" for prefix in ("", "/en", "/mn")),
        *(f"/providers/?{query}" for query in filters),
        *(f"/providers/{uscc}/" for uscc in examples.values()),
        *(f"/api/providers/{uscc}/" for uscc in examples.values()),
        "/en/providers/",
        "/mn/providers/",
        "/api/",
        "/api/providers/",
        "/api/providers/?modified_after=2000-01-01T00:00:00Z",
        "/api/openapi.json",
        "/sitemap.xml",
        "/providers.csv",
        "/en/providers-table.csv",
        "/open-data/hsds.zip",
        "/inspections/",
        *(f"/inspections/{pk}/" for pk in inspections),
        *(f"/inspections/draws/{pk}/" for pk in draws),
        *(f"/inspections/draws/{pk}/inputs.json" for pk in draws),
        "/subsidies/",
        "/concerns/statistics/",
    ]


@pytest.mark.usefixtures("public_demo", "fresh_cache")
def test_every_table_a_public_page_reads_belongs_to_a_registered_model(settings: Any) -> None:
    """What a public page shows comes from tables; a change to any of them must bump the
    data version, so the model each belongs to is registered (``register_public_models``).
    A new public page or section that reads a new model fails here until its app registers it."""
    settings.PUBLIC_CACHE_SECONDS = 0
    settings.PUBLIC_RATE_LIMIT = 1_000_000
    urls = public_urls()
    read: dict[str, set[str]] = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(url)
        assert response.status_code == 200, url
        for query in queries.captured_queries:
            for table in TABLE.findall(query["sql"]):
                read.setdefault(table, set()).add(url)

    owners = table_models()
    registered = set(public_models())
    unregistered = {
        table: sorted(pages)[:3]
        for table, pages in read.items()
        if table not in RECORDS and owners[table] not in registered
    }
    assert unregistered == {}
    assert len(urls) > 40 and "inspections_finding" in read and "concerns_concern" in read
