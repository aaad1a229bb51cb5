"""PostgreSQL restarted (every connection dropped): the next request reconnects.

Django keeps connections open between requests (``CONN_MAX_AGE``); with
``CONN_HEALTH_CHECKS`` the request-start hook (``close_old_connections``, which Celery's
Django fix-up also calls before each task) notices a dead connection and opens a new one
instead of failing the request. The test drops the app's connection from another session,
as a server restart would, and runs that hook.
"""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.db.utils import InterfaceError, OperationalError

from registry.models import Division

# serialized_rollback, like every transactional test here: a plain flush would re-create
# content types after the test and break the next test that restores the serialized data.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def drop_connection(pid: int) -> None:
    """Terminate a backend from a separate session, as a PostgreSQL restart does."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_the_settings_keep_connections_and_check_them():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_dropped_connection_is_replaced_at_the_next_request(divisions):
    connection.close_at = None  # persistent, as under CONN_MAX_AGE in production
    close_old_connections()
    first = backend_pid()

    drop_connection(first)
    close_old_connections()  # what Django runs when the next request starts

    assert backend_pid() != first
    assert Division.objects.filter(code="150200").exists()


def test_without_the_request_hook_the_dead_connection_would_fail(divisions):
    first = backend_pid()
    drop_connection(first)

    with pytest.raises((OperationalError, InterfaceError)):
        backend_pid()
    connection.close()  # leave a usable connection for the teardown
