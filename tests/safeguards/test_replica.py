"""Reads from a streaming replica (issue 20, "Grow past one machine"): which queries go
where, the lag and outage fallbacks, and exports that read one database and record in the
other.

The test settings have a ``replica`` alias on the test database itself (Django's test
mirror), so what the replica "has" is what the primary has; the router is installed only
here (``routed``). The tests are transactional: the mirror is another connection, which
sees committed rows only. A real standby, its lag and its outage are in the two-instance
smoke test (``SMOKE_TOPOLOGY=two scripts/smoke.sh``).
"""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from factories import FeeItemFactory, ProviderFactory
from public_cache_support import cache_state

from registry.exports import export_chunks, plain_table
from registry.lifecycle import provider_transition
from registry.models import DataExport, FeeItem, Provider, ProviderStatusChange, User
from safeguards import replica
from safeguards.models import AuditEntry

# Transactional, on both aliases: the mirror is another connection, which sees committed rows
# only. serialized_rollback, like every transactional test here: the role groups come back.
both = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])

A = ProviderStatusChange.Action


@pytest.fixture
def routed(settings, monkeypatch) -> None:
    """The router installed (as DATABASE_REPLICA_URL does), the replica not checked yet."""
    settings.DATABASE_ROUTERS = ["safeguards.replica.ReplicaRouter"]
    monkeypatch.setattr(replica, "_health", replica._Health())


@pytest.fixture
def listed(divisions, superuser) -> Provider:
    provider = ProviderFactory(name="复制库颐养中心")
    for action in (A.FILE, A.CERTIFY):
        provider_transition(
            provider=provider, action=action, reason="材料齐全", effective_on=timezone.localdate(), actor=superuser
        )
    return provider


@pytest.fixture
def queries() -> Iterator[dict[str, CaptureQueriesContext]]:
    """The SQL each database runs inside the test."""
    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")}
    for context in captured.values():
        context.__enter__()
    yield captured
    for context in captured.values():
        context.__exit__(None, None, None)


def tables_read(context: CaptureQueriesContext) -> str:
    """The reads' SQL (a streamed export reads through a server-side cursor: DECLARE … SELECT)."""
    reads = ("SELECT", "DECLARE")
    return " ".join(q["sql"] for q in context.captured_queries if q["sql"].lstrip().upper().startswith(reads))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def replica_down(monkeypatch) -> Iterator[None]:
    """The replica stops answering: its address becomes a closed port."""
    connection = connections["replica"]
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port()))
    yield
    connection.close()


@both
def test_public_pages_read_the_replica_end_to_end(routed, listed, client, queries):
    page = client.get(reverse("provider_list"))
    detail = client.get(reverse("provider_detail", args=[listed.uscc]))

    assert page.status_code == 200 and listed.name in page.content.decode()
    assert detail.status_code == 200 and listed.name in detail.content.decode()
    assert "registry_provider" in tables_read(queries["replica"])
    assert "registry_provider" not in tables_read(queries["default"])


@both
def test_without_a_replica_url_everything_reads_the_primary(listed, client, queries):
    page = client.get(reverse("provider_list"))

    assert page.status_code == 200 and listed.name in page.content.decode()
    assert queries["replica"].captured_queries == []
    assert "registry_provider" in tables_read(queries["default"])


@both
def test_the_back_office_reads_the_primary(routed, listed, clerk, client_for, queries):
    page = client_for(clerk).get(reverse("admin:registry_provider_changelist"))

    assert page.status_code == 200 and listed.name in page.content.decode()
    assert queries["replica"].captured_queries == []


@pytest.mark.parametrize(("method", "reads_replica"), [("get", True), ("head", True), ("post", False)])
def test_only_a_get_or_head_of_a_listed_page_may_read_the_replica(routed, rf, method, reads_replica):
    request = getattr(rf, method)(reverse("provider_list"))
    request.resolver_match = resolve(request.path)
    middleware = replica.ReplicaReadsMiddleware(lambda request: HttpResponse())
    scope = replica.ReadScope()

    with replica.reads_in(scope):
        middleware.process_view(request, request.resolver_match.func, (), {})

    assert scope.replica is reads_replica


def test_a_page_not_listed_reads_the_primary(routed, rf):
    request = rf.get(reverse("concern_lookup"))
    request.resolver_match = resolve(request.path)
    scope = replica.ReadScope()

    with replica.reads_in(scope):
        replica.ReplicaReadsMiddleware(lambda request: HttpResponse()).process_view(
            request, request.resolver_match.func, (), {}
        )

    assert scope.replica is False


@both
def test_writes_go_to_the_primary_and_the_reads_after_them_too(routed, listed, queries):
    with replica.reads_in(replica.ReadScope(replica=True)):
        before = router.db_for_read(Provider)
        Provider.objects.filter(pk=listed.pk).update(name="改名后的颐养中心")
        after = router.db_for_read(Provider)
        name = Provider.objects.get(pk=listed.pk).name

    assert (before, after) == ("replica", "default")
    assert router.db_for_write(Provider) == "default"
    assert name == "改名后的颐养中心"
    assert "UPDATE" not in " ".join(q["sql"] for q in queries["replica"].captured_queries)


@both
def test_reads_in_a_transaction_and_of_accounts_and_sessions_stay_on_the_primary(routed, listed):
    with replica.reads_in(replica.ReadScope(replica=True)):
        with transaction.atomic():
            in_transaction = router.db_for_read(Provider)
        elsewhere = {model: router.db_for_read(model) for model in (User, Session, AuditEntry)}
        providers = router.db_for_read(Provider)

    assert in_transaction == "default"
    assert set(elsewhere.values()) == {"default"}
    assert providers == "replica"


@both
def test_a_session_saved_does_not_keep_the_page_on_the_primary(routed):
    """Signed-in users' sessions are saved on every request; that is no write the page reads."""
    with replica.reads_in(replica.ReadScope(replica=True)):
        SessionStore().create()
        providers = router.db_for_read(Provider)

    assert providers == "replica"


@both
def test_a_replica_too_far_behind_sends_reads_to_the_primary(routed, listed, client, queries, monkeypatch, caplog):
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda connection: settings.REPLICA_MAX_LAG_SECONDS + 5.0)

    page = client.get(reverse("provider_list"))

    assert page.status_code == 200 and listed.name in page.content.decode()
    assert queries["replica"].captured_queries == []
    assert "more than REPLICA_MAX_LAG_SECONDS" in caplog.text


@both
def test_a_replica_within_the_lag_allowed_is_read(routed, listed, client, queries, monkeypatch):
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda connection: settings.REPLICA_MAX_LAG_SECONDS - 1.0)

    client.get(reverse("provider_list"))

    assert "registry_provider" in tables_read(queries["replica"])


@both
def test_an_unreachable_replica_sends_reads_to_the_primary(routed, listed, replica_down, client, caplog):
    page = client.get(reverse("provider_list"))

    assert page.status_code == 200 and listed.name in page.content.decode()
    assert "database replica not usable, unreachable" in caplog.text


@both
def test_a_replica_lost_between_two_checks_is_left_within_the_page(routed, listed, client, monkeypatch):
    """The replica answered the last check, then went away: the page that finds out is
    served from the primary, and the next pages do not try the replica again."""
    assert client.get(reverse("provider_list")).status_code == 200
    assert replica._health.usable is True
    monkeypatch.setattr(replica, "monotonic", lambda: replica._health.checked_at + 0.1)  # still within the interval
    connection = connections["replica"]
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port()))
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")

    page = client.get(reverse("provider_detail", args=[listed.uscc]))

    assert page.status_code == 200 and listed.name in page.content.decode()
    assert replica._health.usable is False
    connection.close()


@both
def test_the_replica_is_checked_at_most_once_a_second_per_process(routed, listed, client, monkeypatch):
    checks: list[float] = []
    real = replica.replica_lag_seconds

    def counted(connection):
        lag = real(connection)  # the real query, on a server that is no standby: 0
        checks.append(lag)
        return lag

    now = [1000.0]
    monkeypatch.setattr(replica, "replica_lag_seconds", counted)
    monkeypatch.setattr(replica, "monotonic", lambda: now[0])

    for _ in range(3):
        client.get(reverse("provider_list"))
    now[0] += replica.CHECK_INTERVAL / 2
    client.get(reverse("provider_list"))
    checked_within_the_interval = len(checks)
    now[0] += replica.CHECK_INTERVAL
    client.get(reverse("provider_list"))

    assert checked_within_the_interval == 1
    assert checks == [0.0, 0.0]


@pytest.mark.parametrize(
    ("state", "lag"),
    [
        ({"in_recovery": True, "caught_up": True, "receiving": True, "since_replay": 3600.0}, 0.0),  # idle primary
        ({"in_recovery": True, "caught_up": False, "receiving": True, "since_replay": 12.5}, 12.5),
        ({"in_recovery": True, "caught_up": True, "receiving": False, "since_replay": 30.0}, 30.0),  # cut off
        ({"in_recovery": True, "caught_up": False, "receiving": True, "since_replay": None}, math.inf),
        ({"in_recovery": False, "caught_up": False, "receiving": False, "since_replay": None}, 0.0),  # no standby
    ],
)
def test_the_lag_of_an_idle_primary_is_no_lag(state, lag):
    assert replica.lag_seconds(**state) == lag


@both
def test_a_public_download_records_on_the_primary_and_reads_rows_from_the_replica(routed, listed, client, queries):
    response = client.get(reverse("providers_csv"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response.status_code == 200 and listed.uscc in body
    assert "registry_provider" in tables_read(queries["replica"])
    assert "registry_provider" not in tables_read(queries["default"])
    assert DataExport.objects.using("default").filter(what="providers", exported_by=None).count() == 1


@both
def test_a_back_office_export_reads_its_rows_from_the_replica(routed, listed, clerk, client_for, queries):
    client = client_for(clerk)
    changelist = reverse("admin:registry_provider_changelist")

    response = client.post(changelist, {"action": "export_csv", "select_across": "1", "_selected_action": ["0"]})
    replica_reads_before_the_rows = tables_read(queries["replica"])
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert listed.name in body
    assert "registry_provider" not in replica_reads_before_the_rows  # the selection: on the primary
    assert "registry_provider" in tables_read(queries["replica"])  # the rows: on the replica
    assert DataExport.objects.using("default").get().exported_by == clerk


@both
def test_an_export_outside_a_request_reads_the_primary(routed, listed, queries):
    """A command (``run_operating_grants --output``) may export what it has just written."""
    table = plain_table(what="providers", header=["name"], rows=([p.name] for p in Provider.objects.all()), count=1)

    body = b"".join(export_chunks(user=None, table=table, file_format="csv")).decode("utf-8-sig")

    assert listed.name in body
    assert queries["replica"].captured_queries == []


@both
def test_a_row_read_from_the_replica_may_be_related_to_one_written_on_the_primary(routed, listed):
    provider = Provider.objects.using("replica").get(pk=listed.pk)

    FeeItemFactory(provider=provider, name="护理费")

    assert FeeItem.objects.using("default").filter(provider=listed, name="护理费").exists()


@both
def test_migrations_never_run_on_the_replica(routed):
    assert router.allow_migrate("replica", "registry", model_name="provider") is False
    assert router.allow_migrate("default", "registry", model_name="provider") is True


# Public addresses that must read the primary, and why.
READ_THE_PRIMARY = {
    "concern_new": "a citizen's own concern: the form reads what it is about and writes",
    "concern_sent": "shows the reference just written",
    "concern_lookup": "a citizen looks up what they have just sent",
    "set_language": "a POST, nothing read",
    "mn_back_office": "a redirect to the back office",
    "ping": "the health check reads no database at all",
}
NOT_PUBLIC = ("admin/", "portal/")


def public_url_names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.lstrip("^").startswith(NOT_PUBLIC):
                names |= public_url_names(pattern.url_patterns, route)
        elif pattern.name and not route.lstrip("^").startswith(NOT_PUBLIC):
            names.add(pattern.name)
    return names


def test_every_public_address_is_decided_replica_or_primary():
    public = public_url_names(get_resolver().url_patterns)

    assert public - set(READ_THE_PRIMARY) == settings.REPLICA_READ_VIEWS


@both
def test_a_page_read_from_the_replica_just_after_a_change_is_served_but_not_cached(routed, listed, settings):
    # The replica may be up to REPLICA_MAX_LAG_SECONDS behind: a page it gave just after a
    # change, kept under the new data version, would show the old data until it expired.
    url = reverse("provider_detail", args=[listed.uscc])  # listing it committed: the version moved now
    settings.REPLICA_MAX_LAG_SECONDS = 60
    just_after = [Client().get(url) for _ in range(2)]
    settings.REPLICA_MAX_LAG_SECONDS = 0  # the change is now older than the lag allowed
    later = [Client().get(url) for _ in range(2)]

    assert [page.status_code for page in just_after + later] == [200] * 4
    assert [cache_state(page) for page in just_after] == [None, None]  # computed each time, not kept
    assert [cache_state(page) for page in later] == ["MISS", "HIT"]
